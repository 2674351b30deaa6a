package herald.ops;

import herald.codec.ErrorCode;
import herald.codec.FrameEncoder;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every error frame a node sends, counted by code: {@code herald_errors_total{code}} and the
 * {@code errors} of {@code /api/overview}. The broker builds its error frames here ({@link #frame}), so a
 * frame cannot be sent without being counted, and replies that are not errors cost nothing.
 *
 * <p><b>Concurrency.</b> Error frames are made on every NetServer loop and on the topic verticle's loop, so
 * each code has a {@link LongAdder}: errors are rare, and an adder never makes two loops contend on one
 * cache line. The scrape and the API read the sums from their own threads.
 */
public final class ErrorCounts {

  private final LongAdder[] counts = new LongAdder[ErrorCode.values().length];

  public ErrorCounts() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  /**
   * Registers one counter per code, all of them from the start (at 0), so that a dashboard or an alert on
   * {@code herald_errors_total{code="unavailable"}} finds the series before the first such error.
   */
  void bindTo(MeterRegistry registry) {
    for (ErrorCode code : ErrorCode.values()) {
      FunctionCounter.builder("herald.errors", counts[code.ordinal()], LongAdder::sum)
          .tag("code", code.wire())
          .description("Error frames sent to clients, by code (docs/protocol.md)")
          .register(registry);
    }
  }

  /** Counts one {@code code} and returns its frame: {@link FrameEncoder#error}. */
  public Buffer frame(String id, ErrorCode code, String detail) {
    counts[code.ordinal()].increment();
    return FrameEncoder.error(id, code, detail);
  }

  public long count(ErrorCode code) {
    return counts[code.ordinal()].sum();
  }

  /** The codes counted so far, {@code {"forbidden":2,...}}: codes never sent are left out. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    for (ErrorCode code : ErrorCode.values()) {
      long n = counts[code.ordinal()].sum();
      if (n > 0) {
        json.put(code.wire(), n);
      }
    }
    return json;
  }
}
