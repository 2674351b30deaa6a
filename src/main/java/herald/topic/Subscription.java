package herald.topic;

import herald.bus.ConnRef;
import herald.codec.GroupOptions;
import herald.codec.Replay;
import herald.match.TopicPattern;

/**
 * One {@code subscribe} a connection holds: a topic, or a wildcard pattern ({@code *}, {@code >}), with the
 * replay it asked for. What it delivers goes through the {@link Cursor}s of the topics it matches.
 */
public final class Subscription {
  public final ConnRef conn;
  /** The topic or pattern, as subscribed. */
  public final String topic;
  public final boolean pattern;
  public final Replay replay;
  /** The consumer group this subscription joins, or null for a plain one (which gets every message). */
  public final GroupOptions group;
  /** How the connection's subscriptions are told apart: the topic, and the group if any. */
  public final String key;
  public final Outboxes.Outbox outbox;
  /**
   * A pattern is ready once the topics it matched when it was made have their cursors; only then does it
   * take topics that appear later, so those it was setting up are replayed as asked, not found twice.
   */
  public boolean ready;
  /** A group subscription's unacked messages, as {@code topic#seq} to deadline ({@link GroupMember}); else null. */
  final java.util.Map<String, Long> held;
  /** A group subscription has a claim in flight: one at a time, so it never gets more than it has room for. */
  boolean claiming;
  /** The subscription's members (one per topic, for a pattern) waiting for the claim in flight to finish; else null. */
  final java.util.Set<GroupMember> waiting;
  /** A pattern's tokens (null for a topic): kept per subscription, since a trie each would cost kilobytes. */
  private final String[] tokens;

  public Subscription(ConnRef conn, String topic, Replay replay, GroupOptions group, Outboxes.Outbox outbox) {
    this.conn = conn;
    this.topic = topic;
    this.pattern = isPattern(topic);
    this.replay = replay;
    this.group = group;
    this.key = key(topic, group == null ? null : group.name());
    this.outbox = outbox;
    this.tokens = pattern ? TopicPattern.tokens(topic) : null;
    this.held = group == null ? null : new java.util.HashMap<>();
    this.waiting = group == null ? null : new java.util.LinkedHashSet<>();
  }

  public boolean matches(String concreteTopic) {
    return tokens == null ? topic.equals(concreteTopic) : TopicPattern.matches(tokens, concreteTopic);
  }

  /** The key of the subscription to {@code topic} in {@code group} (null: plain) among a connection's. */
  public static String key(String topic, String group) {
    return group == null ? topic : topic + " " + group; // a space is in no topic or group name
  }

  /** Whether {@code topic} (valid for a subscription) holds a wildcard token. */
  public static boolean isPattern(String topic) {
    return topic.indexOf('*') >= 0 || topic.indexOf('>') >= 0;
  }
}
