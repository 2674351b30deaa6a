package herald.topic;

import herald.bus.ConnRef;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The topic verticles' answers to the operator's questions, asked over the node-local event bus
 * ({@code herald.bus.Addresses}) by {@code /api/} and the {@code topics} request, the same on a single node
 * and in a cluster. Requests and replies are JSON:
 *
 * <ul>
 *   <li>list: {@code {"pattern":P,"limit":N}} (pattern null: every topic; limit 0: no limit) to
 *       {@code {"topics":[summary...],"truncated":B}}, sorted by name;
 *   <li>subscribers: {@code ["t1","t2"]} to {@code {"t1":2}} (this node's subscriptions; topics without any
 *       left out);
 *   <li>peek: {@code {"topic":T,"last":N}} to {@code {"topic":T,"messages":[{"seq":S,"data":D}...]}}.
 * </ul>
 */
public final class TopicQueries {

  /**
   * The most messages one peek returns: a peek is for a person looking at a topic, and each message may be
   * up to {@code max_frame_bytes}, so the bound keeps one reply near a few MiB at worst.
   */
  public static final int MAX_PEEK = 100;

  private TopicQueries() {}

  /** The list reply: {@code found} sorted by name, cut at {@code limit} (0: no cut). */
  public static JsonObject list(Map<String, TopicSummary> found, int limit) {
    JsonArray topics = new JsonArray();
    boolean truncated = false;
    for (Map.Entry<String, TopicSummary> e : new TreeMap<>(found).entrySet()) {
      if (limit > 0 && topics.size() == limit) {
        truncated = true;
        break;
      }
      topics.add(e.getValue().toJson(e.getKey()));
    }
    return new JsonObject().put("topics", topics).put("truncated", truncated);
  }

  /** Adds the topics this node's clients subscribe to that {@code matches} and that {@code found} lacks. */
  public static void addSubscribed(SubscriptionIndex<ConnRef, ?> index, Predicate<String> matches,
      Map<String, TopicSummary> found) {
    for (String topic : index.topics()) {
      if (matches.test(topic)) {
        found.putIfAbsent(topic, TopicSummary.EMPTY);
      }
    }
  }

  /** The subscribers reply for the topics named in {@code topics}. */
  public static JsonObject subscribers(SubscriptionIndex<ConnRef, ?> index, JsonArray topics) {
    JsonObject counts = new JsonObject();
    for (Object t : topics) {
      int n = index.subscribers((String) t).size();
      if (n > 0) {
        counts.put((String) t, n);
      }
    }
    return counts;
  }

  /** The peek request's count, bounded to 1..{@link #MAX_PEEK}. */
  public static int last(JsonObject request) {
    return Math.max(1, Math.min(MAX_PEEK, request.getInteger("last", 10)));
  }

  /** One peeked message, from its stored frame ({@code {"type":"message",...,"data":D,"seq":S}}). */
  public static JsonObject peeked(Buffer frame) {
    JsonObject m = new JsonObject(frame);
    return new JsonObject().put("seq", m.getLong("seq")).put("data", m.getValue("data"));
  }

  /** The peek reply. */
  public static JsonObject peek(String topic, JsonArray messages) {
    return new JsonObject().put("topic", topic).put("messages", messages);
  }
}
