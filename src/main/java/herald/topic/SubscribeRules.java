package herald.topic;

import herald.bus.ConnRef;
import herald.codec.ErrorCode;
import herald.codec.Frame;
import herald.codec.FrameEncoder;
import herald.ops.ErrorCounts;
import io.vertx.core.buffer.Buffer;

/**
 * The answers to subscribe and unsubscribe that need no topic queue, the same on a single node and in a
 * cluster.
 */
public final class SubscribeRules {

  private SubscribeRules() {}

  /**
   * The reply to a subscribe that needs no further work, or null when the subscription is to be made: a
   * repeated subscribe is answered {@code subscribed} and changes nothing (one delivery per message); one
   * beyond the connection's limit is refused.
   */
  public static Buffer settled(ErrorCounts errors, SubscriptionIndex<ConnRef, Subscription> index, int max, ConnRef conn, Frame.Subscribe s) {
    if (index.get(conn, Subscription.key(s.topic(), s.group() == null ? null : s.group().name())) != null) {
      return s.group() == null ? FrameEncoder.subscribed(s.id(), s.topic(), 0)
          : FrameEncoder.subscribedToGroup(s.id(), s.topic(), s.group().name());
    }
    if (index.count(conn) >= max) {
      return errors.frame(s.id(), ErrorCode.TOO_MANY_SUBSCRIPTIONS,
          "this connection holds " + max + " subscriptions, the limit (HERALD_MAX_SUBSCRIPTIONS_PER_CONNECTION)");
    }
    return null;
  }

  /** Removes the subscription and answers {@code unsubscribed}, or {@code not_subscribed} if there was none. */
  public static Buffer unsubscribe(ErrorCounts errors, SubscriptionIndex<ConnRef, Subscription> index, ConnRef conn, Frame.Unsubscribe u) {
    if (index.remove(conn, Subscription.key(u.topic(), u.group())) == null) {
      return errors.frame(u.id(), ErrorCode.NOT_SUBSCRIBED, u.group() == null
          ? "this connection is not subscribed to " + u.topic()
          : "this connection is not a member of group " + u.group() + " on " + u.topic());
    }
    return u.group() == null ? FrameEncoder.unsubscribed(u.id(), u.topic())
        : FrameEncoder.unsubscribedFromGroup(u.id(), u.topic(), u.group());
  }
}
