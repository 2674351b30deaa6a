package herald.topic;

import io.vertx.core.json.JsonObject;

/**
 * What {@code /api/topics} and the {@code topics} request say about one topic's queue: the same on a single
 * node ({@link MemoryTopicStore}) and in a cluster ({@code herald.cluster.TopicLog}), both built on
 * {@link MessageRing}.
 *
 * @param messages messages held
 * @param bytes bytes charged for them (frame plus bookkeeping, as against the retention limits)
 * @param firstSeq the oldest seq held, or {@code lastSeq + 1} when none is
 * @param lastSeq the newest seq ever stored (0 when none was)
 * @param recent messages stored in the last {@link #RATE_WINDOW_MS}, counted by seq
 */
public record TopicSummary(long messages, long bytes, long firstSeq, long lastSeq, long recent) {

  /**
   * The publish rate is the messages stored in this last stretch of time, divided by it: a minute is long
   * enough that a topic published to every few seconds does not read 0, and short enough to show a change.
   */
  public static final long RATE_WINDOW_MS = 60_000;

  /** A topic that exists only because someone subscribes to it. */
  public static final TopicSummary EMPTY = new TopicSummary(0, 0, 1, 0, 0);

  /**
   * Sums up a queue at {@code nowMillis}. The recent count runs from the newest message stored before the
   * window (found by binary search: storage times only grow along the ring), so messages that retention
   * dropped inside the window still count as long as an older one is held; when every message held is in
   * the window it counts those held, a lower bound.
   */
  public static TopicSummary of(MessageRing ring, long lastSeq, long bytes, long nowMillis) {
    int size = ring.size();
    if (size == 0) {
      return new TopicSummary(0, bytes, lastSeq + 1, lastSeq, 0);
    }
    long since = nowMillis - RATE_WINDOW_MS;
    int lo = 0;
    int hi = size; // the first index stored at or after `since`
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (ring.get(mid).storedAtMillis() < since) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    long before = lo == 0 ? ring.first().seq() - 1 : ring.get(lo - 1).seq();
    return new TopicSummary(size, bytes, ring.first().seq(), lastSeq, lastSeq - before);
  }

  /** Messages per second over the window. */
  public double publishRate() {
    return Math.round(recent * 1000.0 / RATE_WINDOW_MS * 100) / 100.0; // two decimals are plenty for people
  }

  /** The {@code /api/topics} object, without {@code subscribers} (which are counted per node). */
  public JsonObject toJson(String topic) {
    return new JsonObject().put("topic", topic).put("messages", messages).put("bytes", bytes)
        .put("first_seq", firstSeq).put("last_seq", lastSeq).put("publish_rate", publishRate());
  }

  /** For Hazelcast: an entry processor's result. */
  public long[] toArray() {
    return new long[] {messages, bytes, firstSeq, lastSeq, recent};
  }

  public static TopicSummary fromArray(long[] a) {
    return new TopicSummary(a[0], a[1], a[2], a[3], a[4]);
  }
}
