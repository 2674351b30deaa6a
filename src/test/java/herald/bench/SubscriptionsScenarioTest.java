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
 * {@code herald bench subscriptions} against a real broker, with few subscriptions: all are answered, each
 * publish reaches exactly the four readers whose subscriptions match it, in seq order per topic, and none
 * of the other subscriptions gets anything.
 */
@ExtendWith(VertxExtension.class)
class SubscriptionsScenarioTest {

  @Test
  void eachPublishReachesTheFourMatchingReadersOnly(Vertx vertx) {
    TestBroker broker = TestBroker.start(vertx);
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Main()).execute("bench", "subscriptions", "--host", "127.0.0.1",
          "--port", String.valueOf(broker.port()), "--subscriptions", "40", "--pattern-share", "0.75",
          "--per-connection", "10", "--topics", "3", "--messages", "2000", "--warmup-messages", "300",
          "--rate", "5000", "--latency-messages", "600", "--latency-warmup", "200", "--quiet");
    } finally {
      System.setOut(stdout);
      broker.close();
    }
    String out = captured.toString(StandardCharsets.UTF_8);

    assertThat(code).as(out).isZero();
    // 8 hot subscriptions on 4 connections, 32 cold ones on 4 more; 30 patterns of 40.
    assertThat(out).containsPattern("RESULT scenario=subscriptions subscriptions=40 patterns=30 connections=8 topics=3 .*"
        + " measured=2400 loss=0 in_order=true errors=0 stray=0 disconnects=0 capped=false");
    // Every pass takes the three topics in turn: 300 warm-up publishes (100 each), 2,000 (667, 667, 666) and
    // 800 paced (267, 267, 266). Seqs begin at 1, so each topic's last seq is its count: no gap, no repeat.
    String each = "received=1034 last_seq=1034 missing=0 out_of_order=0, received=1034 last_seq=1034 missing=0 "
        + "out_of_order=0, received=1032 last_seq=1032 missing=0 out_of_order=0";
    assertThat(out.split("\\[" + java.util.regex.Pattern.quote(each) + "\\]", -1)).hasSize(5); // 4 readers
  }
}
