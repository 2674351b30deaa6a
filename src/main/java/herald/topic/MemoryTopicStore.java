package herald.topic;

import herald.codec.FrameEncoder;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * A single node's topic queues, every one in memory, bounded per topic and in total ({@link LocalLogs} puts
 * them behind {@link TopicLogs}). A pure data structure, confined to its caller's thread.
 *
 * <p>Global eviction needs "the oldest message anywhere", so besides the per-topic rings the store keeps
 * one queue of every message in arrival order. Entries left behind by per-topic eviction are popped as soon
 * as they reach the head; those stuck behind a live entry of another topic are compacted away when they
 * outnumber live ones, so the queue stays within twice the number of messages held.
 */
public final class MemoryTopicStore implements LocalStore {

  /**
   * Bytes charged per message on top of its frame: the record, the array's header, the ring slot and the
   * arrival-queue entry (about 70 bytes, rounded up). Without it a flood of tiny messages would use far more
   * memory than the limit says.
   */
  public static final int MESSAGE_OVERHEAD_BYTES = 96;

  private final Retention retention;
  private final LongSupplier clock;
  private final Predicate<String> inUse;
  private final Map<String, Topic> topics = new HashMap<>();
  /** Topics that hold no message: candidates to forget, oldest emptied first. */
  private final LinkedHashSet<Topic> empty = new LinkedHashSet<>();
  private final ArrivalQueue<Topic> arrivals = new ArrivalQueue<>();
  private long messages;
  private long bytes;

  /**
   * @param inUse whether a topic has subscribers: such a topic is never forgotten, even when empty, so its
   *     seq keeps counting under them
   */
  public MemoryTopicStore(Retention retention, LongSupplier clock, Predicate<String> inUse) {
    this.retention = retention;
    this.clock = clock;
    this.inUse = inUse;
  }

  /** A store whose topics no one subscribes to (for tests and tools). */
  public MemoryTopicStore(Retention retention, LongSupplier clock) {
    this(retention, clock, topic -> false);
  }

  @Override
  public boolean immediate() {
    return true;
  }

  /**
   * Stores a message and returns it with its seq, or returns null when the topic does not exist yet and
   * the store already holds its maximum number of topics.
   */
  @Override
  public StoredMessage append(String topicName, Buffer data) {
    Topic topic = topics.get(topicName);
    if (topic == null) {
      if (topics.size() >= retention.maxTopics() && !forgetOneEmpty()) {
        return null;
      }
      topic = new Topic(topicName);
      topics.put(topicName, topic);
    }
    long seq = ++topic.lastSeq;
    StoredMessage m = new StoredMessage(seq, FrameEncoder.messageBytes(topicName, data, seq), clock.getAsLong());
    long size = cost(m);
    topic.ring.addLast(m);
    topic.bytes += size;
    empty.remove(topic);
    messages++;
    bytes += size;
    arrivals.addLast(topic, seq);

    while (topic.ring.size() > retention.maxMessagesPerTopic() || topic.bytes > retention.maxBytesPerTopic()) {
      if (topic.ring.size() == 1) {
        break; // a single message larger than the topic limit is still kept until the next one arrives
      }
      evictOldest(topic);
    }
    while (bytes > retention.maxTotalBytes() && messages > 1) {
      evictOldestAnywhere();
    }
    compactArrivalsIfStale();
    return m;
  }

  /** The seq of the oldest message still held, or {@code lastSeq + 1} when none is. */
  @Override
  public long firstSeq(String topicName) {
    Topic topic = topics.get(topicName);
    if (topic == null) {
      return 1;
    }
    StoredMessage first = topic.ring.first();
    return first == null ? topic.lastSeq + 1 : first.seq();
  }

  /** The seq of the newest message ever stored in the topic (0 when none was). */
  @Override
  public long lastSeq(String topicName) {
    Topic topic = topics.get(topicName);
    return topic == null ? 0 : topic.lastSeq;
  }

  /**
   * Hands {@code sink} the messages from {@code fromSeq} on, oldest first, until {@code maxBytes} of
   * frames have been handed (always at least one message if any is held). Returns the seq to read next.
   */
  public long read(String topicName, long fromSeq, int maxBytes, Consumer<StoredMessage> sink) {
    return read(topicName, fromSeq, Integer.MAX_VALUE, maxBytes, sink);
  }

  /** As {@link #read(String, long, int, Consumer)}, handing at most {@code maxCount} messages. */
  @Override
  public long read(String topicName, long fromSeq, int maxCount, int maxBytes, Consumer<StoredMessage> sink) {
    Topic topic = topics.get(topicName);
    if (topic == null || topic.ring.size() == 0) {
      return Math.max(fromSeq, topic == null ? 1 : topic.lastSeq + 1);
    }
    long first = topic.ring.first().seq();
    long next = Math.max(fromSeq, first);
    int handed = 0;
    int count = 0;
    while (next <= topic.lastSeq && count < maxCount && (handed == 0 || handed < maxBytes)) {
      count++;
      StoredMessage m = topic.ring.get((int) (next - first));
      sink.accept(m);
      handed += m.length();
      next++;
    }
    return next;
  }

  /**
   * Drops messages older than the age limit, and forgets topics that hold no message and for which
   * {@code inUse} is false. Called periodically.
   */
  @Override
  public void expire(long nowMillis, Predicate<String> inUse) {
    long oldestKept = nowMillis - retention.maxAgeMillis();
    dropStaleHeads(); // so the head is the oldest message held
    while (!arrivals.isEmpty() && arrivals.firstTopic().ring.first().storedAtMillis() < oldestKept) {
      evictOldestAnywhere();
    }
    for (Iterator<Topic> it = empty.iterator(); it.hasNext(); ) {
      Topic t = it.next();
      if (!inUse.test(t.name)) {
        it.remove();
        topics.remove(t.name);
      }
    }
  }

  /**
   * Hands {@code sink} every topic whose name {@code matches}, with its {@link TopicSummary} at
   * {@code nowMillis}, in no particular order.
   */
  @Override
  public void summarize(Predicate<String> matches, long nowMillis, BiConsumer<String, TopicSummary> sink) {
    for (Topic topic : topics.values()) {
      if (matches.test(topic.name)) {
        sink.accept(topic.name, TopicSummary.of(topic.ring, topic.lastSeq, topic.bytes, nowMillis));
      }
    }
  }

  @Override
  public void describe(io.vertx.core.json.JsonObject stats) {
    stats.put("storage", new io.vertx.core.json.JsonObject().put("kind", "memory"));
  }

  @Override
  public int topicCount() {
    return topics.size();
  }

  @Override
  public long messageCount() {
    return messages;
  }

  @Override
  public long byteCount() {
    return bytes;
  }

  /**
   * Makes room for a new topic by forgetting the topic that has been empty longest and that no one
   * subscribes to. Such a topic's seq restarts at 1 if it is used again.
   */
  private boolean forgetOneEmpty() {
    for (Iterator<Topic> it = empty.iterator(); it.hasNext(); ) {
      Topic t = it.next();
      if (!inUse.test(t.name)) {
        it.remove();
        topics.remove(t.name);
        return true;
      }
    }
    return false;
  }

  private void evictOldestAnywhere() {
    dropStaleHeads(); // the head is then the oldest message held: its topic's first
    Topic topic = arrivals.firstTopic();
    arrivals.removeFirst();
    evictOldest(topic);
  }

  private void evictOldest(Topic topic) {
    StoredMessage m = topic.ring.removeFirst();
    long size = cost(m);
    topic.bytes -= size;
    messages--;
    bytes -= size;
    if (topic.ring.size() == 0) {
      empty.add(topic);
    }
    dropStaleHeads();
  }

  /**
   * Pops the arrival entries at the head whose messages are gone. When one busy topic trims itself (the
   * common case) its evicted message is also the oldest anywhere, so its entry goes at once: the queue stays
   * as long as the store and is never compacted, and no entry lives long enough to be promoted by the
   * collector. (Compacting 21,000 entries once a second, on the event loop, showed up in delivery latency.)
   */
  private void dropStaleHeads() {
    while (!arrivals.isEmpty() && isStale(arrivals.firstTopic(), arrivals.firstSeq())) {
      arrivals.removeFirst();
    }
  }

  private static boolean isStale(Topic topic, long seq) {
    StoredMessage first = topic.ring.first();
    return first == null || seq < first.seq();
  }

  /** Entries in the arrival queue, stale ones included (for tests). */
  int arrivalQueueLength() {
    return arrivals.size();
  }

  private void compactArrivalsIfStale() {
    if (arrivals.size() > 2 * messages + 1024) {
      arrivals.removeIf(MemoryTopicStore::isStale);
    }
  }

  private static long cost(StoredMessage m) {
    return m.length() + MESSAGE_OVERHEAD_BYTES;
  }

  private static final class Topic {
    final String name;
    final MessageRing ring = new MessageRing();
    long lastSeq;
    long bytes;

    Topic(String name) {
      this.name = name;
    }
  }

}
