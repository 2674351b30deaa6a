package herald;

import herald.config.HeraldConfig;
import herald.config.Setting;
import herald.cluster.ClusterSetup;
import herald.cluster.ClusterTopicVerticle;
import herald.net.NetServerVerticle;
import herald.topic.TopicVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Herald node inside a Vert.x instance: the TopicVerticle, then the NetServer verticles in front of
 * it. Used by {@link Main} and by tests, which start brokers on port 0.
 */
public final class Broker {

  /** The version in greetings, from the jar manifest ("dev" when run from classes). */
  public static final String VERSION = versionFromManifest();

  private final Vertx vertx;
  private final HeraldConfig config;
  private final List<NetServerVerticle> servers = new ArrayList<>();
  private String topicsDeployment;
  private String netDeployment;

  private Broker(Vertx vertx, HeraldConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  /**
   * Starts a node in a Vert.x of its own: clustered through Hazelcast when {@code cluster} is set, else
   * standalone. {@link #close()} stops both.
   */
  public static Future<Broker> launch(HeraldConfig config) {
    Future<Vertx> vertx = config.flag(Setting.CLUSTER)
        ? ClusterSetup.start(config, vertxOptions())
        : Future.succeededFuture(Vertx.vertx(vertxOptions()));
    return vertx.compose(v -> start(v, config).onFailure(e -> v.close()));
  }

  /** Deploys a node on {@code vertx}: a cluster node if {@code vertx} is clustered. */
  public static Future<Broker> start(Vertx vertx, HeraldConfig config) {
    Broker broker = new Broker(vertx, config);
    int maxSubscriptions = config.integer(Setting.MAX_SUBSCRIPTIONS_PER_CONNECTION);
    Deployable topics = vertx.isClustered()
        ? new ClusterTopicVerticle(maxSubscriptions)
        : new TopicVerticle(config.retention(), maxSubscriptions);
    int instances = config.integer(Setting.NET_INSTANCES) > 0
        ? config.integer(Setting.NET_INSTANCES) : Runtime.getRuntime().availableProcessors();
    AtomicInteger open = new AtomicInteger();
    AtomicInteger nextInstance = new AtomicInteger();
    JsonObject greeting = broker.greeting();
    return vertx.deployVerticle(topics)
        .compose(id -> {
          broker.topicsDeployment = id;
          return vertx.deployVerticle(() -> {
            NetServerVerticle v = new NetServerVerticle(config, greeting, open, nextInstance.getAndIncrement());
            synchronized (broker.servers) { // the supplier runs once per instance, on the deploying thread
              broker.servers.add(v);
            }
            return v;
          }, new DeploymentOptions().setInstances(instances));
        })
        .map(id -> {
          broker.netDeployment = id;
          return broker;
        });
  }

  /** The client port actually bound. */
  public int port() {
    return servers.get(0).actualPort();
  }

  public HeraldConfig config() {
    return config;
  }

  /**
   * Graceful stop: stop accepting, answer what is in flight (up to the shutdown timeout), close the
   * connections, then stop the TopicVerticle.
   */
  public Future<Void> stop() {
    return vertx.undeploy(netDeployment).compose(v -> vertx.undeploy(topicsDeployment));
  }

  /**
   * One event loop per core, not Vert.x's default of two: the NetServer verticles and the TopicVerticle
   * then share loops, and on a single core an event-bus hop between them is a queued task on the same
   * thread rather than a wake-up of another thread and a context switch (the latency profile's top cost).
   */
  static VertxOptions vertxOptions() {
    return new VertxOptions().setEventLoopPoolSize(Runtime.getRuntime().availableProcessors());
  }

  /**
   * {@link #stop()}, then closes the Vert.x (leaving the cluster gracefully, if clustered). Vert.x is closed
   * from a thread outside it: a close started on one of its own event loops completes on that loop, which
   * the close itself has shut down, so the result would never arrive.
   */
  public Future<Void> close() {
    CompletableFuture<Void> closed = stop().toCompletionStage().toCompletableFuture()
        .handle((v, e) -> (Void) null)
        .thenComposeAsync(v -> vertx.close().toCompletionStage());
    return Future.fromCompletionStage(closed);
  }

  public Vertx vertx() {
    return vertx;
  }

  private JsonObject greeting() {
    return new JsonObject()
        .put("server", "herald")
        .put("version", VERSION)
        .put("node", config.nodeId())
        .put("cluster", vertx.isClustered())
        .put("limits", new JsonObject()
            .put("max_frame_bytes", config.number(Setting.MAX_FRAME_BYTES))
            .put("max_subscriptions_per_connection", config.number(Setting.MAX_SUBSCRIPTIONS_PER_CONNECTION))
            .put("max_outbound_bytes", config.number(Setting.MAX_OUTBOUND_BYTES))
            .put("idle_timeout_seconds", config.number(Setting.IDLE_TIMEOUT_SECONDS)));
  }

  private static String versionFromManifest() {
    String v = Broker.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
