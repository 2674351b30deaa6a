package herald.config;

import java.util.List;
import java.util.Locale;

/**
 * One configuration key: its name in {@code conf/config.json}, the environment variable that overrides
 * it, its default and its range. Every limit the broker enforces is one of these, so the README table,
 * {@code conf/config.json} and the code are checked against this one list.
 */
public enum Setting {
  HOST("0.0.0.0", null, null, "Address the client listener binds."),
  PORT(8888, 0, 65_535, "Client TCP port; 0 picks a free one."),
  NODE_ID("", null, null, "This node's name in greetings and logs; empty picks a random one."),
  MAX_FRAME_BYTES(1_048_576, 64, 64 * 1_048_576,
      "Largest request line. Bounds the memory one client can pin while the broker waits for its newline."),
  MAX_CONNECTIONS(20_000, 1, 10_000_000,
      "Open client connections per node. Each costs socket buffers and a file descriptor."),
  MAX_SUBSCRIPTIONS_PER_CONNECTION(1_000, 1, 10_000_000,
      "Topics one connection may hold. Bounds the subscription index per client."),
  IDLE_TIMEOUT_SECONDS(300, 0, 86_400,
      "Close a connection that sent nothing, not even a ping, for this long; 0 never does. Reclaims dead peers."),
  MAX_OUTBOUND_BYTES(1_048_576, 1_024, 1_073_741_824,
      "Bytes queued for one client before it is a slow consumer and is disconnected. Bounds memory per reader."),
  RETENTION_MAX_MESSAGES(10_000, 1, Integer.MAX_VALUE, "Messages kept per topic; the oldest go first."),
  RETENTION_MAX_BYTES(16_777_216, 1_024, Long.MAX_VALUE, "Bytes kept per topic; the oldest go first."),
  RETENTION_MAX_AGE_SECONDS(86_400, 1, Integer.MAX_VALUE, "Messages older than this are dropped."),
  MAX_TOPICS(100_000, 1, 100_000_000,
      "Topics holding messages, across the cluster in cluster mode; publishing to a new topic beyond it fails. Stops topic floods exhausting memory."),
  MAX_TOTAL_BYTES(268_435_456, 1_048_576, Long.MAX_VALUE,
      "Bytes kept across all topics (in a cluster, across the cluster: each node keeps its share, checked each second); the oldest messages go first."),
  STORAGE("disk", null, null,
      "disk keeps topic logs in DATA_DIR, across restarts; memory keeps them in the heap only, lost when the node stops (a cluster keeps them in memory for now).",
      "disk", "memory"),
  DATA_DIR("data", null, null, "Directory of the topic logs (STORAGE=disk); one node per directory, locked while it runs."),
  FSYNC("interval", null, null,
      "always: fsync before each published (group-committed); interval: every FSYNC_INTERVAL_MILLIS, a power loss can lose that much; never: the operating system decides. See docs/architecture.md, \"What a stop can lose\".",
      "always", "interval", "never"),
  FSYNC_INTERVAL_MILLIS(1_000, 10, 60_000, "With FSYNC=interval, how often written messages are fsynced: the most a power loss can lose."),
  CACHE_BYTES(67_108_864, 0, Long.MAX_VALUE,
      "Heap kept for the newest messages of each topic (STORAGE=disk): live delivery and recent replay come from it, older replay from disk."),
  NET_INSTANCES(0, 0, 1_024, "NetServer verticle instances (event loops serving sockets); 0 means one per core."),
  SHUTDOWN_TIMEOUT_SECONDS(10, 0, 3_600,
      "On SIGTERM, how long in-flight requests get to be answered before connections are closed."),
  DRAIN_DELAY_SECONDS(0, 0, 300,
      "On SIGTERM, how long the node stays unready (readiness 503) but still serving before it stops accepting, so load balancers notice."),
  HTTP_PORT(9888, 0, 65_535,
      "Port of the health and metrics endpoints (HTTP, on HOST); 0 picks a free one. Not 8080, where kubectl falls back without a kubeconfig."),
  CLUSTER("false", null, null, "true joins a Hazelcast cluster of Herald nodes; false runs a single node."),
  CLUSTER_NAME("herald", null, null, "Nodes join only a cluster of the same name: keeps two clusters on one network apart."),
  MEMBERS("", null, null, "Comma-separated host:port of Hazelcast members to join by TCP-IP (bare metal, tests)."),
  K8S_SERVICE_DNS("", null, null, "Headless Service DNS name for Kubernetes discovery; when set, MEMBERS is ignored."),
  HAZELCAST_CONFIG("conf/cluster.xml", null, null, "The Hazelcast configuration file the cluster settings are applied on top of."),
  HAZELCAST_PORT(5701, 0, 65_535, "Hazelcast member port; 0 picks a free one."),
  EVENTBUS_HOST("", null, null,
      "Address this node binds and advertises for cluster traffic, event bus and Hazelcast (the pod IP in Kubernetes); empty: chosen by Hazelcast."),
  EVENTBUS_PORT(0, 0, 65_535, "Event-bus TCP port; 0 picks a free one."),
  BACKUP_COUNT(1, 0, 6,
      "Synchronous copies of each topic queue on other nodes; a publish is acknowledged once all are written."),
  CLUSTER_SIZE(1, 1, 1_000,
      "Nodes the cluster is meant to have (the StatefulSet's replicas). A node serves only while it sees a majority of them, floor(n/2)+1; 1 turns the check off."),
  QUORUM_TOLERANCE_MS(3_000, 1_000, 5_000,
      "A member counts towards the majority only if its last heartbeat is younger than this: a cut-off node refuses within about this long. Above the 1 s heartbeat interval plus what a starved machine delays one; at most Hazelcast's 5 s failure detector."),
  TLS_CERT("", null, null, "PEM certificate (chain) of the client listener; with TLS_KEY, the client port speaks only TLS 1.2/1.3."),
  TLS_KEY("", null, null, "PEM private key of TLS_CERT (PKCS#8 or PKCS#1, as cert-manager writes tls.key)."),
  TLS_CLIENT_CA("", null, null, "PEM CA that client certificates must chain to; set, every client needs one, and its CN names a user of USERS_FILE."),
  USERS_FILE("", null, null, "JSON file of users: bcrypt password hashes and publish/subscribe permissions; re-read when it changes."),
  JWT_KEYS("", null, null, "PEM public key(s) or a JWKS file whose RS256/ES256 signatures make a token valid."),
  ALLOW_ANONYMOUS("false", null, null,
      "true serves clients that do not authenticate, with every permission; false (protected mode) serves them only on loopback when no users or keys are set."),
  AUTH_TIMEOUT_SECONDS(5, 1, 3_600, "A connection that must authenticate and has not done so after this long is closed."),
  LOG_LEVEL("INFO", null, null,
      "Least severe log level written: ERROR, WARN, INFO or DEBUG (TRACE, OFF). At INFO, Hazelcast's, Vert.x's and Netty's start-up chatter is held to WARN; DEBUG lifts that.",
      "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF"),
  LOG_FORMAT("text", null, null,
      "text: one readable line per event; json: one JSON object per line (timestamp, level, logger, node, message, exception) for log pipelines.",
      "text", "json");

  private final Object defaultValue;
  private final Long min;
  private final Long max;
  private final String description;
  private final List<String> choices;

  Setting(Object defaultValue, Number min, Number max, String description, String... choices) {
    this.defaultValue = defaultValue;
    this.min = min == null ? null : min.longValue();
    this.max = max == null ? null : max.longValue();
    this.description = description;
    this.choices = List.of(choices);
  }

  /** The key in {@code conf/config.json}, e.g. {@code max_frame_bytes}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The environment variable that overrides it, e.g. {@code HERALD_MAX_FRAME_BYTES}. */
  public String env() {
    return "HERALD_" + name();
  }

  public Object defaultValue() {
    return defaultValue;
  }

  public boolean isNumber() {
    return min != null;
  }

  public boolean isBoolean() {
    return "true".equals(defaultValue) || "false".equals(defaultValue);
  }

  public long min() {
    return min;
  }

  public long max() {
    return max;
  }

  /** The values a string setting may take (matched ignoring case); empty when any string will do. */
  public List<String> choices() {
    return choices;
  }

  /**
   * The choice {@code value} names, ignoring case (so {@code debug} is {@code DEBUG}), or null if it names
   * none. Only for settings with {@link #choices()}.
   */
  public String choice(String value) {
    return choices.stream().filter(c -> c.equalsIgnoreCase(value.trim())).findFirst().orElse(null);
  }

  public String description() {
    return description;
  }
}
