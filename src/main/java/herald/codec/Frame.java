package herald.codec;

import io.vertx.core.buffer.Buffer;

/**
 * A well-formed client request. Decoded in exactly one place ({@link FrameDecoder}); callers match it with
 * a {@code switch} expression on {@link #action()} that has no {@code default}, so a new action does not
 * compile until every switch handles it. (Java 17 has no pattern matching in {@code switch}; the enum
 * gives the same compile-time check.)
 *
 * <p>{@code id} is the request's {@code "id"} as raw JSON (a string with its quotes, or an integer), or
 * {@code null} when the request had none. Replies echo it byte for byte.
 */
public sealed interface Frame extends Decoded {

  String id();

  /** The request's {@code "action"}. */
  Action action();

  enum Action { SUBSCRIBE, UNSUBSCRIBE, PUBLISH, ACK, PING, STATS, TOPICS, AUTH }

  /** {@code group} is null for a plain subscription, which gets every message. */
  record Subscribe(String id, String topic, Replay replay, GroupOptions group) implements Frame {
    public Subscribe(String id, String topic, Replay replay) {
      this(id, topic, replay, null);
    }

    @Override
    public Action action() {
      return Action.SUBSCRIBE;
    }
  }

  /** {@code group} names the group membership to end, or is null for a plain subscription. */
  record Unsubscribe(String id, String topic, String group) implements Frame {
    public Unsubscribe(String id, String topic) {
      this(id, topic, null);
    }

    @Override
    public Action action() {
      return Action.UNSUBSCRIBE;
    }
  }

  /** Acknowledges one message of a group ({@code seq}), or every one the member holds up to {@code seq} ({@code upto}). */
  record Ack(String id, String topic, String group, long seq, boolean upto) implements Frame {
    @Override
    public Action action() {
      return Action.ACK;
    }
  }

  /** {@code message} is the raw JSON text of the message value, exactly as the client sent it. */
  record Publish(String id, String topic, Buffer message) implements Frame {
    @Override
    public Action action() {
      return Action.PUBLISH;
    }
  }

  record Ping(String id) implements Frame {
    @Override
    public Action action() {
      return Action.PING;
    }
  }

  /** The node's view of itself: answered by the connection, which asks the topic verticle for its part. */
  record Stats(String id) implements Frame {
    @Override
    public Action action() {
      return Action.STATS;
    }
  }

  /**
   * The cluster's topics matching {@code pattern} ({@code *}/{@code >} syntax; null: every topic), with their
   * counts: answered by the connection, which asks its node for the cluster-wide list.
   */
  record Topics(String id, String pattern) implements Frame {
    @Override
    public Action action() {
      return Action.TOPICS;
    }
  }

  /**
   * Authentication: {@code user} with {@code password}, or {@code token} alone (the other fields null). Its
   * {@code toString} hides the secrets, so that a logged frame never shows them.
   */
  record Auth(String id, String user, String password, String token) implements Frame {
    @Override
    public Action action() {
      return Action.AUTH;
    }

    @Override
    public String toString() {
      return "Auth[id=" + id + ", user=" + user + (password != null ? ", password=***" : "")
          + (token != null ? ", token=***" : "") + "]";
    }
  }
}
