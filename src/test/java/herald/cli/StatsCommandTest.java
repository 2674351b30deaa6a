package herald.cli;

import static org.assertj.core.api.Assertions.assertThat;

import herald.Main;
import herald.wire.TestBroker;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** {@code herald stats}, run in-process through {@link Main} as a user would type it, output captured. */
@ExtendWith(VertxExtension.class)
class StatsCommandTest {

  private TestBroker broker;

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  /** Exit code, stdout and stderr of one {@code herald ...} run. */
  record Run(int code, String out, String err) {}

  static Run herald(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void printsTheNodesViewAsATable(Vertx vertx) {
    broker = TestBroker.start(vertx, new JsonObject().put("node_id", "n-table"));
    try (WireClient pub = broker.connect()) {
      pub.send("{'action':'publish','topic':'news','message':'hi'}").expect("{'status':'published','topic':'news','seq':1}");

      Run run = herald("stats", "--host", "127.0.0.1", "--port", String.valueOf(broker.port()));

      assertThat(run.code()).as(run.err()).isZero();
      assertThat(run.err()).isEmpty();
      assertThat(run.out()).containsPattern("(?m)^node +n-table$")
          .containsPattern("(?m)^cluster +no$")
          .containsPattern("(?m)^connections +2$") // the publisher and the command itself
          .containsPattern("(?m)^topics +1$")
          .containsPattern("(?m)^published +1$")
          .containsPattern("(?m)^subscribed topics +0$")
          .doesNotContain("members");
    }
  }

  @Test
  void jsonPrintsTheReplyAsOneLine(Vertx vertx) {
    broker = TestBroker.start(vertx);

    Run run = herald("stats", "--json", "--port", String.valueOf(broker.port()), "--host", "127.0.0.1");

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out().strip()).doesNotContain("\n");
    JsonObject reply = new JsonObject(run.out());
    assertThat(reply.getString("status")).isEqualTo("stats");
    assertThat(reply.getInteger("connections")).isEqualTo(1);
    assertThat(reply.getJsonObject("counts").getLong("published")).isZero();
  }

  @Test
  void unreachableBrokerExitsOneWithOneLine() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // free, and nobody listens once it is closed
    }

    Run run = herald("stats", "--host", "127.0.0.1", "--port", String.valueOf(closedPort));

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().strip()).doesNotContain("\n")
        .startsWith("herald stats: not_connected: cannot connect to 127.0.0.1:" + closedPort + " (")
        .containsIgnoringCase("refused");
  }

  @Test
  void aNodeThatRefusesTheConnectionExitsOneWithItsError(Vertx vertx) {
    broker = TestBroker.start(vertx, new JsonObject().put("max_connections", 1));
    try (WireClient holder = broker.connect()) {
      Run run = herald("stats", "--host", "127.0.0.1", "--port", String.valueOf(broker.port()));

      assertThat(run.code()).isEqualTo(1);
      assertThat(run.err().strip()).doesNotContain("\n").contains("not_connected: cannot connect to 127.0.0.1:" + broker.port() + " (too_many_connections: ");
      holder.send("{'action':'ping'}").expect("{'status':'pong'}");
    }
  }

  @Test
  void helpHasExamples() {
    Run run = herald("stats", "--help");

    assertThat(run.code()).isZero();
    assertThat(run.out()).contains("--host", "--port", "--json", "HERALD_URL", "Examples:");
  }
}
