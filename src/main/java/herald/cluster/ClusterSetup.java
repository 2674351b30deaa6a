package herald.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import com.hazelcast.splitbrainprotection.impl.RecentlyActiveSplitBrainProtectionFunction;
import com.hazelcast.spi.properties.ClusterProperty;
import com.hazelcast.spi.properties.HazelcastProperties;
import herald.config.ConfigException;
import herald.config.HeraldConfig;
import herald.config.Setting;
import herald.net.PortInUseException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.File;
import java.io.FileNotFoundException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Starts a clustered Vert.x: reads the Hazelcast file ({@code conf/cluster.xml}), applies the HERALD_*
 * cluster settings on top, and joins.
 */
public final class ClusterSetup {

  /**
   * The map of topic queues: topic name to {@link TopicLog}. {@code conf/cluster.xml} configures it; the
   * backup count comes from the settings.
   */
  public static final String TOPICS_MAP = "herald.topics";

  /**
   * Hazelcast properties a partition-safe cluster needs, set unless the Hazelcast file sets them
   * (docs/architecture.md, "Network partitions", says what each does and how it was verified):
   * <ul>
   *   <li>an append whose backup did not answer fails ({@code IndeterminateOperationStateException}) rather
   *       than being acknowledged without its backup;
   *   <li>the wait for a backup's answer is twice the failure detector's 5 s, so that a member cut off is
   *       declared gone before the wait ends, and the loss, not the wait, decides the append
   *       ({@link ClusterLog#append});
   *   <li>the first merge after a partition heals is looked for 10 s after start-up, then every 5 s, instead
   *       of Hazelcast's 300 s and 120 s: the cluster re-forms within 30 s of the heal.
   * </ul>
   */
  static final Map<String, String> PARTITION_PROPERTIES = Map.of(
      "hazelcast.operation.fail.on.indeterminate.state", "true",
      "hazelcast.operation.backup.timeout.millis", "10000",
      "hazelcast.merge.first.run.delay.seconds", "10",
      "hazelcast.merge.next.run.delay.seconds", "5");

  /** vertx-hazelcast's maps (its default-cluster.xml): node info and, for its HA mode, HA info. */
  static final List<String> VERTX_MAPS = List.of("__vertx.nodeInfo", "__vertx.haInfo");

  /** vertx-hazelcast's multimap of event-bus registrations. */
  static final String VERTX_SUBS = "__vertx.subs";

  private ClusterSetup() {}

  public static Future<Vertx> start(HeraldConfig config, VertxOptions options, VertxMetricsFactory metrics) {
    Config hzConfig = hazelcastConfig(config);
    // On disk, the node's copies are opened (and their torn tails cut) before it joins, since the entry processors
    // that run on it from the moment it joins write to them (Replicas).
    Replicas replicas = "disk".equals(config.string(Setting.STORAGE))
        ? Replicas.open(java.nio.file.Path.of(config.string(Setting.DATA_DIR)),
            herald.store.FsyncPolicy.valueOf(config.string(Setting.FSYNC).toUpperCase(java.util.Locale.ROOT)))
        : null;
    if (replicas != null) {
      hzConfig.getUserContext().put(Replicas.CONTEXT_KEY, replicas);
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(hzConfig);
    EventBusOptions bus = new EventBusOptions().setPort(config.integer(Setting.EVENTBUS_PORT));
    String host = config.string(Setting.EVENTBUS_HOST);
    if (!host.isEmpty()) {
      bus.setHost(host).setClusterPublicHost(host);
    }
    return Vertx.builder().with(options.setEventBusOptions(bus)).withClusterManager(manager).withMetrics(metrics)
        .buildClustered()
        // Hazelcast binds its member port first and reports a taken one in an exception of its own; a taken
        // port after that is the event bus's.
        .onFailure(e -> {
          if (replicas != null) {
            replicas.close();
          }
        })
        .recover(e -> fromHazelcast(e)
            ? PortInUseException.<Vertx>naming(Setting.HAZELCAST_PORT, config.integer(Setting.HAZELCAST_PORT)).apply(e)
            : PortInUseException.<Vertx>naming(Setting.EVENTBUS_PORT, config.integer(Setting.EVENTBUS_PORT)).apply(e));
  }

  private static boolean fromHazelcast(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t.getClass().getName().startsWith("com.hazelcast.")) {
        return true;
      }
    }
    return false;
  }

  /** The Hazelcast instance behind a clustered Vert.x started here. */
  public static HazelcastClusterManager manager(Vertx vertx) {
    return (HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
  }

  static Config hazelcastConfig(HeraldConfig config) {
    String file = config.string(Setting.HAZELCAST_CONFIG);
    Config hz;
    try {
      hz = Config.loadFromFile(new File(file));
    } catch (FileNotFoundException e) {
      throw new ConfigException("hazelcast_config (HERALD_HAZELCAST_CONFIG) names " + file + ", which cannot be read");
    } catch (RuntimeException e) {
      throw new ConfigException("cannot read " + file + " (HERALD_HAZELCAST_CONFIG): " + e.getMessage());
    }
    hz.setClusterName(config.string(Setting.CLUSTER_NAME));
    hz.getNetworkConfig().setPort(config.integer(Setting.HAZELCAST_PORT)).setPortAutoIncrement(false);
    String host = config.string(Setting.EVENTBUS_HOST);
    if (!host.isEmpty()) {
      // Bind and advertise this address only, so members on one machine talk over loopback and a pod
      // advertises its pod IP.
      hz.setProperty("hazelcast.local.localAddress", host);
    }
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    String dns = config.string(Setting.K8S_SERVICE_DNS);
    if (!dns.isEmpty()) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", dns);
    } else {
      join.getTcpIpConfig().setEnabled(true).setMembers(Arrays.stream(config.string(Setting.MEMBERS).split(","))
          .map(String::trim).filter(m -> !m.isEmpty()).toList());
    }
    MapConfig topics = new MapConfig(hz.getMapConfig(TOPICS_MAP));
    // OBJECT: an entry processor changes a topic's queue in place; BINARY would deserialise and serialise the
    // whole queue (up to retention_max_bytes) on every append. Retention is Herald's own (TopicLog), so the
    // map itself never evicts or expires an entry.
    topics.setName(TOPICS_MAP)
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .setBackupCount(config.integer(Setting.BACKUP_COUNT))
        .setAsyncBackupCount(0)
        .setReadBackupData(false)
        .setTimeToLiveSeconds(0)
        .setMaxIdleSeconds(0)
        .getEvictionConfig().setEvictionPolicy(EvictionPolicy.NONE);
    // The majority's history of a topic is the history (MajorityHistory), whether or not the minority refused.
    topics.setMergePolicyConfig(new MergePolicyConfig(MajorityHistory.class.getName(), MergePolicyConfig.DEFAULT_BATCH_SIZE));
    int clusterSize = config.integer(Setting.CLUSTER_SIZE);
    if (clusterSize > 1) {
      // Hazelcast refuses every operation on the topics map, reads too, on a member that has not heard from a
      // majority of cluster_size, itself included, within quorum_tolerance_ms (SplitBrainProtectionException);
      // Quorum says the same to the rest of Herald. Recently-active, not member-count: a cut-off member still
      // lists the others for 5 to 10 s (the failure detector, then a mastership claim), but stops hearing
      // their heartbeats at once (docs/architecture.md, "Network partitions").
      int minimum = Quorum.minimum(clusterSize);
      int tolerance = config.integer(Setting.QUORUM_TOLERANCE_MS);
      checkTolerance(hz, tolerance);
      hz.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(Quorum.NAME, true, minimum)
          .setProtectOn(SplitBrainProtectionOn.READ_WRITE)
          .setFunctionImplementation(new RecentlyActiveSplitBrainProtectionFunction(minimum, tolerance)));
      topics.setSplitBrainProtectionName(Quorum.NAME);
    }
    hz.addMapConfig(topics);
    backUpVertxRegistriesAsynchronously(hz);
    // Hazelcast's own metrics are collected every 5 s on every member and read by nothing Herald ships (its
    // metrics are Micrometer's): off, unless the Hazelcast file turns them on (idle CPU, issue 15).
    if (!hz.getMetricsConfig().isEnabled() || !metricsConfigured(file)) {
      hz.getMetricsConfig().setEnabled(false);
    }
    PARTITION_PROPERTIES.forEach((name, value) -> {
      if (hz.getProperty(name) == null) {
        hz.setProperty(name, value);
      }
    });
    return hz;
  }

  /**
   * Vert.x's own registries (which node is where, which addresses it consumes) take their copies asynchronously.
   * With {@code hazelcast.operation.fail.on.indeterminate.state}, which Herald sets for its appends, a put
   * whose synchronous backup is not acknowledged fails, and a backup that reaches a member still starting
   * up or no longer the partition's replica is dropped without an acknowledgement (Hazelcast's
   * {@code Backup.beforeRun}). While members join or partitions move, Vert.x's puts then fail: a node of a test
   * cluster failed to start (the put of its node info), and a survivor's re-publishing after a member left
   * would stop at the first such failure. These registries need no synchronous copy: vertx-hazelcast puts its
   * node info and re-publishes its registrations again whenever a member leaves
   * ({@code HazelcastClusterManager.membersRemoved}), so a copy lost with a member is made again by the nodes
   * it describes. The number of copies is kept.
   */
  private static void backUpVertxRegistriesAsynchronously(Config hz) {
    for (String name : VERTX_MAPS) {
      MapConfig map = new MapConfig(hz.getMapConfig(name)).setName(name);
      int copies = map.getTotalBackupCount();
      hz.addMapConfig(map.setBackupCount(0).setAsyncBackupCount(copies));
    }
    MultiMapConfig subs = new MultiMapConfig(hz.getMultiMapConfig(VERTX_SUBS)).setName(VERTX_SUBS);
    int copies = subs.getTotalBackupCount();
    hz.addMultiMapConfig(subs.setBackupCount(0).setAsyncBackupCount(copies));
  }

  /** Whether the Hazelcast file has a {@code <metrics>} element of its own. */
  private static boolean metricsConfigured(String file) {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of(file)).contains("<metrics");
    } catch (java.io.IOException unreadable) {
      return false; // it was read a moment ago; if not now, the default applies
    }
  }

  /**
   * Hazelcast refuses to start when the tolerance is above its failure detector's time or below the heartbeat
   * interval (SplitBrainProtectionServiceImpl.validateSplitBrainProtectionParameters), in words that do not
   * name Herald's setting: say it here, naming both.
   */
  private static void checkTolerance(Config hz, int toleranceMs) {
    HazelcastProperties properties = new HazelcastProperties(hz);
    long interval = properties.getMillis(ClusterProperty.HEARTBEAT_INTERVAL_SECONDS);
    long detector = properties.getMillis(ClusterProperty.MAX_NO_HEARTBEAT_SECONDS);
    if (toleranceMs < interval || toleranceMs > detector) {
      throw new ConfigException("quorum_tolerance_ms (HERALD_QUORUM_TOLERANCE_MS) is " + toleranceMs
          + "; with the heartbeat interval (" + interval + " ms) and the failure detector's time (" + detector
          + " ms) of the Hazelcast configuration, it must lie between the two");
    }
  }
}
