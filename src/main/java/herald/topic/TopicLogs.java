package herald.topic;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where a node's topic logs are kept, as the {@link TopicVerticle} sees them: in memory on a single node
 * ({@link MemoryLogs}, every result ready at once), or in the cluster's Hazelcast map
 * ({@code herald.cluster.ClusterLogs}, results completing later). Subscriptions, replay and delivery are
 * the verticle's, written once over this interface.
 *
 * <p>Every method is called on the verticle's event loop, and every future completes there, as do calls to
 * the {@link Delivery}; so neither side locks.
 */
public interface TopicLogs {

  /** What {@link #append} gives when the topic does not exist and it may not create it: ask {@link #topicCount()} first. */
  long ABSENT = -1;

  /** What {@link #append} gives when the topic does not exist and the node already holds {@code max_topics}. */
  long FULL = -2;

  /** Receives the messages of followed topics, in seq order, each once. */
  interface Delivery {
    /** {@code frames.get(i)} has seq {@code firstSeq + i}. */
    void deliver(String topic, long firstSeq, List<Buffer> frames);
  }

  Future<Void> start(Context context, Delivery delivery);

  Future<Void> stop();

  /**
   * Appends messages to a topic as one operation; gives the seq of the first, {@link #ABSENT} or {@link #FULL}.
   * Completes once the messages are stored as the implementation promises (in a cluster: with their backups).
   */
  Future<Long> append(String topic, List<Buffer> messages, boolean create);

  /** Frames from {@code fromSeq} (or the oldest held, if later): at most {@code maxCount}, cut after {@code maxBytes}. */
  Future<Slice> read(String topic, long fromSeq, int maxCount, int maxBytes);

  /** The topic's bounds: its oldest held seq ({@code start}) and the seq the next append gets ({@code end}). */
  default Future<Slice> bounds(String topic) {
    return read(topic, 0, 0, 0);
  }

  /**
   * Starts handing the topic's new messages to the {@link Delivery}; gives the seq of the first message that
   * will be delivered. Every message from that seq on is delivered, in order, until {@link #unfollow}. Following
   * a topic keeps it from being reclaimed, so its seqs keep counting.
   */
  Future<Long> follow(String topic);

  /** The node no longer needs the topic's messages. */
  void unfollow(String topic);

  /**
   * Also hands the {@link Delivery} the messages of every topic that matches {@code pattern} (a wildcard)
   * and that the node does not follow, from the message that makes it known on: a topic created later is
   * delivered from its first message. Such topics are not reclaimed while the pattern is followed.
   */
  void followPattern(String pattern);

  void unfollowPattern(String pattern);

  /** The number of topics held (in a cluster, by the whole cluster), for the {@code max_topics} check. */
  Future<Integer> topicCount();

  /** Every topic whose name {@code matches}, with its summary now. */
  Future<Map<String, TopicSummary>> summarize(String pattern, Predicate<String> matches);

  /** Runs retention and reclaiming; called every {@link TopicVerticle#TICK_MS}. */
  void tick();

  /** The node's share of topics and bytes, as last known, for the metrics. */
  int heldTopics();

  long heldBytes();

  /** Adds this store's figures to a {@code stats} reply. */
  void describe(JsonObject stats);

  /** What {@code max_topics} limits, for error messages: "the broker" or "the cluster". */
  String scope();
}
