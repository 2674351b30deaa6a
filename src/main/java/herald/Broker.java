package herald;

import herald.auth.Mode;
import herald.auth.Security;
import herald.config.HeraldConfig;
import herald.config.Setting;
import herald.cluster.ClusterSetup;
import herald.bus.LocalBus;
import herald.cluster.ClusterLogs;
import herald.cluster.Quorum;
import herald.net.NetServerVerticle;
import herald.net.PortInUseException;
import herald.ops.JvmMeters;
import herald.ops.NodeMetrics;
import herald.ops.Api;
import herald.ops.NodeReport;
import herald.ops.OpsVerticle;
import herald.store.FsyncPolicy;
import herald.topic.DiskTopicStore;
import herald.topic.LocalLogs;
import herald.topic.TopicLogs;
import herald.topic.TopicVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.Member;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * One Herald node inside a Vert.x instance: the TopicVerticle, then the NetServer verticles in front of
 * it. Used by {@link Main} and by tests, which start brokers on port 0.
 */
public final class Broker {

  /** The version in greetings, from the jar manifest ("dev" when run from classes). */
  public static final String VERSION = versionFromManifest();

  private static final Logger LOG = Logger.getLogger("herald");

  private final Vertx vertx;
  private final HeraldConfig config;
  private final List<NetServerVerticle> servers = new ArrayList<>();
  private NodeMetrics metrics;
  private OpsVerticle ops;
  private String topicsDeployment;
  private String netDeployment;
  /** This node's copies of the cluster's topic logs on disk, or null: closed once the node has left. */
  private herald.cluster.Replicas replicas;
  private String opsDeployment;
  /** True from the moment the client listener is up until a drain starts; readiness reads it. */
  private volatile boolean accepting;
  private Future<Void> drained;
  private Security security;

  private Broker(Vertx vertx, HeraldConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  /**
   * Starts a node in a Vert.x of its own: clustered through Hazelcast when {@code cluster} is set, else
   * standalone. {@link #close()} stops both.
   */
  public static Future<Broker> launch(HeraldConfig config) {
    // Vert.x reports its own metrics (vertx_*, jvm_*) to the registry the node's herald_* meters use.
    PrometheusMeterRegistry registry = NodeMetrics.newRegistry();
    JvmMeters.bindTo(registry);
    MicrometerMetricsFactory metrics = new MicrometerMetricsFactory(registry);
    VertxOptions options = vertxOptions().setMetricsOptions(metricsOptions());
    Future<Vertx> vertx = config.flag(Setting.CLUSTER)
        ? ClusterSetup.start(config, options, metrics)
        : Future.succeededFuture(Vertx.builder().with(options).withMetrics(metrics).build());
    return vertx.compose(v -> start(v, config, registry).onFailure(e -> {
      herald.cluster.Replicas replicas = v.isClustered()
          ? herald.cluster.Replicas.of(ClusterSetup.manager(v).getHazelcastInstance()) : null;
      v.close().onComplete(closed -> {
        if (replicas != null) {
          replicas.close();
        }
      });
    }));
  }

  /** Deploys a node on {@code vertx}: a cluster node if {@code vertx} is clustered. */
  public static Future<Broker> start(Vertx vertx, HeraldConfig config) {
    return start(vertx, config, NodeMetrics.newRegistry());
  }

  private static Future<Broker> start(Vertx vertx, HeraldConfig config, PrometheusMeterRegistry registry) {
    Broker broker = new Broker(vertx, config);
    Security security;
    try {
      security = Security.load(vertx, config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    broker.security = security;
    security.bindTo(registry);
    LOG.info(security.describe());
    AtomicInteger open = new AtomicInteger();
    AtomicInteger nextInstance = new AtomicInteger();
    NodeMetrics metrics = new NodeMetrics(registry, open, () -> clusterMembers(vertx),
        config.retention().maxTotalBytes());
    broker.metrics = metrics;
    int maxSubscriptions = config.integer(Setting.MAX_SUBSCRIPTIONS_PER_CONNECTION);
    // In the cluster's majority (HERALD_CLUSTER_SIZE): a node cut off from it refuses clients and is not ready.
    // A single node, or a cluster without cluster_size, is always in its majority (Quorum.ALWAYS): nothing to check.
    BooleanSupplier quorum = vertx.isClustered()
        ? Quorum.of(ClusterSetup.manager(vertx).getHazelcastInstance()).check() : Quorum.ALWAYS;
    LocalBus bus = new LocalBus(); // this node's verticles talk through it, and no other node's do
    TopicLogs logs;
    try {
      logs = topicLogs(vertx, config);
    } catch (RuntimeException e) {
      security.stop();
      return Future.failedFuture(e);
    }
    herald.cluster.Replicas replicas = vertx.isClustered()
        ? herald.cluster.Replicas.of(ClusterSetup.manager(vertx).getHazelcastInstance()) : null;
    Supplier<String> storageProblem = logs instanceof LocalLogs local ? local::storageProblem
        : replicas != null ? replicas::problem : () -> null;
    if (logs instanceof LocalLogs local && local.store() instanceof DiskTopicStore disk) {
      metrics.storage(disk);
    }
    if (replicas != null) {
      broker.replicas = replicas;
      metrics.storage(replicas);
    }
    Deployable topics = new TopicVerticle(logs, config.retention(), maxSubscriptions, metrics, bus);
    int instances = config.integer(Setting.NET_INSTANCES) > 0
        ? config.integer(Setting.NET_INSTANCES) : Runtime.getRuntime().availableProcessors();
    JsonObject greeting = broker.greeting();
    greeting.put("auth", security.mode().greeting());
    if (security.mode() == Mode.REQUIRED) {
      greeting.put("auth_timeout_seconds", security.authTimeoutMillis() / 1_000);
    }
    return vertx.deployVerticle(topics)
        .compose(id -> {
          broker.topicsDeployment = id;
          return vertx.deployVerticle(() -> {
            NetServerVerticle v = new NetServerVerticle(config, greeting, open, nextInstance.getAndIncrement(),
                metrics.newNetCounters(), metrics.errors(), () -> membership(vertx), quorum, bus, security);
            synchronized (broker.servers) { // the supplier runs once per instance, on the deploying thread
              broker.servers.add(v);
            }
            return v;
          }, new DeploymentOptions().setInstances(instances))
              .recover(PortInUseException.naming(Setting.PORT, config.port()));
        })
        .compose(id -> {
          broker.netDeployment = id;
          broker.accepting = true;
          security.watch();
          NodeReport report = new NodeReport(config.nodeId(), metrics, open::get, () -> security.tlsOptions() != null);
          broker.ops = new OpsVerticle(config.host(), config.integer(Setting.HTTP_PORT), metrics,
              () -> broker.accepting, quorum, storageProblem, report,
              new Api(vertx, security, config.nodeId(), bus, config.integer(Setting.MAX_FRAME_BYTES)));
          return vertx.deployVerticle(broker.ops)
              .recover(PortInUseException.naming(Setting.HTTP_PORT, config.integer(Setting.HTTP_PORT)));
        })
        .map(id -> {
          broker.opsDeployment = id;
          return broker;
        });
  }

  /**
   * Where the node keeps its topic logs: the cluster's map, or on a single node its data directory (opened and
   * recovered here, before any client connects) or the heap.
   */
  private static TopicLogs topicLogs(Vertx vertx, HeraldConfig config) {
    boolean disk = "disk".equals(config.string(Setting.STORAGE));
    if (vertx.isClustered()) {
      if (!disk) {
        LOG.info("storage: memory (HERALD_STORAGE=memory): the cluster keeps topic logs in memory, with backups on"
            + " other nodes; a full stop of the cluster loses them");
      }
      return new ClusterLogs(config.retention(), config.number(Setting.FSYNC_INTERVAL_MILLIS));
    }
    if (!disk) {
      LOG.info("storage: memory (HERALD_STORAGE=memory): topic logs are lost when the node stops");
      return new LocalLogs(config.retention());
    }
    Path dataDir = Path.of(config.string(Setting.DATA_DIR));
    FsyncPolicy fsync = FsyncPolicy.valueOf(config.string(Setting.FSYNC).toUpperCase(java.util.Locale.ROOT));
    return new LocalLogs(inUse -> DiskTopicStore.open(dataDir, config.retention(), fsync,
        config.number(Setting.FSYNC_INTERVAL_MILLIS), config.number(Setting.CACHE_BYTES), inUse));
  }

  private static int clusterMembers(Vertx vertx) {
    if (!vertx.isClustered()) {
      return 1;
    }
    try {
      return ClusterSetup.manager(vertx).getHazelcastInstance().getCluster().getMembers().size();
    } catch (RuntimeException notActive) { // after the node has left
      return 0;
    }
  }

  /**
   * For {@code stats}: this node's Hazelcast address ({@code member}) and every member's
   * ({@code members}), as {@code host:port}; nothing on a single node. A local read of Hazelcast's member
   * list, safe on an event loop.
   */
  private static JsonObject membership(Vertx vertx) {
    if (!vertx.isClustered()) {
      return new JsonObject();
    }
    try {
      Cluster cluster = ClusterSetup.manager(vertx).getHazelcastInstance().getCluster();
      JsonArray members = new JsonArray();
      cluster.getMembers().forEach(m -> members.add(hostPort(m)));
      return new JsonObject().put("member", hostPort(cluster.getLocalMember())).put("members", members);
    } catch (RuntimeException notActive) { // after the node has left
      return new JsonObject().put("members", new JsonArray());
    }
  }

  private static String hostPort(Member m) {
    return m.getAddress().getHost() + ":" + m.getAddress().getPort();
  }

  /**
   * Vert.x's own metrics, off the hot path: the per-socket and per-event-bus-message meters are disabled
   * (Herald counts those itself, per batch, in {@code herald_*}).
   */
  private static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        // vertx-micrometer-metrics keeps one registry per name per JVM: a name of its own keeps the Vert.x
        // of each node (tests run several in one JVM) reporting to that node's registry.
        .setRegistryName("herald-" + java.util.UUID.randomUUID())
        .setJvmMetricsEnabled(false) // JvmMeters binds them, without per-collection notifications
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
  }

  /** The client port actually bound. */
  public int port() {
    return servers.get(0).actualPort();
  }

  /** The health and metrics port actually bound. */
  public int httpPort() {
    return ops.actualPort();
  }

  public HeraldConfig config() {
    return config;
  }

  /** The node's metrics registry ({@code /metrics}). */
  public NodeMetrics metrics() {
    return metrics;
  }

  /**
   * Graceful stop: {@link #drain()}, then stop the health and metrics endpoints.
   */
  public Future<Void> stop() {
    return drain().transform(ar -> vertx.undeploy(opsDeployment));
  }

  /**
   * The first part of a graceful stop, in this order: (1) readiness turns 503; (2) after
   * {@code drain_delay_seconds}, so that load balancers stop sending new clients, the listener stops
   * accepting; (3) each connection answers what it has read and is told {@code shutting_down}; (4) in-flight
   * work gets up to {@code shutdown_timeout_seconds}, then the rest are closed; then the topic verticle
   * stops. The health endpoints stay up (liveness 200, readiness 503). Idempotent.
   */
  public synchronized Future<Void> drain() {
    if (drained == null) {
      accepting = false;
      long delayMs = config.number(Setting.DRAIN_DELAY_SECONDS) * 1_000;
      LOG.info("draining: not ready" + (delayMs > 0 ? "; accepting for " + delayMs / 1_000 + " s more" : ""));
      Future<?> delay = delayMs > 0 ? vertx.timer(delayMs) : Future.succeededFuture();
      security.stop();
      drained = delay
          .compose(v -> {
            LOG.info("draining: stopped accepting; telling clients shutting_down");
            return vertx.undeploy(netDeployment);
          })
          .compose(v -> vertx.undeploy(topicsDeployment));
    }
    return drained;
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
   * {@link #drain()}, then closes the Vert.x, which stops the health endpoints and, if clustered, leaves the
   * cluster gracefully (the last step of the drain order). Vert.x is closed
   * from a thread outside it: a close started on one of its own event loops completes on that loop, which
   * the close itself has shut down, so the result would never arrive.
   */
  public Future<Void> close() {
    CompletableFuture<Void> closed = drain().toCompletionStage().toCompletableFuture()
        .handle((v, e) -> {
          // (5) Closing a clustered Vert.x shuts its Hazelcast member down gracefully: it hands its partitions
          // and backups over (up to hazelcast.graceful.shutdown.max.wait) before leaving, so nothing is lost.
          LOG.info("draining: connections closed; " + (vertx.isClustered() ? "leaving the cluster" : "stopping"));
          return (Void) null;
        })
        .thenComposeAsync(v -> vertx.close().toCompletionStage())
        .whenComplete((v, e) -> {
          if (this.replicas != null) {
            this.replicas.close(); // after Hazelcast has left: no entry processor writes to it any more
          }
        });
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
