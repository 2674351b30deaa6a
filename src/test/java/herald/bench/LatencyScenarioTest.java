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
 * is counted in the phase its message was sent in (warm-up or measured), which the message itself carries.
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
          "--warmup-messages", "500", "--quiet");
    } finally {
      System.setOut(stdout);
      broker.close();
    }
    String out = captured.toString(StandardCharsets.UTF_8);

    assertThat(code).as(out).isZero();
    assertThat(out).containsPattern("RESULT scenario=latency rate=5000 size=64 sent=1000 measured=1000 delivered=1500 "
        + "loss=0 .* in_order=true errors=0 capped=false");
    assertThat(out).contains("over the first 500 deliveries").doesNotContain("unreadable stamps");
  }
}
