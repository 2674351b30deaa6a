package herald.topic;

import herald.match.TokenTrie;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A single node's topic logs: a {@link MemoryTopicStore} behind {@link TopicLogs}. Every future it returns
 * is already complete, so the verticle's callbacks run at once, inside the handler call that asked: a
 * subscribe reads the backlog and joins the live stream with no publish in between, and an append's
 * messages reach live subscribers before its {@code published} replies are written.
 */
public final class MemoryLogs implements TopicLogs {

  private final MemoryTopicStore store;
  /** Topics the verticle follows: delivered as they are appended, and never forgotten while followed. */
  private final Set<String> followed = new HashSet<>();
  /** Patterns followed: a topic one matches is delivered from its next append, and never forgotten. */
  private final TokenTrie<String> patterns = new TokenTrie<>();
  private Delivery delivery;

  public MemoryLogs(Retention retention) {
    this.store = new MemoryTopicStore(retention, System::currentTimeMillis, this::inUse);
  }

  private boolean inUse(String topic) {
    return followed.contains(topic) || (patterns.size() > 0 && patterns.matchesAny(topic));
  }

  @Override
  public Future<Void> start(Context context, Delivery delivery) {
    this.delivery = delivery;
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Long> append(String topic, List<Buffer> messages, boolean create) {
    boolean live = inUse(topic);
    List<Buffer> frames = live ? new ArrayList<>(messages.size()) : null;
    long first = 0;
    for (Buffer data : messages) {
      StoredMessage m = store.append(topic, data);
      if (m == null) {
        return Future.succeededFuture(FULL); // only ever the first: after it the topic exists
      }
      if (first == 0) {
        first = m.seq();
      }
      if (live) {
        frames.add(m.frame()); // one Buffer over the stored bytes, shared by every live subscriber
      }
    }
    if (live) {
      delivery.deliver(topic, first, frames);
    }
    return Future.succeededFuture(first);
  }

  @Override
  public Future<Slice> read(String topic, long fromSeq, int maxCount, int maxBytes) {
    List<Buffer> frames = new ArrayList<>(Math.min(maxCount, 64));
    long start = Math.max(fromSeq, store.firstSeq(topic));
    if (maxCount > 0) {
      store.read(topic, start, maxCount, maxBytes, m -> frames.add(m.frame()));
    }
    return Future.succeededFuture(new Slice(start, store.lastSeq(topic) + 1, frames));
  }

  @Override
  public Future<Long> follow(String topic) {
    followed.add(topic);
    return Future.succeededFuture(store.lastSeq(topic) + 1);
  }

  @Override
  public void unfollow(String topic) {
    followed.remove(topic);
  }

  @Override
  public void followPattern(String pattern) {
    patterns.add(pattern, pattern);
  }

  @Override
  public void unfollowPattern(String pattern) {
    patterns.remove(pattern, pattern);
  }

  @Override
  public Future<Integer> topicCount() {
    return Future.succeededFuture(store.topicCount());
  }

  @Override
  public Future<Map<String, TopicSummary>> summarize(String pattern, Predicate<String> matches) {
    Map<String, TopicSummary> found = new HashMap<>();
    store.summarize(matches, System.currentTimeMillis(), found::put);
    return Future.succeededFuture(found);
  }

  @Override
  public void tick() {
    store.expire(System.currentTimeMillis(), this::inUse);
  }

  @Override
  public int heldTopics() {
    return store.topicCount();
  }

  @Override
  public long heldBytes() {
    return store.byteCount();
  }

  @Override
  public void describe(JsonObject stats) {
    stats.put("topics", store.topicCount()).put("messages", store.messageCount()).put("bytes", store.byteCount());
  }

  @Override
  public String scope() {
    return "the broker";
  }
}
