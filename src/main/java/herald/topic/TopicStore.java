package herald.topic;

import io.vertx.core.buffer.Buffer;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The topic queues: per-topic sequence numbers and bounded retention. The {@link TopicVerticle} is its
 * only caller, on its own event loop, so implementations need no locking. A cluster keeps its topic queues
 * in Hazelcast instead ({@code herald.cluster.TopicLog}, on the same {@link MessageRing}).
 */
public interface TopicStore {

  /**
   * Stores a message and returns it with its seq, or returns null when the topic does not exist yet and
   * the store already holds its maximum number of topics.
   */
  StoredMessage append(String topic, Buffer data);

  /** The seq of the oldest message still held, or {@code lastSeq + 1} when none is. */
  long firstSeq(String topic);

  /** The seq of the newest message ever stored in the topic (0 when none was). */
  long lastSeq(String topic);

  /**
   * Hands {@code sink} the messages from {@code fromSeq} on, oldest first, until {@code maxBytes} of
   * frames have been handed (always at least one message if any is held). Returns the seq to read next.
   */
  long read(String topic, long fromSeq, int maxBytes, Consumer<StoredMessage> sink);

  /**
   * Drops messages older than the age limit, and forgets topics that hold no message and for which
   * {@code inUse} is false. Called periodically.
   */
  void expire(long nowMillis, Predicate<String> inUse);

  /**
   * Hands {@code sink} every topic whose name {@code matches}, with its {@link TopicSummary} at
   * {@code nowMillis}, in no particular order.
   */
  void summarize(Predicate<String> matches, long nowMillis, BiConsumer<String, TopicSummary> sink);

  int topicCount();

  long messageCount();

  long byteCount();
}
