package herald.client;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;

/**
 * One topic this client subscribes to, or one consumer group of a topic it is a member of, kept across
 * reconnects: after a new connection the client subscribes again from {@link #lastSeq()} + 1, or joins the
 * group again (a group keeps its own place; see {@link Group}). Its state is touched only on the client's
 * event loop; {@link #lastSeq()} may be read from any thread.
 */
public final class Subscription {

  private final HeraldClient client;
  private final String topic;
  private final From from;
  /** The group this subscription is a member of, or null for a plain subscription. */
  private final Group membership;
  private final Handler<Message> handler;
  final Promise<Subscription> subscribed = Promise.promise();
  private final Promise<Void> ended = Promise.promise();
  private volatile long lastSeq;
  /** The seq the next message should carry; 0 while the broker has not said (a subscription from now). */
  private long expectedNext;
  private boolean confirmed;
  boolean unsubscribing;
  /** Waits between retries of a resubscription the broker refused as {@code unavailable}. */
  Backoff retry;
  long waitTimer = -1;

  Subscription(HeraldClient client, String topic, From from, Group membership, Handler<Message> handler) {
    this.client = client;
    this.topic = topic;
    this.from = from;
    this.membership = membership;
    this.handler = handler;
  }

  public String topic() {
    return topic;
  }

  /** The consumer group this subscription is a member of, or null for a plain subscription. */
  public String group() {
    return membership == null ? null : membership.name();
  }

  /**
   * A group member only: acks every message this member holds up to and including {@code seq}; completes
   * with how many that was. Fails as {@link HeraldException.NotHeld} when it held none, and while no node is
   * connected (a member holds nothing then: its messages went back to the group).
   */
  public Future<Long> ackUpto(long seq) {
    if (membership == null) {
      return Future.failedFuture(new IllegalStateException("'" + topic + "' is a plain subscription, not a group's"));
    }
    return client.ackUpto(this, seq);
  }

  /** The seq of the last message handed to the handler; 0 before the first. */
  public long lastSeq() {
    return lastSeq;
  }

  /** Ends this subscription, or leaves the group: what the member holds unacked goes back to the group. */
  public Future<Void> unsubscribe() {
    return client.unsubscribe(this);
  }

  /**
   * Completes when the subscription is unsubscribed or the client closed; fails with the reason when the
   * client could not keep it (a node refused to subscribe again after a reconnect).
   */
  public Future<Void> ended() {
    return ended.future();
  }

  boolean confirmed() {
    return confirmed;
  }

  Group membership() {
    return membership;
  }

  /** The key of {@link HeraldClient}'s map: one plain subscription per topic, one membership per group of it. */
  String key() {
    return key(topic, group());
  }

  static String key(String topic, String group) {
    return group == null ? topic : topic + " " + group; // a space is in no topic or group name
  }

  /** Where to start on a new connection: just after the last message seen, else as first asked. */
  From resumeFrom() {
    if (membership != null) {
      return from; // unused: a member joins again with its group's own fields
    }
    if (lastSeq > 0) {
      return From.seq(lastSeq + 1);
    }
    if (expectedNext > 0) {
      return From.seq(expectedNext);
    }
    return from;
  }

  /** True when a reconnect cannot resume exactly: confirmed from now, and no message seen to count from. */
  boolean resumesBlind() {
    return membership == null && confirmed && from.isNow() && lastSeq == 0 && expectedNext == 0;
  }

  /** The broker's {@code subscribed} reply to a subscribe that asked for {@code asked}; a gap, or null. */
  Gap confirm(From asked, Long replyFrom) {
    confirmed = true;
    retry = null;
    if (replyFrom == null) {
      return null;
    }
    expectedNext = replyFrom;
    long wanted = asked.seq();
    if (wanted > 0 && replyFrom > wanted) {
      return new Gap(topic, Gap.Kind.MESSAGES_DROPPED, wanted, replyFrom);
    }
    if (wanted > 0 && replyFrom < wanted) {
      lastSeq = replyFrom - 1; // a new history: resume in it, not in the one the node forgot
      return new Gap(topic, Gap.Kind.TOPIC_RESTARTED, wanted, replyFrom);
    }
    return null;
  }

  /**
   * Records a pushed message; a gap if messages were skipped before it, or null. A group's messages have no
   * gaps to find: the group hands this member some of the topic's messages, and redeliveries out of order.
   */
  Gap arrived(Message m) {
    if (membership != null) {
      lastSeq = m.seq();
      return null;
    }
    Gap gap = expectedNext > 0 && m.seq() > expectedNext
        ? new Gap(topic, Gap.Kind.MESSAGES_DROPPED, expectedNext, m.seq()) : null;
    lastSeq = m.seq();
    expectedNext = m.seq() + 1;
    return gap;
  }

  void handle(Message m) {
    handler.handle(m);
  }

  void end(Throwable reason) {
    if (reason == null) {
      ended.tryComplete();
    } else {
      ended.tryFail(reason);
    }
  }
}
