package herald.net;

import static org.assertj.core.api.Assertions.assertThat;

import herald.Main;
import herald.client.ClientOptions;
import herald.client.HeraldClient;
import herald.wire.TestBroker;
import herald.wire.TestCluster;
import herald.wire.TestUsers;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The {@code topics} request (docs/protocol.md), read like a transcript: on one node and on three (where the
 * subscribers of every node are summed), filtered by the user's subscribe permission; then the Java client's
 * {@code topics(pattern)} and {@code herald topics}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TopicsRequestTest {

  @TempDir Path dir;

  static Stream<Integer> sizes() {
    return Stream.of(1, 3);
  }

  @ParameterizedTest(name = "{0} node(s)")
  @MethodSource("sizes")
  void listsTopicsByPatternWithCountsAndSubscribersOfEveryNode(int size) {
    try (TestCluster cluster = size == 1 ? TestCluster.single() : TestCluster.of(size)) {
      List<WireClient> subs = List.of(cluster.connect(0), cluster.connect(size - 1));
      try (WireClient pub = cluster.connect(size > 1 ? 1 : 0)) {
        for (WireClient sub : subs) {
          sub.send("{'action':'subscribe','topic':'orders.eu'}").expect("{'status':'subscribed','topic':'orders.eu'}");
        }
        subs.get(0).send("{'action':'subscribe','topic':'orders.quiet'}")
            .expect("{'status':'subscribed','topic':'orders.quiet'}");
        for (int i = 1; i <= 3; i++) {
          pub.send("{'action':'publish','topic':'orders.eu','message':" + i + "}")
              .expect("{'status':'published','topic':'orders.eu','seq':" + i + "}");
        }
        pub.send("{'action':'publish','topic':'orders.eu.late','message':1}").next();
        pub.send("{'action':'publish','topic':'news','message':1}").next();

        JsonObject reply = pub.send("{'action':'topics','pattern':'orders.*','id':7}").next();
        assertThat(reply.getString("status")).isEqualTo("topics");
        assertThat(reply.getInteger("id")).isEqualTo(7);
        assertThat(reply.getBoolean("truncated")).isFalse();
        JsonArray topics = reply.getJsonArray("topics");
        assertThat(topics.stream().map(t -> ((JsonObject) t).getString("topic")))
            .containsExactly("orders.eu", "orders.quiet"); // * is one token: not orders.eu.late
        JsonObject eu = topics.getJsonObject(0);
        assertThat(eu.getLong("messages")).isEqualTo(3);
        assertThat(eu.getLong("first_seq")).isEqualTo(1);
        assertThat(eu.getLong("last_seq")).isEqualTo(3);
        assertThat(eu.getInteger("subscribers")).isEqualTo(2);
        JsonObject quiet = topics.getJsonObject(1);
        assertThat(quiet.getLong("messages")).isZero();
        assertThat(quiet.getInteger("subscribers")).isEqualTo(1);

        JsonArray all = pub.send("{'action':'topics'}").next().getJsonArray("topics");
        assertThat(all.stream().map(t -> ((JsonObject) t).getString("topic")))
            .containsExactly("news", "orders.eu", "orders.eu.late", "orders.quiet");
        pub.send("{'action':'topics','pattern':'orders.>.x','id':1}").expectError("invalid_topic");
      } finally {
        subs.forEach(WireClient::close);
      }
    }
  }

  @Test
  void listsOnlyWhatTheUserMaySubscribeToAndNeedsAuth(Vertx vertx) {
    Path users = TestUsers.write(dir.resolve("users.json"), "{'users':["
        + "{'name':'bob','password':'" + TestUsers.hash("builder") + "','permissions':"
        + "{'publish':['>'],'subscribe':{'allow':['>'],'deny':['secret.>']}}}]}");
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("users_file", users.toString()));
        WireClient c = broker.connect()) {
      c.send("{'action':'topics'}").expectError("auth_required");
      c.send("{'action':'auth','user':'bob','password':'builder'}").next();
      c.send("{'action':'publish','topic':'secret.plans','message':1}").next();
      c.send("{'action':'publish','topic':'news','message':1}").next();
      JsonArray topics = c.send("{'action':'topics'}").next().getJsonArray("topics");
      assertThat(topics.stream().map(t -> ((JsonObject) t).getString("topic"))).containsExactly("news");
    }
  }

  @Test
  void theJavaClientAndTheCommand(Vertx vertx) {
    try (TestBroker broker = TestBroker.start(vertx); WireClient pub = broker.connect()) {
      pub.send("{'action':'publish','topic':'orders.eu','message':1}").next();
      pub.send("{'action':'publish','topic':'news','message':1}").next();

      HeraldClient client = HeraldClient.connect(vertx, ClientOptions.of("tcp://127.0.0.1:" + broker.port())).await();
      try {
        JsonObject reply = client.topics("orders.>").await();
        assertThat(reply.getJsonArray("topics").getJsonObject(0).getString("topic")).isEqualTo("orders.eu");
        assertThat(reply.getJsonArray("topics")).hasSize(1);
      } finally {
        client.close().await();
      }

      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
          .execute("topics", "--host", "127.0.0.1", "--port", String.valueOf(broker.port()));
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).containsPattern("(?m)^TOPIC +MESSAGES +BYTES +FIRST +LAST +SUBSCRIBERS +RATE/S$")
          .containsPattern("(?m)^news +1 +\\d+ +1 +1 +0 +0\\.02$")
          .containsPattern("(?m)^orders\\.eu +1 ");

      StringWriter bad = new StringWriter();
      assertThat(new CommandLine(new Main()).setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(bad))
          .execute("topics", "a..b", "--port", String.valueOf(broker.port()))).isEqualTo(2);
      assertThat(bad.toString()).contains("herald topics: invalid pattern \"a..b\"");
    }
  }
}
