package herald.topic;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A single node's topic queues, as {@link LocalLogs} uses them: in the heap ({@link MemoryTopicStore}) or on disk
 * ({@link DiskTopicStore}). Confined to the topic verticle's event loop.
 *
 * <p>The two differ in when a message becomes visible. In memory it is stored, readable and deliverable when
 * {@link #append(String, Buffer)} returns ({@link #immediate()}). On disk it is buffered there, and becomes visible
 * (readable, handed to the {@link Visible} listener, its {@link #appendBatch} completed) only once it is written,
 * and fsynced if the policy says so: a reader is never shown a message that a crash could take back.
 */
public interface LocalStore {

  /** Told, on the loop, of messages that just became visible: {@code frames.get(i)} has seq {@code firstSeq + i}. */
  interface Visible {
    void visible(String topic, long firstSeq, List<Buffer> frames);
  }

  /** Whether {@link #append(String, Buffer)} stores a message and makes it visible in the call itself. */
  boolean immediate();

  /**
   * Appends one message; gives it with its seq, or null when the topic does not exist and the store holds
   * {@code max_topics} already. A store that is not {@link #immediate()} makes it visible later.
   */
  StoredMessage append(String topic, Buffer data);

  /**
   * Appends messages as one batch and completes, with the seq of the first or {@link TopicLogs#FULL}, once they
   * are stored as the store promises; they are handed to the {@link Visible} listener first. Only for stores that
   * are not {@link #immediate()}.
   */
  default Future<Long> appendBatch(String topic, List<Buffer> messages) {
    throw new UnsupportedOperationException("this store stores at once: use append");
  }

  /**
   * Whether {@link LocalLogs#appendNow} may be used although the store is not {@link #immediate()}: messages are
   * buffered as they are handled and written, and made visible, when the turn ends ({@code commitTurn}).
   */
  default boolean writesAtEndOfTurn() {
    return false;
  }

  /** The seq of the oldest message held, or {@code lastSeq + 1} when none is. */
  long firstSeq(String topic);

  /** The seq of the newest visible message (0 when none was stored). */
  long lastSeq(String topic);

  /** Hands {@code sink} visible messages from {@code fromSeq} on, at most {@code maxCount}, cut after {@code maxBytes}. */
  long read(String topic, long fromSeq, int maxCount, int maxBytes, Consumer<StoredMessage> sink);

  /** Applies the age limit and forgets empty topics that are not {@code inUse}. Called every tick. */
  void expire(long nowMillis, Predicate<String> inUse);

  void summarize(Predicate<String> matches, long nowMillis, BiConsumer<String, TopicSummary> sink);

  int topicCount();

  long messageCount();

  long byteCount();

  /** Adds what the store has to say to a {@code stats} reply (beyond topics, messages and bytes). */
  default void describe(JsonObject stats) {}

  default void close() {}
}
