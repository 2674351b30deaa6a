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
 * {@code herald bench groups} against a real broker, briefly: every message is handed to the group once and,
 * with explicit acks, acked; the backlog bound (smaller than the run) is what keeps the publishers in step.
 */
@ExtendWith(VertxExtension.class)
class GroupsScenarioTest {

  @Test
  void everyMessageIsHandedToTheGroupOnceAndAcked(Vertx vertx) {
    String out = run(vertx, "explicit");
    assertThat(out).containsPattern("RESULT scenario=groups publishers=2 members=3 size=64 ack=explicit published=3000 "
        + "handed=3000 delivered_per_s=\\d+ acked=3000 acked_per_s=\\d+ published_per_s=\\d+ redelivered=0 loss=0 "
        + "exact=true errors=0 disconnects=0 capped=false");
  }

  @Test
  void withAckNoneNothingIsAcked(Vertx vertx) {
    String out = run(vertx, "none");
    assertThat(out).containsPattern("RESULT scenario=groups-ack-none publishers=2 members=3 size=64 ack=none "
        + "published=3000 handed=3000 .* acked=0 .* redelivered=0 loss=0 exact=true errors=0 disconnects=0");
  }

  private static String run(Vertx vertx, String ack) {
    TestBroker broker = TestBroker.start(vertx);
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Main()).execute("bench", "groups", "--host", "127.0.0.1",
          "--port", String.valueOf(broker.port()), "--publishers", "2", "--members", "3", "--ack", ack,
          "--messages", "3000", "--warmup-messages", "500", "--backlog", "400", "--duration-seconds", "20", "--quiet");
    } finally {
      System.setOut(stdout);
      broker.close();
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    return out;
  }
}
