package herald.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import herald.Broker;
import herald.wire.TestCluster;
import herald.wire.TestUsers;
import herald.wire.WireClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON API under /api/ (docs/api.md) over real HTTP, with clients on real sockets beside it: on a single
 * node, on a three-node cluster (any node answers for all), and with users configured.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ApiTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void singleNodeTopicsPeekPublishOverviewAndErrorsByCode() {
    try (TestCluster node = TestCluster.single();
        WireClient sub = node.connect(0); WireClient pub = node.connect(0)) {
      sub.send("{'action':'subscribe','topic':'orders.eu'}").expect("{'status':'subscribed','topic':'orders.eu'}");
      for (int i = 1; i <= 3; i++) {
        pub.send("{'action':'publish','topic':'orders.eu','message':{'n':" + i + "}}")
            .expect("{'status':'published','topic':'orders.eu','seq':" + i + "}");
        sub.next();
      }
      pub.send("{'action':'publish','topic':'orders.us','message':1}").next();
      pub.send("{'action':'publish','topic':'news','message':'hi'}").next();
      pub.send("{nonsense").expectError("invalid_json");
      pub.send("{'action':'unsubscribe','topic':'news'}").expectError("not_subscribed");

      JsonObject topics = json(get(node.node(0), "/api/topics?pattern=orders.*"), 200);
      assertThat(topics.getBoolean("truncated")).isFalse();
      JsonArray list = topics.getJsonArray("topics");
      assertThat(list.stream().map(t -> ((JsonObject) t).getString("topic"))).containsExactly("orders.eu", "orders.us");
      JsonObject eu = list.getJsonObject(0);
      assertThat(eu.getLong("messages")).isEqualTo(3);
      assertThat(eu.getLong("first_seq")).isEqualTo(1);
      assertThat(eu.getLong("last_seq")).isEqualTo(3);
      assertThat(eu.getLong("bytes")).isPositive();
      assertThat(eu.getInteger("subscribers")).isEqualTo(1);
      assertThat(eu.getDouble("publish_rate")).isEqualTo(0.05); // 3 messages in the last 60 s
      assertThat(json(get(node.node(0), "/api/topics?limit=1"), 200).getBoolean("truncated")).isTrue();

      JsonObject peek = json(get(node.node(0), "/api/topics/orders.eu/messages?last=2"), 200);
      assertThat(peek).isEqualTo(new JsonObject("{\"topic\":\"orders.eu\",\"messages\":["
          + "{\"seq\":2,\"data\":{\"n\":2}},{\"seq\":3,\"data\":{\"n\":3}}]}"));

      JsonObject published = json(post(node.node(0), "/api/topics/orders.eu/messages", "{\"from\": \"api\"}"), 200);
      assertThat(published).isEqualTo(new JsonObject().put("topic", "orders.eu").put("seq", 4));
      JsonObject pushed = sub.next();
      assertThat(pushed.getLong("seq")).isEqualTo(4);
      assertThat(pushed.getJsonObject("data")).isEqualTo(new JsonObject().put("from", "api"));

      assertThat(json(get(node.node(0), "/api/topics/bad..topic/messages"), 400).getString("error"))
          .isEqualTo("invalid_topic");
      assertThat(json(get(node.node(0), "/api/topics?pattern=a.%3E.b"), 400).getString("error"))
          .isEqualTo("invalid_topic");
      assertThat(json(post(node.node(0), "/api/topics/news/messages", "{oops"), 400).getString("error"))
          .isEqualTo("invalid_json");
      assertThat(json(get(node.node(0), "/api/nothing"), 404).getString("error")).isEqualTo("not_found");

      JsonObject overview = json(get(node.node(0), "/api/overview"), 200);
      assertThat(overview.getBoolean("cluster")).isFalse();
      JsonObject me = overview.getJsonArray("members").getJsonObject(0);
      assertThat(me.getBoolean("ready")).isTrue();
      assertThat(me.getJsonObject("connections")).isEqualTo(new JsonObject().put("tcp", 2).put("tls", 0));
      assertThat(me.getLong("published")).isEqualTo(6);
      assertThat(me.getJsonObject("errors"))
          .isEqualTo(new JsonObject().put("invalid_json", 1).put("not_subscribed", 1));
      assertThat(overview.getJsonObject("rates").getJsonArray("published")).hasSize(Rates.SAMPLES);
      // The six publishes show in the next 5 s sample, the newest (last) one: 6 / 5 s.
      await().atMost(Duration.ofSeconds(3L * Rates.INTERVAL_SECONDS)).untilAsserted(() -> {
        JsonObject rates = json(get(node.node(0), "/api/overview"), 200).getJsonObject("rates");
        assertThat(rates.getInteger("interval_seconds")).isEqualTo(Rates.INTERVAL_SECONDS);
        assertThat(rates.getJsonArray("published").stream().mapToDouble(v -> ((Number) v).doubleValue()).sum())
            .isCloseTo(1.2, within(0.001)); // one sample, or two if a tick fell between the publishes
        assertThat(rates.getJsonArray("delivered").stream().mapToDouble(v -> ((Number) v).doubleValue()).sum())
            .isCloseTo(0.8, within(0.001)); // 4 pushed to the one subscriber
      });

      String metrics = node.node(0).metrics().registry().scrape();
      assertThat(metrics).contains("herald_errors_total{code=\"invalid_json\"} 1.0")
          .contains("herald_errors_total{code=\"unavailable\"} 0.0");
    }
  }

  @Test
  void threeNodesAnyNodeAnswersForTheCluster() {
    try (TestCluster cluster = TestCluster.of(3);
        WireClient sub1 = cluster.connect(1); WireClient sub2 = cluster.connect(2); WireClient pub = cluster.connect(0)) {
      sub1.send("{'action':'subscribe','topic':'orders.eu'}").expect("{'status':'subscribed','topic':'orders.eu'}");
      sub2.send("{'action':'subscribe','topic':'orders.eu'}").expect("{'status':'subscribed','topic':'orders.eu'}");
      for (int i = 1; i <= 2; i++) {
        pub.send("{'action':'publish','topic':'orders.eu','message':" + i + "}")
            .expect("{'status':'published','topic':'orders.eu','seq':" + i + "}");
      }
      pub.send("{'action':'publish','topic':'other','message':0}").next();
      for (WireClient sub : new WireClient[] {sub1, sub2}) {
        assertThat(sub.next().getInteger("data")).isEqualTo(1);
        assertThat(sub.next().getInteger("data")).isEqualTo(2);
      }

      JsonObject overview = json(get(cluster.node(2), "/api/overview"), 200);
      assertThat(overview.getBoolean("cluster")).isTrue();
      JsonArray members = overview.getJsonArray("members");
      assertThat(members).hasSize(3);
      assertThat(members.stream().map(m -> ((JsonObject) m).getString("node")))
          .containsExactlyInAnyOrder("node0", "node1", "node2");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
          json(get(cluster.node(2), "/api/overview"), 200).getJsonArray("members").stream()
              .allMatch(m -> ((JsonObject) m).getBoolean("ready"))).isTrue());
      for (Object m : members) {
        assertThat(((JsonObject) m).getString("address")).startsWith("127.0.0.1:");
      }

      JsonArray topics = json(get(cluster.node(1), "/api/topics?pattern=orders.%3E"), 200).getJsonArray("topics");
      assertThat(topics).hasSize(1);
      assertThat(topics.getJsonObject(0).getInteger("subscribers")).isEqualTo(2);
      assertThat(topics.getJsonObject(0).getLong("last_seq")).isEqualTo(2);
      assertThat(topics.getJsonObject(0).getLong("messages")).isEqualTo(2);

      JsonObject peek = json(get(cluster.node(2), "/api/topics/orders.eu/messages?last=5"), 200);
      assertThat(peek.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getValue("data")))
          .containsExactly(1, 2);

      assertThat(json(post(cluster.node(0), "/api/topics/orders.eu/messages", "3"), 200).getLong("seq")).isEqualTo(3);
      assertThat(sub1.next().getInteger("data")).isEqualTo(3);
      assertThat(sub2.next().getInteger("data")).isEqualTo(3);

      // A member that is still in the cluster but no longer answers (node 2 drained: its HTTP side and
      // report are gone, its Hazelcast member stays) is listed as not ready, with the reason.
      cluster.node(2).stop().await();
      JsonArray after = json(get(cluster.node(0), "/api/overview"), 200).getJsonArray("members");
      assertThat(after).hasSize(3);
      JsonObject silent = after.stream().map(m -> (JsonObject) m).filter(m -> m.getString("node") == null)
          .findFirst().orElseThrow();
      assertThat(silent.getBoolean("ready")).isFalse();
      assertThat(silent.getString("error")).isEqualTo("no answer");
      assertThat(silent.getString("address")).startsWith("127.0.0.1:");
    }
  }

  @Test
  void withUsersTheApiNeedsCredentialsAndChecksPermissions() {
    Path users = TestUsers.write(dir.resolve("users.json"), "{'users':["
        + "{'name':'alice','password':'" + TestUsers.hash("wonderland") + "','permissions':"
        + "{'publish':['orders.>'],'subscribe':{'allow':['>'],'deny':['secret.>']}}}]}");
    JsonObject settings = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("http_port", 0).put("storage", "memory")
        .put("users_file", users.toString());
    Broker node = Broker.launch(herald.config.HeraldConfig.defaults(settings)).await();
    try {
      String alice = basic("alice", "wonderland");
      assertThat(json(get(node, "/api/overview"), 401).getString("error")).isEqualTo("auth_required");
      assertThat(json(get(node, "/api/overview", basic("alice", "nope")), 401).getString("error"))
          .isEqualTo("auth_failed");
      assertThat(json(get(node, "/api/overview", "Bearer not.a.jwt"), 401).getString("error")).isEqualTo("auth_failed");
      assertThat(json(get(node, "/api/overview", alice), 200).getJsonArray("members")).hasSize(1);

      assertThat(json(post(node, "/api/topics/secret.plans/messages", "1", alice), 403).getString("error"))
          .isEqualTo("forbidden");
      assertThat(json(post(node, "/api/topics/orders.eu/messages", "1", alice), 200).getLong("seq")).isEqualTo(1);
      assertThat(json(get(node, "/api/topics/secret.plans/messages", alice), 403).getString("error"))
          .isEqualTo("forbidden");
      assertThat(json(get(node, "/api/topics/orders.eu/messages", alice), 200).getJsonArray("messages")).hasSize(1);
      assertThat(get(node, "/health/live").statusCode()).as("health stays open").isEqualTo(200);

      // A remembered login is good only for the users file it was checked against: a new password applies
      // at the next reload, though the old one was accepted a moment ago.
      TestUsers.write(users, "{'users':[{'name':'alice','password':'" + TestUsers.hash("looking-glass")
          + "','permissions':{'publish':['orders.>'],'subscribe':['>']}}]}");
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
          assertThat(get(node, "/api/overview", alice).statusCode()).isEqualTo(401));
      assertThat(get(node, "/api/overview", basic("alice", "looking-glass")).statusCode()).isEqualTo(200);

      String metrics = node.metrics().registry().scrape();
      assertThat(metrics).containsPattern("herald_auth_failures_total\\{reason=\"bad_password\"\\} [1-9]")
          .containsPattern("herald_forbidden_total\\{action=\"publish\"\\} 1.0")
          .containsPattern("herald_forbidden_total\\{action=\"subscribe\"\\} 1.0");
    } finally {
      node.close().await();
    }
  }

  // ---- HTTP ----------------------------------------------------------------------------------------

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> get(Broker node, String path) {
    return get(node, path, null);
  }

  private static HttpResponse<String> get(Broker node, String path, String authorization) {
    return send(request(node, path, authorization).GET());
  }

  private static HttpResponse<String> post(Broker node, String path, String body) {
    return post(node, path, body, null);
  }

  private static HttpResponse<String> post(Broker node, String path, String body, String authorization) {
    return send(request(node, path, authorization).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static HttpRequest.Builder request(Broker node, String path, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(20));
    return authorization == null ? b : b.header("Authorization", authorization);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonObject json(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as("%s: %s", response.uri(), response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    return new JsonObject(response.body());
  }
}
