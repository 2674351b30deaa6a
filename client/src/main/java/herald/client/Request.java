package herald.client;

import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** One request of the client's, waiting to be sent or for its reply; touched only on the client's event loop. */
final class Request {

  enum Kind { PUBLISH, SUBSCRIBE, UNSUBSCRIBE, ACK, PING, HEARTBEAT, STATS, TOPICS, AUTH }

  private static final Buffer PING_FRAME = Buffer.buffer("{\"action\":\"ping\"}\n");
  private static final Buffer STATS_FRAME = Buffer.buffer("{\"action\":\"stats\"}\n");

  final Kind kind;
  /** The line sent, newline included. */
  final Buffer frame;
  final String topic;
  /** A publish's seq, or how many messages an ack acked. */
  final Promise<Long> published;
  final Promise<Duration> pong;
  final Promise<Void> unsubscribed;
  /** The reply of a {@code stats} or {@code topics} request, as the node sent it. */
  final Promise<JsonObject> stats;
  final Subscription subscription;
  /** For a subscribe: the start asked for on this connection. */
  final From from;
  /** For a subscribe made to resume after a reconnect: the round it belongs to, else null. */
  HeraldClient.Resume resume;
  /** For a subscribe or unsubscribe: the concrete topic the client reads for its patterns across a reconnect. */
  boolean pin;
  long sentNanos;
  /** The timer that fails the request if no node is reached in time; -1 when none runs. */
  long waitTimer = -1;

  private Request(Kind kind, Buffer frame, String topic, Promise<Long> published, Promise<Duration> pong,
      Promise<Void> unsubscribed, Subscription subscription, From from) {
    this(kind, frame, topic, published, pong, unsubscribed, null, subscription, from);
  }

  private Request(Kind kind, Buffer frame, String topic, Promise<Long> published, Promise<Duration> pong,
      Promise<Void> unsubscribed, Promise<JsonObject> stats, Subscription subscription, From from) {
    this.kind = kind;
    this.frame = frame;
    this.topic = topic;
    this.published = published;
    this.pong = pong;
    this.unsubscribed = unsubscribed;
    this.stats = stats;
    this.subscription = subscription;
    this.from = from;
  }

  static Request publish(String topic, Buffer frame) {
    return new Request(Kind.PUBLISH, frame, topic, Promise.promise(), null, null, null, null);
  }

  static Request ping() {
    return new Request(Kind.PING, PING_FRAME, null, null, Promise.promise(), null, null, null);
  }

  static Request heartbeat() {
    return new Request(Kind.HEARTBEAT, PING_FRAME, null, null, null, null, null, null);
  }

  static Request stats() {
    return new Request(Kind.STATS, STATS_FRAME, null, null, null, null, Promise.promise(), null, null);
  }

  /** {@code topics}, with {@code pattern} when it is not null. */
  static Request topics(String pattern) {
    JsonObject f = new JsonObject().put("action", "topics");
    if (pattern != null) {
      f.put("pattern", pattern);
    }
    return new Request(Kind.TOPICS, f.toBuffer().appendByte((byte) '\n'), pattern, null, null, null,
        Promise.promise(), null, null);
  }

  /** The link's own {@code auth}, answered before the connection is handed to the client. */
  static Request auth(Buffer frame) {
    return new Request(Kind.AUTH, frame, null, null, null, null, null, null, null);
  }

  /** A plain subscribe from {@code from}, or for a group member, the group's fields (its own start among them). */
  static Request subscribe(Subscription s, From from) {
    JsonObject f = new JsonObject().put("action", "subscribe").put("topic", s.topic());
    if (s.membership() != null) {
      s.membership().writeTo(f);
    } else {
      from.writeTo(f);
    }
    return new Request(Kind.SUBSCRIBE, f.toBuffer().appendByte((byte) '\n'), s.topic(), null, null, null, s, from);
  }

  static Request unsubscribe(Subscription s, Promise<Void> done) {
    JsonObject f = new JsonObject().put("action", "unsubscribe").put("topic", s.topic());
    if (s.group() != null) {
      f.put("group", s.group());
    }
    return new Request(Kind.UNSUBSCRIBE, f.toBuffer().appendByte((byte) '\n'), s.topic(), null, null, done, s, null);
  }

  /**
   * {@code ack} in the concrete {@code topic} (one of {@code s}'s, if it is a pattern) of {@code seq}, or with
   * {@code upto} of every message held up to it; completes with the count.
   */
  static Request ack(Subscription s, String topic, long seq, boolean upto) {
    JsonObject f = new JsonObject().put("action", "ack").put("topic", topic).put("group", s.group())
        .put(upto ? "upto" : "seq", seq);
    return new Request(Kind.ACK, f.toBuffer().appendByte((byte) '\n'), topic, Promise.promise(), null, null,
        s, null);
  }

  /** A plain subscribe of the concrete {@code topic} from {@code seq}, which resumes it for the client's patterns. */
  static Request pin(String topic, long seq) {
    JsonObject f = new JsonObject().put("action", "subscribe").put("topic", topic).put("from", seq);
    Request r = new Request(Kind.SUBSCRIBE, f.toBuffer().appendByte((byte) '\n'), topic, null, null, null, null,
        From.seq(seq));
    r.pin = true;
    return r;
  }

  /** Drops a {@link #pin}: the patterns now read its topic. */
  static Request unpin(String topic) {
    JsonObject f = new JsonObject().put("action", "unsubscribe").put("topic", topic);
    Request r = new Request(Kind.UNSUBSCRIBE, f.toBuffer().appendByte((byte) '\n'), topic, null, null,
        Promise.promise(), null, null);
    r.pin = true;
    return r;
  }

  /** Fails whoever waits for this request's outcome. */
  void fail(Throwable e) {
    switch (kind) {
      case PUBLISH, ACK -> published.tryFail(e);
      case PING -> pong.tryFail(e);
      case UNSUBSCRIBE -> unsubscribed.tryFail(e);
      case STATS, TOPICS -> stats.tryFail(e);
      case SUBSCRIBE, HEARTBEAT, AUTH -> { } // a subscription's waiter is the Subscription's own promise
    }
  }

  String describe() {
    return switch (kind) {
      case PUBLISH -> "publish to '" + topic + "'";
      case SUBSCRIBE -> "subscribe to '" + topic + "'";
      case UNSUBSCRIBE -> "unsubscribe from '" + topic + "'";
      case ACK -> "ack on '" + topic + "' of group " + subscription.group();
      case PING, HEARTBEAT -> "ping";
      case STATS -> "stats";
      case TOPICS -> topic == null ? "topics" : "topics '" + topic + "'";
      case AUTH -> "auth"; // never the frame: it holds the password or token
    };
  }
}
