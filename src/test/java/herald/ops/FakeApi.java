package herald.ops;

import herald.Broker;
import herald.wire.TestCluster;
import io.micrometer.core.instrument.FunctionCounter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * TEMPORARY, until the JSON API (branch {@code api}) is on main: the console's files (the real
 * {@link ConsoleFiles}) and a stand-in for {@code /api/*} in the shape docs/api.md gives it. Members,
 * published and delivered are the real cluster's (each node's {@code herald_messages_in_total} and
 * {@code herald_messages_out_total}); rates are sampled from them every {@link #INTERVAL_S} s; topics and their
 * messages are what the test records as it publishes them. With the real API, the browser test loads the
 * console from a node's own HTTP port and this class goes.
 */
final class FakeApi implements AutoCloseable {

  /** Rate sample spacing, shorter than the real API's so that the test waits little. */
  static final int INTERVAL_S = 1;
  private static final int SAMPLES = 60;

  private final TestCluster cluster;
  private final String requiredAuth;
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final Map<String, List<JsonObject>> topics = new ConcurrentHashMap<>();
  private final List<Double> published = new ArrayList<>();
  private final List<Double> delivered = new ArrayList<>();
  private double lastPublished;
  private double lastDelivered;

  /** @param requiredAuth the Authorization value the API wants, or null for none */
  FakeApi(TestCluster cluster, String requiredAuth) {
    this.cluster = cluster;
    this.requiredAuth = requiredAuth;
    ConsoleFiles files = new ConsoleFiles(vertx);
    server = vertx.createHttpServer().requestHandler(req -> {
      if (ConsoleFiles.handles(req.path())) {
        files.serve(req);
      } else if (requiredAuth != null && !requiredAuth.equals(req.getHeader("authorization"))) {
        json(req, 401, new JsonObject().put("error", "auth_required").put("detail", "log in (fake API)"));
      } else {
        api(req);
      }
    });
    server.listen(0, "127.0.0.1").await();
    vertx.setPeriodic(INTERVAL_S * 1000L, id -> sample());
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/";
  }

  /** What the test published to {@code topic} over the wire, with the seq the broker acknowledged. */
  void record(String topic, long seq, Object data) {
    topics.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(new JsonObject().put("seq", seq).put("data", data));
  }

  private void api(HttpServerRequest req) {
    String path = req.path();
    if (path.equals("/api/overview")) {
      json(req, 200, overview());
    } else if (path.equals("/api/topics")) {
      JsonArray list = new JsonArray();
      topics.forEach((t, ms) -> list.add(new JsonObject().put("topic", t).put("messages", ms.size())
          .put("bytes", ms.stream().mapToInt(m -> m.getValue("data").toString().length()).sum())
          .put("first_seq", ms.get(0).getLong("seq")).put("last_seq", ms.get(ms.size() - 1).getLong("seq"))
          .put("subscribers", 1).put("publish_rate", 0.5)));
      json(req, 200, new JsonObject().put("topics", list).put("truncated", false));
    } else if (path.startsWith("/api/topics/") && path.endsWith("/messages")) {
      String topic = java.net.URLDecoder.decode(path.substring(12, path.length() - 9), java.nio.charset.StandardCharsets.UTF_8);
      List<JsonObject> ms = topics.getOrDefault(topic, List.of());
      int last = Integer.parseInt(req.getParam("last", "20"));
      json(req, 200, new JsonObject().put("topic", topic)
          .put("messages", new JsonArray(new ArrayList<>(ms.subList(Math.max(0, ms.size() - last), ms.size())))));
    } else {
      json(req, 404, new JsonObject().put("error", "not_found").put("detail", path));
    }
  }

  private JsonObject overview() {
    JsonArray members = new JsonArray();
    for (int i = 0; i < cluster.size(); i++) {
      Broker b = cluster.node(i);
      members.add(new JsonObject().put("node", b.config().nodeId()).put("address", "127.0.0.1:" + b.port())
          .put("ready", true).put("connections", new JsonObject().put("tcp", 1).put("tls", 0))
          .put("published", (long) count(b, "herald.messages.in")).put("delivered", (long) count(b, "herald.messages.out"))
          .put("slow_consumers", 0).put("errors", i == 0 ? new JsonObject() : new JsonObject().put("forbidden", i).put("invalid_topic", 1)));
    }
    synchronized (this) {
      return new JsonObject().put("node", cluster.node(0).config().nodeId()).put("cluster", true).put("members", members)
          .put("rates", new JsonObject().put("interval_seconds", INTERVAL_S)
              .put("published", new JsonArray(new ArrayList<>(published)))
              .put("delivered", new JsonArray(new ArrayList<>(delivered))));
    }
  }

  private synchronized void sample() {
    double p = 0;
    double d = 0;
    for (int i = 0; i < cluster.size(); i++) {
      p += count(cluster.node(i), "herald.messages.in");
      d += count(cluster.node(i), "herald.messages.out");
    }
    published.add((p - lastPublished) / INTERVAL_S);
    delivered.add((d - lastDelivered) / INTERVAL_S);
    lastPublished = p;
    lastDelivered = d;
    if (published.size() > SAMPLES) {
      published.remove(0);
      delivered.remove(0);
    }
  }

  private static double count(Broker b, String name) {
    FunctionCounter c = b.metrics().registry().find(name).functionCounter();
    return c == null ? 0 : c.count();
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
