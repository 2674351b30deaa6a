package herald.ops;

import com.hazelcast.cluster.Member;
import herald.bus.Addresses;
import herald.cluster.ClusterSetup;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The cluster as any one node sees it, for {@code /api/} and the {@code topics} request: it asks every
 * member's {@link NodeReport} and its own topic verticle, and puts the answers together. On a single node
 * the same questions go to the node itself ({@code local}).
 *
 * <p><b>Concurrency.</b> Stateless: every call works on the caller's event loop through event-bus requests.
 */
public final class ClusterView {

  /**
   * How long a member gets to answer. Members answer from memory in well under a millisecond; one that has
   * not answered in 2 s is stuck or gone, and the console should say so rather than wait for it.
   */
  public static final long ASK_TIMEOUT_MS = 2_000;

  /**
   * Most topics one {@code topics} request lists: a reply a person or a script can read, and a bound on the
   * JSON a request can make the node build.
   */
  public static final int MAX_LISTED = 1_000;

  /** The key of a single node's own report address. */
  static final String LOCAL = "local";

  private final Vertx vertx;

  public ClusterView(Vertx vertx) {
    this.vertx = vertx;
  }

  /** This node's key: its Hazelcast member address ({@code host:port}), or {@link #LOCAL}. */
  static String self(Vertx vertx) {
    if (!vertx.isClustered()) {
      return LOCAL;
    }
    return hostPort(ClusterSetup.manager(vertx).getHazelcastInstance().getCluster().getLocalMember());
  }

  /** Every member's key, this node's first; only this node on a single node. */
  private List<String> members() {
    List<String> keys = new ArrayList<>();
    String self = self(vertx);
    keys.add(self);
    if (vertx.isClustered()) {
      for (Member m : ClusterSetup.manager(vertx).getHazelcastInstance().getCluster().getMembers()) {
        if (!hostPort(m).equals(self)) {
          keys.add(hostPort(m));
        }
      }
    }
    return keys;
  }

  private static String hostPort(Member m) {
    return m.getAddress().getHost() + ":" + m.getAddress().getPort();
  }

  private <T> Future<T> ask(String member, Object question) {
    return vertx.eventBus().<T>request(Addresses.NODE_PREFIX + member, question,
        new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS)).map(m -> m.body());
  }

  /** {@code /api/overview}: every member's report, and the cluster's rates summed per sample. */
  public Future<JsonObject> overview(String node) {
    List<String> keys = members();
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (String key : keys) {
      answers.add(ask(key, new JsonObject().put("what", "overview")));
    }
    return Future.join(answers).transform(done -> {
      JsonArray members = new JsonArray();
      double[] published = new double[Rates.SAMPLES];
      double[] delivered = new double[Rates.SAMPLES];
      for (int i = 0; i < keys.size(); i++) {
        Future<JsonObject> a = answers.get(i);
        String address = keys.get(i).equals(LOCAL) ? null : keys.get(i);
        if (a.failed()) {
          members.add(new JsonObject().put("node", null).put("address", address).put("ready", false)
              .put("error", "no answer"));
          continue;
        }
        JsonObject report = a.result().copy();
        JsonObject rates = (JsonObject) report.remove("rates");
        add(published, rates.getJsonArray("published"));
        add(delivered, rates.getJsonArray("delivered"));
        members.add(new JsonObject().put("node", report.getString("node")).put("address", address)
            .mergeIn(report));
      }
      return Future.succeededFuture(new JsonObject()
          .put("node", node)
          .put("cluster", vertx.isClustered())
          .put("members", members)
          .put("rates", new JsonObject().put("interval_seconds", Rates.INTERVAL_SECONDS)
              .put("published", toJson(published)).put("delivered", toJson(delivered))));
    });
  }

  private static void add(double[] sum, JsonArray samples) {
    for (int i = 0; i < sum.length && i < samples.size(); i++) {
      sum[i] += samples.getDouble(i);
    }
  }

  private static JsonArray toJson(double[] values) {
    JsonArray a = new JsonArray();
    for (double v : values) {
      a.add(Math.round(v * 100) / 100.0);
    }
    return a;
  }

  /**
   * The topics that match {@code pattern} (every topic when null) and that {@code visible} lets the asker
   * see (null: all), at most {@code limit}, each with its subscribers summed over the members that answered.
   */
  public Future<JsonObject> topics(String pattern, int limit, Predicate<String> visible) {
    JsonObject question = new JsonObject().put("pattern", pattern).put("limit", visible == null ? limit : 0);
    return vertx.eventBus().<JsonObject>request(Addresses.TOPICS_LIST, question,
            new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS))
        .compose(reply -> {
          JsonObject list = reply.body();
          JsonArray topics = new JsonArray();
          boolean truncated = list.getBoolean("truncated", false);
          for (Object o : list.getJsonArray("topics")) {
            JsonObject t = (JsonObject) o;
            if (visible != null && !visible.test(t.getString("topic"))) {
              continue;
            }
            if (topics.size() == limit) {
              truncated = true;
              break;
            }
            topics.add(t.put("subscribers", 0));
          }
          JsonObject result = new JsonObject().put("topics", topics).put("truncated", truncated);
          return subscribers(topics).map(v -> result);
        });
  }

  /** Fills in each topic's {@code subscribers}, asking every member; a member that does not answer adds 0. */
  private Future<Void> subscribers(JsonArray topics) {
    if (topics.isEmpty()) {
      return Future.succeededFuture();
    }
    JsonArray names = new JsonArray();
    topics.forEach(t -> names.add(((JsonObject) t).getString("topic")));
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (String key : members()) {
      answers.add(ask(key, new JsonObject().put("what", "subscribers").put("topics", names)));
    }
    return Future.join(answers).transform(done -> {
      for (Future<JsonObject> a : answers) {
        if (a.succeeded()) {
          for (Object o : topics) {
            JsonObject t = (JsonObject) o;
            t.put("subscribers", t.getInteger("subscribers") + a.result().getInteger(t.getString("topic"), 0));
          }
        }
      }
      return Future.succeededFuture();
    });
  }

  /** The last {@code last} messages of {@code topic}, oldest first. */
  public Future<JsonObject> peek(String topic, int last) {
    return vertx.eventBus().<JsonObject>request(Addresses.TOPICS_PEEK,
            new JsonObject().put("topic", topic).put("last", last), new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS))
        .map(m -> m.body());
  }
}
