package herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import herald.Main;
import herald.wire.TestBroker;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * {@code herald bench latency} against a real broker, briefly: every message is delivered, and each delivery
 * is counted in the phase its message was sent in (warm-up or measured), which the message itself carries,
 * and the broker's CPU is reported over the measured phase.
 */
@ExtendWith(VertxExtension.class)
class LatencyScenarioTest {

  @Test
  void warmUpAndMeasuredDeliveriesAreCountedApart(Vertx vertx) {
    TestBroker broker = TestBroker.start(vertx);
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      // The scenario reports on System.out, as a user running it sees.
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Main()).execute("bench", "latency", "--host", "127.0.0.1",
          "--port", String.valueOf(broker.port()), "--rate", "5000", "--messages", "1000",
          "--warmup-messages", "500", "--cpu-pids", String.valueOf(ProcessHandle.current().pid()), "--quiet");
    } finally {
      System.setOut(stdout);
      broker.close();
    }
    String out = captured.toString(StandardCharsets.UTF_8);

    assertThat(code).as(out).isZero();
    assertThat(out).containsPattern("RESULT scenario=latency rate=5000 size=64 sent=1000 measured=1000 delivered=1500 "
        + "loss=0 .* in_order=true errors=0 capped=false");
    assertThat(out).contains("over the first 500 deliveries").doesNotContain("unreadable stamps");
    // The broker runs in this JVM: its CPU over the 1,000 measured publishes (0.2 s at 5,000/s).
    assertThat(out).containsPattern("RESULT .* cpu_pct=[0-9.]+ cpu_pct_each=[0-9.]+ cpu_window_s=[0-9.]+\n");
    double window = Double.parseDouble(out.replaceAll("(?s).*RESULT .* cpu_window_s=([0-9.]+).*", "$1"));
    assertThat(window).isBetween(0.1, 2.0);
  }
}
