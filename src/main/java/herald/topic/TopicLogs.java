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
 * ({@link LocalLogs}, every result ready at once), or in the cluster's Hazelcast map
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

  /**
   * Whether these logs store a message in the call itself ({@link #appendNow}): then each publish is stored
   * as it is handled, with no batching, no future and no bookkeeping per publish (the single node's hot path).
   */
  default boolean immediate() {
    return false;
  }

  /**
   * Stores one message at once and gives its seq, or {@link #FULL}; delivers it to live subscribers first.
   * Only for logs that are {@link #immediate()}.
   */
  default long appendNow(String topic, Buffer message) {
    throw new UnsupportedOperationException("these logs complete appends later: use append");
  }

  /**
   * Logs that store at once in memory but write to disk at the end of the turn ({@link #appendNow} on disk): the
   * verticle calls this after each handled batch, before its replies leave. Gives the topics whose write failed,
   * each with the last seq its log still holds: later seqs appendNow gave this turn were not stored, and their
   * {@code published} replies must become errors. Delivery of the stored ones happens in this call.
   */
  /** Whether {@link #appendNow} writes at the end of the turn ({@link #commitTurn}) rather than in the call. */
  default boolean writesAtEndOfTurn() {
    return false;
  }

  default Map<String, WriteFailure> commitTurn() {
    return Map.of();
  }

  /** A topic's write that failed at the end of a turn: seqs after {@code lastHeld} were not stored. */
  record WriteFailure(long lastHeld, Throwable cause) {}

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
   * delivered from its first message. Such topics are not reclaimed while the pattern is followed. Completes
   * once topics that appear from then on are sure to be found (in a cluster: the listener is registered).
   * Following a pattern that is followed already changes nothing and completes as the first did.
   */
  Future<Void> followPattern(String pattern);

  void unfollowPattern(String pattern);

  // ---- consumer groups: their state lives with the topic's log, changed where the log is ordered ----------

  /**
   * What names this node's group members in a group's state: unique in the cluster, and such that the logs
   * can tell a member whose node is gone (its messages then go back to the group without waiting).
   */
  String memberPrefix();

  /** A message handed to a group member: its seq, which delivery this is, and its stored frame. */
  record Claimed(long seq, int delivery, Buffer frame) {}

  /**
   * Makes the group if the topic has none of that name: it starts where {@code replay} says against the
   * log's bounds (the newest message's successor when live), with {@code maxDeliver}. An existing group is
   * left as it is.
   */
  Future<Void> joinGroup(String topic, String group, herald.codec.Replay replay, int maxDeliver);

  /**
   * Hands {@code member} at most {@code max} of the group's messages, redeliveries first; each is held by the
   * member until it is acked or {@code ackWaitMs} pass. With {@code ackNone} they count as acked at once.
   */
  Future<List<Claimed>> claim(String topic, String group, String member, int max, long ackWaitMs, boolean ackNone);

  /** Acks {@code seq} (or, {@code upto}, every message the member holds up to it); gives how many were. */
  Future<Integer> ack(String topic, String group, String member, long seq, boolean upto);

  /** The member left: what it holds goes back to the group at once. */
  void release(String topic, String group, String member);

  /** What the member holds goes back to the group; completes once it has. */
  Future<Void> releaseAll(String topic, String group, String member);

  /** The group's figures ({@code pending}, {@code unacked}, {@code acked}, {@code redelivered}, {@code dead_lettered}, {@code expired}), or null if there is no such group. */
  Future<JsonObject> groupInfo(String topic, String group);

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

  /** The error code for an append that failed with {@code cause}: {@code unavailable} unless the logs know better. */
  default herald.codec.ErrorCode refusalCode(Throwable cause) {
    return herald.codec.ErrorCode.UNAVAILABLE;
  }

  /** The {@code unavailable} detail for an append that failed with {@code cause}: whether it may have been stored. */
  default String refusal(Throwable cause) {
    return "the message was not stored, retry: " + cause.getMessage();
  }

  /** What {@code max_topics} limits, for error messages: "the broker" or "the cluster". */
  String scope();
}
