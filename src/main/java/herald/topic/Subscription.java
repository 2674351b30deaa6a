package herald.topic;

import herald.bus.ConnRef;
import herald.codec.Replay;
import herald.match.TopicPattern;
import java.util.function.Predicate;

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
  public final Outboxes.Outbox outbox;
  /**
   * A pattern is ready once the topics it matched when it was made have their cursors; only then does it
   * take topics that appear later, so those it was setting up are replayed as asked, not found twice.
   */
  public boolean ready;
  private final Predicate<String> matcher;

  public Subscription(ConnRef conn, String topic, Replay replay, Outboxes.Outbox outbox) {
    this.conn = conn;
    this.topic = topic;
    this.pattern = isPattern(topic);
    this.replay = replay;
    this.outbox = outbox;
    this.matcher = pattern ? TopicPattern.matcher(topic) : topic::equals;
  }

  public boolean matches(String concreteTopic) {
    return matcher.test(concreteTopic);
  }

  /** Whether {@code topic} (valid for a subscription) holds a wildcard token. */
  public static boolean isPattern(String topic) {
    return topic.indexOf('*') >= 0 || topic.indexOf('>') >= 0;
  }
}
