package herald.client;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One topic or pattern this client subscribes to, or one consumer group of a topic or pattern it is a member
 * of, kept across reconnects: after a new connection the client subscribes again from the last seq it
 * delivered + 1, or joins the group again (a group keeps its own place; see {@link Group}). Its state is
 * touched only on the client's event loop; {@link #lastSeq()} may be read from any thread.
 *
 * <p><b>Patterns</b> ({@code orders.*}, {@code orders.>}; docs/protocol.md, Wildcard subscriptions). The
 * handler gets every push whose concrete topic the pattern matches, with that topic's name and seq, and gaps
 * are found per concrete topic. After a reconnect the client first subscribes each topic the pattern has
 * delivered from exactly its next seq, waits for those answers, then subscribes the pattern again (the
 * broker does not replay a topic the connection already reads) and drops the exact ones: topics already
 * seen resume with no gap and no duplicate. Matching topics it had delivered nothing of start again as the
 * pattern's {@link From} says; from {@link From#now()}, messages they got while no node was connected are
 * lost, reported as one {@link Gap.Kind#UNKNOWN} gap naming the pattern.
 */
public final class Subscription {

  private final HeraldClient client;
  private final String topic;
  /** The pattern's tokens, or null when {@link #topic} is a concrete topic. */
  private final String[] pattern;
  private final From from;
  /** The group this subscription is a member of, or null for a plain subscription. */
  private final Group membership;
  private final Handler<Message> handler;
  final Promise<Subscription> subscribed = Promise.promise();
  private final Promise<Void> ended = Promise.promise();
  private volatile long lastSeq;
  /** Where a plain subscription is in each concrete topic it delivered (a pattern's: several). */
  private final Map<String, Position> positions = new ConcurrentHashMap<>();
  private boolean confirmed;
  boolean unsubscribing;
  /** Waits between retries of a resubscription the broker refused as {@code unavailable}. */
  Backoff retry;
  long waitTimer = -1;
  /** The reconnect this pattern resubscribes in, until the node confirms it; null otherwise. */
  HeraldClient.Resume resuming;

  Subscription(HeraldClient client, String topic, From from, Group membership, Handler<Message> handler) {
    this.client = client;
    this.topic = topic;
    this.pattern = TopicMatch.isPattern(topic) ? TopicMatch.tokens(topic) : null;
    this.from = from;
    this.membership = membership;
    this.handler = handler;
  }

  /** The topic or pattern as subscribed. */
  public String topic() {
    return topic;
  }

  /** True when {@link #topic()} is a pattern: its messages name the concrete topics it matched. */
  public boolean isPattern() {
    return pattern != null;
  }

  /** The consumer group this subscription is a member of, or null for a plain subscription. */
  public String group() {
    return membership == null ? null : membership.name();
  }

  /**
   * A group member only: acks every message this member holds up to and including {@code seq}; completes
   * with how many that was. Fails as {@link HeraldException.NotHeld} when it held none, and while no node is
   * connected (a member holds nothing then: its messages went back to the group). A member on a pattern
   * names the concrete topic with {@link #ackUpto(String, long)}.
   */
  public Future<Long> ackUpto(long seq) {
    if (pattern != null) {
      return Future.failedFuture(new IllegalStateException("'" + topic + "' is a pattern: name the topic, "
          + "ackUpto(topic, seq)"));
    }
    return ackUpto(topic, seq);
  }

  /** A group member only: {@link #ackUpto(long)} in {@code topic}, one of the topics its pattern matches. */
  public Future<Long> ackUpto(String topic, long seq) {
    if (membership == null) {
      return Future.failedFuture(new IllegalStateException("'" + this.topic + "' is a plain subscription, not a group's"));
    }
    if (!matches(topic)) {
      return Future.failedFuture(new IllegalArgumentException("'" + this.topic + "' does not match '" + topic + "'"));
    }
    return client.ackUpto(this, topic, seq);
  }

  /** The seq of the last message handed to the handler (of whichever topic, for a pattern); 0 before the first. */
  public long lastSeq() {
    return lastSeq;
  }

  /** The seq of the last message of the concrete {@code topic} handed to the handler; 0 before the first. */
  public long lastSeq(String topic) {
    if (membership != null) {
      return topic.equals(this.topic) ? lastSeq : 0;
    }
    Position p = positions.get(topic);
    return p == null ? 0 : p.last;
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

  /** True when a push of the concrete {@code topic} is this subscription's (group aside). */
  boolean matches(String topic) {
    return pattern == null ? this.topic.equals(topic) : TopicMatch.matches(pattern, topic);
  }

  /** The key of {@link HeraldClient}'s map: one plain subscription per topic, one membership per group of it. */
  String key() {
    return key(topic, group());
  }

  static String key(String topic, String group) {
    return group == null ? topic : topic + " " + group; // a space is in no topic or group name
  }

  /** The concrete topics this plain subscription delivered, each with the seq it should go on at (0: unknown). */
  Map<String, Long> nextSeqs() {
    Map<String, Long> next = new HashMap<>();
    positions.forEach((t, p) -> next.put(t, p.next()));
    return next;
  }

  /** Where to start on a new connection: just after the last message seen, else as first asked. */
  From resumeFrom() {
    if (membership != null || pattern != null) {
      return from; // a member joins again with its group's own fields; a pattern's topics resume apart
    }
    Position p = positions.get(topic);
    long next = p == null ? 0 : p.next();
    return next > 0 ? From.seq(next) : from;
  }

  /**
   * True when a reconnect cannot resume exactly: confirmed from now, and no message seen to count from. A
   * pattern from now always can miss some: the topics it has delivered nothing of, and those created meanwhile.
   */
  boolean resumesBlind() {
    return membership == null && confirmed && from.isNow() && (pattern != null || positions.isEmpty());
  }

  /** The broker's {@code subscribed} reply to a subscribe that asked for {@code asked}; a gap, or null. */
  Gap confirm(From asked, Long replyFrom) {
    confirmed = true;
    retry = null;
    if (replyFrom == null || pattern != null) {
      return null; // a pattern's reply has no from: its topics start apart
    }
    return resumed(topic, asked.seq(), replyFrom);
  }

  /**
   * A subscribe of the concrete {@code topic} that asked to start at {@code wanted} (0: not a seq) started
   * at {@code replyFrom}; a gap, or null. The client's own exact subscribe when it resumes a pattern's topic
   * reports here too, as the broker then goes on in that topic for the pattern.
   */
  Gap resumed(String topic, long wanted, long replyFrom) {
    Position p = positions.computeIfAbsent(topic, t -> new Position());
    // Messages are not replies: the node may deliver some from replyFrom on before this reply, which waits
    // behind the replies to earlier requests. What they moved the position to stands.
    p.expectedNext = Math.max(p.expectedNext, replyFrom);
    if (wanted > 0 && replyFrom > wanted) {
      return new Gap(topic, Gap.Kind.MESSAGES_DROPPED, wanted, replyFrom);
    }
    if (wanted > 0 && replyFrom < wanted) {
      p.expectedNext = replyFrom;
      p.last = replyFrom - 1; // a new history: resume in it, not in the one the node forgot
      return new Gap(topic, Gap.Kind.TOPIC_RESTARTED, wanted, replyFrom);
    }
    return null;
  }

  /** True when this plain subscription has delivered messages of the concrete {@code topic}. */
  boolean hasDelivered(String topic) {
    return positions.containsKey(topic);
  }

  /**
   * Records a pushed message; a gap if messages of its topic were skipped before it, or null. A group's
   * messages have no gaps to find: the group hands this member some of the topic's messages, and
   * redeliveries out of order.
   */
  Gap arrived(Message m) {
    lastSeq = m.seq();
    if (membership != null) {
      return null;
    }
    Position p = positions.computeIfAbsent(m.topic(), t -> new Position());
    Gap gap = p.expectedNext > 0 && m.seq() > p.expectedNext
        ? new Gap(m.topic(), Gap.Kind.MESSAGES_DROPPED, p.expectedNext, m.seq()) : null;
    p.last = m.seq();
    p.expectedNext = m.seq() + 1;
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

  /** Where a plain subscription is in one concrete topic. */
  private static final class Position {
    /** The seq of the last message handed to the handler; 0 before the first. */
    volatile long last;
    /** The seq the next message should carry; 0 while the broker has not said (a subscription from now). */
    long expectedNext;

    long next() {
      return last > 0 ? last + 1 : expectedNext;
    }
  }
}
