package herald.topic;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which subscriber holds which topic: a pure data structure, no I/O and no threads, so it is tested and
 * benchmarked on its own. It is indexed both ways, because the hot path asks "who subscribes to T" and
 * disconnect cleanup asks "what does K hold".
 *
 * <p>Keys are matched by exact string: the topic verticle keeps one index of the subscriptions as made
 * (topics and wildcard patterns) and one of the cursors in concrete topics, and finds the patterns that
 * match a topic in a {@code herald.match.TokenTrie}.
 *
 * @param <K> identifies a subscriber (a connection)
 * @param <S> what is stored per subscription
 */
public final class SubscriptionIndex<K, S> {

  private final Map<String, Map<K, S>> byTopic = new HashMap<>();
  private final Map<K, Map<String, S>> byKey = new HashMap<>();
  private int subscriptions;

  /** Adds a subscription; returns false, changing nothing, when {@code key} already holds {@code topic}. */
  public boolean add(K key, String topic, S subscription) {
    Map<String, S> held = byKey.computeIfAbsent(key, k -> new HashMap<>());
    if (held.putIfAbsent(topic, subscription) != null) {
      return false;
    }
    byTopic.computeIfAbsent(topic, t -> new LinkedHashMap<>()).put(key, subscription);
    subscriptions++;
    return true;
  }

  public S get(K key, String topic) {
    Map<String, S> held = byKey.get(key);
    return held == null ? null : held.get(topic);
  }

  /** Removes one subscription; returns it, or null when {@code key} did not hold {@code topic}. */
  public S remove(K key, String topic) {
    Map<String, S> held = byKey.get(key);
    S removed = held == null ? null : held.remove(topic);
    if (removed == null) {
      return null;
    }
    if (held.isEmpty()) {
      byKey.remove(key);
    }
    removeFromTopic(topic, key);
    return removed;
  }

  /** Removes everything {@code key} holds and returns it. */
  public Collection<S> removeAll(K key) {
    Map<String, S> held = byKey.remove(key);
    if (held == null) {
      return List.of();
    }
    for (String topic : held.keySet()) {
      removeFromTopic(topic, key);
    }
    return held.values();
  }

  /** What {@code key} holds (a live view: copy it before removing from it). */
  public Collection<S> of(K key) {
    Map<String, S> held = byKey.get(key);
    return held == null ? Collections.emptyList() : held.values();
  }

  /** The subscriptions to {@code topic}, in the order they were made. */
  public Collection<S> subscribers(String topic) {
    Map<K, S> subs = byTopic.get(topic);
    return subs == null ? Collections.emptyList() : subs.values();
  }

  public boolean hasSubscribers(String topic) {
    return byTopic.containsKey(topic);
  }

  /** How many topics {@code key} holds. */
  public int count(K key) {
    Map<String, S> held = byKey.get(key);
    return held == null ? 0 : held.size();
  }

  public int subscriptionCount() {
    return subscriptions;
  }

  public int subscriberCount() {
    return byKey.size();
  }

  /** The topics with at least one subscription (a live view: do not hold it across handler calls). */
  public java.util.Set<String> topics() {
    return Collections.unmodifiableSet(byTopic.keySet());
  }

  public int topicCount() {
    return byTopic.size();
  }

  private void removeFromTopic(String topic, K key) {
    Map<K, S> subs = byTopic.get(topic);
    subs.remove(key);
    if (subs.isEmpty()) {
      byTopic.remove(topic); // an abandoned topic must not keep an entry: clients can make millions
    }
    subscriptions--;
  }
}
