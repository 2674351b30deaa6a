package herald.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.ToLongFunction;

/**
 * The node's {@code herald_*} metrics. Nothing here is written on the hot path by more than one loop: each
 * NetServer verticle instance and the topic verticle own a {@link LoopCounters} that only their event loop
 * writes; the meters registered here are functions that sum those snapshots when Prometheus scrapes.
 * The one exception is the publish latency {@link Timer}, a thread-safe Micrometer meter, recorded once per
 * client read that carried publishes (not once per message).
 */
public final class NodeMetrics {

  /** Slots of a NetServer instance's {@link LoopCounters}. */
  public static final int NET_BYTES_IN = 0;
  public static final int NET_BYTES_OUT = 1;
  public static final int NET_MESSAGES_OUT = 2;
  public static final int NET_SLOW_CONSUMERS = 3;
  public static final int NET_CONNECTION_ERRORS = 4;
  public static final int NET_BAD_FRAMES = 5;
  public static final int NET_IDLE_TIMEOUTS = 6;
  private static final int NET_SLOTS = 7;

  /** Slots of the topic verticle's {@link LoopCounters}. */
  public static final int TOPIC_MESSAGES_IN = 0;
  public static final int TOPIC_SUBSCRIPTIONS = 1;
  public static final int TOPIC_TOPICS = 2;
  /** Bytes of stored frames (cluster: in the topics whose partitions this node owns, at the last sweep). */
  public static final int TOPIC_RETAINED_BYTES = 3;
  private static final int TOPIC_SLOTS = 4;

  private final PrometheusMeterRegistry registry;
  private final List<LoopCounters> net = new CopyOnWriteArrayList<>();
  private final LoopCounters topics = new LoopCounters(TOPIC_SLOTS);
  private final Timer publishLatency;
  private final ErrorCounts errors = new ErrorCounts();
  /** 1 if the node's last readiness check passed, else 0; written by the ops verticle's loop only. */
  private final AtomicInteger ready = new AtomicInteger();

  /**
   * @param registry where the meters go (the same registry vertx-micrometer-metrics reports Vert.x's own
   *     metrics to, when the node's Vert.x was built with it)
   * @param connections the node's open-connection count (an atomic shared by the NetServer instances)
   * @param clusterMembers members of the cluster this node sees (1 on a single node)
   * @param maxTotalBytes the configured {@code max_total_bytes}, exported beside the retained bytes so that
   *     an alert can compare the two without knowing the configuration
   */
  // Gauges hold their state strongly (Micrometer's default is a weak reference, which would let a lambda
  // such as the cluster-members supplier be collected and the gauge read NaN).
  public NodeMetrics(PrometheusMeterRegistry registry, AtomicInteger connections, IntSupplier clusterMembers,
      long maxTotalBytes) {
    this.registry = registry;
    Gauge.builder("herald.connections", connections, AtomicInteger::get)
        .description("Open client connections").strongReference(true).register(registry);
    Gauge.builder("herald.subscriptions", topics, t -> t.get(TOPIC_SUBSCRIPTIONS))
        .description("Subscriptions held by this node's clients").strongReference(true).register(registry);
    Gauge.builder("herald.topics", topics, t -> t.get(TOPIC_TOPICS))
        .description("Topics this node holds messages of (single node) or reads for its subscribers (cluster)")
        .strongReference(true).register(registry);
    Gauge.builder("herald.cluster.members", clusterMembers, s -> s.getAsInt())
        .description("Members of the cluster as this node sees it (1 when not clustered)").strongReference(true)
        .register(registry);
    Gauge.builder("herald.ready", ready, AtomicInteger::get)
        .description("1 while the node is ready (/health/ready answers 200), 0 while it starts, drains or the "
            + "cluster is not safe; checked at each scrape").strongReference(true).register(registry);
    Gauge.builder("herald.retained.bytes", topics, t -> t.get(TOPIC_RETAINED_BYTES))
        .description("Bytes of messages retained: all of this node's (single node), or those of the topics whose "
            + "partitions this node owns, backups not counted (cluster: the nodes' values add up to the cluster's)")
        .strongReference(true).register(registry);
    Gauge.builder("herald.max.total.bytes", () -> maxTotalBytes)
        .description("The configured max_total_bytes (in a cluster: the cluster's total, not this node's share)")
        .strongReference(true).register(registry);
    FunctionCounter.builder("herald.messages.in", topics, t -> t.get(TOPIC_MESSAGES_IN))
        .description("Messages published through this node and stored (acknowledged)").register(registry);
    netCounter("herald.messages.out", NET_MESSAGES_OUT, "Message frames written to this node's subscribers");
    netCounter("herald.bytes.in", NET_BYTES_IN, "Bytes read from client sockets");
    netCounter("herald.bytes.out", NET_BYTES_OUT, "Bytes written to client sockets");
    netCounter("herald.slow.consumers.disconnected", NET_SLOW_CONSUMERS,
        "Connections cut off because they did not read fast enough (slow_consumer)");
    netCounter("herald.connection.errors", NET_CONNECTION_ERRORS,
        "Client connections that failed at the socket, such as a TCP reset: normal client behaviour, logged at DEBUG");
    netCounter("herald.bad.frames", NET_BAD_FRAMES,
        "Request lines refused as malformed or too long (an error reply, then the connection goes on or, too long, closes): logged at DEBUG");
    netCounter("herald.idle.timeouts", NET_IDLE_TIMEOUTS,
        "Connections closed because they sent nothing for idle_timeout_seconds (idle_timeout): logged at DEBUG");
    errors.bindTo(registry);
    registerGroupGauges();
    publishLatency = Timer.builder("herald.publish.ack.latency")
        .description("From reading a publish to acknowledging it (one sample per client read carrying publishes)")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(20_000))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }

  /** Per consumer group of this node's members: its figures as gauges tagged with topic and group. */
  private final List<io.micrometer.core.instrument.MultiGauge> groupGauges = new java.util.ArrayList<>();
  private static final List<String> GROUP_FIGURES = List.of("members", "pending", "unacked", "acked", "redelivered",
      "dead_lettered", "expired");

  private void registerGroupGauges() {
    for (String figure : GROUP_FIGURES) {
      groupGauges.add(io.micrometer.core.instrument.MultiGauge.builder("herald.group." + figure)
          .description("Per consumer group that this node's clients are members of: " + figure
              + " (members: this node's; the others: the group's own, the same on every node that has a member, so "
              + "take max by topic and group)")
          .register(registry));
    }
  }

  /**
   * The groups this node's clients are members of, each a {@code stats} group object; replaces the previous
   * rows (a group with no member here any more disappears). Called from the topic verticle's tick.
   */
  public void groups(io.vertx.core.json.JsonArray groups) {
    for (int i = 0; i < GROUP_FIGURES.size(); i++) {
      String figure = GROUP_FIGURES.get(i);
      List<io.micrometer.core.instrument.MultiGauge.Row<?>> rows = new java.util.ArrayList<>();
      for (Object o : groups) {
        io.vertx.core.json.JsonObject g = (io.vertx.core.json.JsonObject) o;
        Number value = (Number) g.getValue(figure);
        if (value != null) {
          rows.add(io.micrometer.core.instrument.MultiGauge.Row.of(
              io.micrometer.core.instrument.Tags.of("topic", g.getString("topic"), "group", g.getString("group")),
              value.doubleValue()));
        }
      }
      groupGauges.get(i).register(rows, true);
    }
  }

  /** The node's error frames by code: every error frame is made through it. */
  /**
   * The disk store's meters (a single node with {@code storage} {@code disk}). Read by the scrape's thread from
   * fields the topic verticle's loop writes: each a single long, so a scrape sees one value or the next.
   */
  public void storage(herald.topic.DiskTopicStore disk) {
    Gauge.builder("herald.storage.ok", disk, d -> d.problem() == null ? 1 : 0)
        .strongReference(true).description("1 while the data directory accepts writes; 0 after a failed write or fsync (the disk full or"
            + " failing), until one succeeds").register(registry);
    FunctionCounter.builder("herald.storage.write.failures", disk, d -> d.writeFailures())
        .description("Writes or fsyncs of topic logs that failed (their publishes were refused)").register(registry);
    FunctionCounter.builder("herald.storage.fsyncs", disk, d -> d.fsyncCount())
        .description("Files fsynced by the group commit or the interval").register(registry);
    Gauge.builder("herald.storage.cache.bytes", disk, d -> d.cachedBytes())
        .description("Bytes of the newest messages kept in the heap (cache_bytes bounds it)").register(registry);
  }

  /** The same gauges for a cluster node's copies on disk (herald.storage.cache.bytes has no counterpart there). */
  public void storage(herald.cluster.Replicas replicas) {
    Gauge.builder("herald.storage.ok", replicas, r -> r.problem() == null ? 1 : 0)
        .strongReference(true).description("1 while the data directory accepts writes; 0 after a failed write or fsync (the disk full or"
            + " failing), until one succeeds").register(registry);
    FunctionCounter.builder("herald.storage.write.failures", replicas, r -> r.writeFailures())
        .description("Writes or fsyncs of topic logs that failed (their publishes were refused)").register(registry);
    FunctionCounter.builder("herald.storage.fsyncs", replicas, r -> r.fsyncs())
        .description("Files fsynced by the group commit or the interval").register(registry);
  }

  public ErrorCounts errors() {
    return errors;
  }

  /** Messages this node's clients published (acknowledged), as {@code herald_messages_in_total}. */
  public long published() {
    return topics.get(TOPIC_MESSAGES_IN);
  }

  /** Message frames written to this node's subscribers, as {@code herald_messages_out_total}. */
  public long delivered() {
    return sumNet(NET_MESSAGES_OUT);
  }

  /** Connections cut off as slow consumers, as {@code herald_slow_consumers_disconnected_total}. */
  public long slowConsumers() {
    return sumNet(NET_SLOW_CONSUMERS);
  }

  private long sumNet(int slot) {
    long total = 0;
    for (LoopCounters c : net) {
      total += c.get(slot);
    }
    return total;
  }

  /** A registry for a node's metrics, in Prometheus form. */
  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** A fresh set of counters for one NetServer verticle instance; only its event loop may write them. */
  public LoopCounters newNetCounters() {
    LoopCounters c = new LoopCounters(NET_SLOTS);
    net.add(c);
    return c;
  }

  /** The topic verticle's counters; only its event loop may write them. */
  public LoopCounters topicCounters() {
    return topics;
  }

  /** The outcome of the node's latest readiness check ({@code herald_ready}). */
  public void readiness(boolean up) {
    ready.set(up ? 1 : 0);
  }

  /** Records one publish-to-acknowledgement latency, measured from {@code readNanos} ({@link System#nanoTime}). */
  public void publishAcked(long readNanos) {
    publishLatency.record(System.nanoTime() - readNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private void netCounter(String name, int slot, String description) {
    ToLongFunction<List<LoopCounters>> sum = list -> {
      long total = 0;
      for (LoopCounters c : list) {
        total += c.get(slot);
      }
      return total;
    };
    FunctionCounter.builder(name, net, l -> sum.applyAsLong(l)).description(description).register(registry);
  }
}
