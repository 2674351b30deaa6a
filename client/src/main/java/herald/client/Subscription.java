package herald.client;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;

/**
 * One topic this client subscribes to, kept across reconnects: after a new connection the client subscribes
 * again from {@link #lastSeq()} + 1. Its state is touched only on the client's event loop; {@link #lastSeq()}
 * may be read from any thread.
 */
public final class Subscription {

  private final HeraldClient client;
  private final String topic;
  private final From from;
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

  Subscription(HeraldClient client, String topic, From from, Handler<Message> handler) {
    this.client = client;
    this.topic = topic;
    this.from = from;
    this.handler = handler;
  }

  public String topic() {
    return topic;
  }

  /** The seq of the last message handed to the handler; 0 before the first. */
  public long lastSeq() {
    return lastSeq;
  }

  public Future<Void> unsubscribe() {
    return client.unsubscribe(topic);
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

  /** Where to start on a new connection: just after the last message seen, else as first asked. */
  From resumeFrom() {
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
    return confirmed && from.isNow() && lastSeq == 0 && expectedNext == 0;
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

  /** Records a pushed message; a gap if messages were skipped before it, or null. */
  Gap arrived(Message m) {
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
