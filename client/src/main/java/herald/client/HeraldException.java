package herald.client;

import herald.codec.ErrorCode;

/**
 * Every failure the client reports. {@link #code()} is a short snake_case code: the broker's own code
 * (docs/protocol.md, {@link ErrorCode}) for an error the broker sent, each with a class of its own below, or
 * one of the client's codes ({@code not_connected}, {@code outcome_unknown}, {@code client_closed},
 * {@code publish_queue_full}) for what the client itself can tell.
 */
public abstract class HeraldException extends RuntimeException {

  private final String code;

  HeraldException(String code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  /** The snake_case code: the broker's {@code error} field, or the client's own code. */
  public String code() {
    return code;
  }

  /**
   * The typed exception for an error the broker sent. The switch has no {@code default}, so a new
   * {@link ErrorCode} does not compile until it has its class here.
   */
  public static BrokerError of(ErrorCode code, String detail) {
    return switch (code) {
      case INVALID_JSON -> new InvalidJson(detail);
      case INVALID_UTF8 -> new InvalidUtf8(detail);
      case NOT_AN_OBJECT -> new NotAnObject(detail);
      case MISSING_ACTION -> new MissingAction(detail);
      case UNKNOWN_ACTION -> new UnknownAction(detail);
      case MISSING_TOPIC -> new MissingTopic(detail);
      case INVALID_TOPIC -> new InvalidTopic(detail);
      case MISSING_MESSAGE -> new MissingMessage(detail);
      case INVALID_FIELD -> new InvalidField(detail);
      case UNKNOWN_FIELD -> new UnknownField(detail);
      case NOT_SUBSCRIBED -> new NotSubscribed(detail);
      case NOT_HELD -> new NotHeld(detail);
      case FRAME_TOO_LARGE -> new FrameTooLarge(detail);
      case SLOW_CONSUMER -> new SlowConsumer(detail);
      case TOO_MANY_CONNECTIONS -> new TooManyConnections(detail);
      case TOO_MANY_SUBSCRIPTIONS -> new TooManySubscriptions(detail);
      case TOO_MANY_TOPICS -> new TooManyTopics(detail);
      case IDLE_TIMEOUT -> new IdleTimeout(detail);
      case UNAVAILABLE -> new Unavailable(detail);
      case DISK_FULL -> new DiskFull(detail);
      case STORAGE_FAILED -> new StorageFailed(detail);
      case SHUTTING_DOWN -> new ShuttingDown(detail);
      case NO_QUORUM -> new NoQuorum(detail);
      case AUTH_REQUIRED -> new AuthRequired(detail);
      case AUTH_FAILED -> new AuthFailed(detail);
      case FORBIDDEN -> new Forbidden(detail);
      case TOKEN_EXPIRED -> new TokenExpired(detail);
    };
  }

  /**
   * The typed exception for an {@code error} frame's code; a code this client does not know (a newer
   * broker) still fails clearly, as {@link UnknownCode}.
   */
  static HeraldException fromWire(String code, String detail) {
    for (ErrorCode c : ErrorCode.values()) {
      if (c.wire().equals(code)) {
        return of(c, detail);
      }
    }
    return new UnknownCode(String.valueOf(code), detail);
  }

  /** An error the broker sent, with its {@link ErrorCode}. */
  public abstract static class BrokerError extends HeraldException {
    private final ErrorCode errorCode;
    private final String detail;

    BrokerError(ErrorCode errorCode, String detail) {
      super(errorCode.wire(), detail, null);
      this.errorCode = errorCode;
      this.detail = detail;
    }

    public ErrorCode errorCode() {
      return errorCode;
    }

    /** The broker's text for humans; it may change between versions. */
    public String detail() {
      return detail;
    }

    /** True when the broker closes the connection after this error. */
    public boolean closesConnection() {
      return errorCode.closesConnection();
    }
  }

  /** The request was not a frame the broker could read: the client sent bad JSON or bad fields. */
  public abstract static class BadRequest extends BrokerError {
    BadRequest(ErrorCode code, String detail) {
      super(code, detail);
    }
  }

  public static final class InvalidJson extends BadRequest {
    InvalidJson(String detail) {
      super(ErrorCode.INVALID_JSON, detail);
    }
  }

  public static final class InvalidUtf8 extends BadRequest {
    InvalidUtf8(String detail) {
      super(ErrorCode.INVALID_UTF8, detail);
    }
  }

  public static final class NotAnObject extends BadRequest {
    NotAnObject(String detail) {
      super(ErrorCode.NOT_AN_OBJECT, detail);
    }
  }

  public static final class MissingAction extends BadRequest {
    MissingAction(String detail) {
      super(ErrorCode.MISSING_ACTION, detail);
    }
  }

  public static final class UnknownAction extends BadRequest {
    UnknownAction(String detail) {
      super(ErrorCode.UNKNOWN_ACTION, detail);
    }
  }

  public static final class MissingTopic extends BadRequest {
    MissingTopic(String detail) {
      super(ErrorCode.MISSING_TOPIC, detail);
    }
  }

  public static final class InvalidTopic extends BadRequest {
    InvalidTopic(String detail) {
      super(ErrorCode.INVALID_TOPIC, detail);
    }
  }

  public static final class MissingMessage extends BadRequest {
    MissingMessage(String detail) {
      super(ErrorCode.MISSING_MESSAGE, detail);
    }
  }

  public static final class InvalidField extends BadRequest {
    InvalidField(String detail) {
      super(ErrorCode.INVALID_FIELD, detail);
    }
  }

  public static final class UnknownField extends BadRequest {
    UnknownField(String detail) {
      super(ErrorCode.UNKNOWN_FIELD, detail);
    }
  }

  public static final class NotSubscribed extends BrokerError {
    NotSubscribed(String detail) {
      super(ErrorCode.NOT_SUBSCRIBED, detail);
    }
  }

  /** An ack for a message this group member does not hold (acked already, or given to another member). */
  public static final class NotHeld extends BrokerError {
    NotHeld(String detail) {
      super(ErrorCode.NOT_HELD, detail);
    }
  }

  /** Cluster only: nothing was stored or read; the request can be retried. */
  public static final class Unavailable extends BrokerError {
    Unavailable(String detail) {
      super(ErrorCode.UNAVAILABLE, detail);
    }
  }

  /** The node's disk is full: the publish was not stored. Publish again once space is freed (or through another node). */
  public static final class DiskFull extends BrokerError {
    DiskFull(String detail) {
      super(ErrorCode.DISK_FULL, detail);
    }
  }

  /** Writing to the node's disk failed: the detail says whether the message may have been stored. */
  public static final class StorageFailed extends BrokerError {
    StorageFailed(String detail) {
      super(ErrorCode.STORAGE_FAILED, detail);
    }
  }

  public static final class TooManySubscriptions extends BrokerError {
    TooManySubscriptions(String detail) {
      super(ErrorCode.TOO_MANY_SUBSCRIPTIONS, detail);
    }
  }

  public static final class TooManyTopics extends BrokerError {
    TooManyTopics(String detail) {
      super(ErrorCode.TOO_MANY_TOPICS, detail);
    }
  }

  /** Also raised by the client itself, before sending, for a publish longer than the node's limit. */
  public static final class FrameTooLarge extends BrokerError {
    FrameTooLarge(String detail) {
      super(ErrorCode.FRAME_TOO_LARGE, detail);
    }
  }

  public static final class SlowConsumer extends BrokerError {
    SlowConsumer(String detail) {
      super(ErrorCode.SLOW_CONSUMER, detail);
    }
  }

  public static final class TooManyConnections extends BrokerError {
    TooManyConnections(String detail) {
      super(ErrorCode.TOO_MANY_CONNECTIONS, detail);
    }
  }

  public static final class IdleTimeout extends BrokerError {
    IdleTimeout(String detail) {
      super(ErrorCode.IDLE_TIMEOUT, detail);
    }
  }

  /** The node is draining; the client reconnects to the next node. */
  public static final class ShuttingDown extends BrokerError {
    ShuttingDown(String detail) {
      super(ErrorCode.SHUTTING_DOWN, detail);
    }
  }

  /**
   * The node is cut off from the cluster's majority (a network partition): it answered what it had read
   * and refuses the rest; the client reconnects to the next node.
   */
  public static final class NoQuorum extends BrokerError {
    NoQuorum(String detail) {
      super(ErrorCode.NO_QUORUM, detail);
    }
  }

  /** The node needs {@code auth} first: the client was given no credentials, or is not on loopback. */
  public static final class AuthRequired extends BrokerError {
    AuthRequired(String detail) {
      super(ErrorCode.AUTH_REQUIRED, detail);
    }
  }

  /** The credentials were refused; retrying them elsewhere will not help. */
  public static final class AuthFailed extends BrokerError {
    AuthFailed(String detail) {
      super(ErrorCode.AUTH_FAILED, detail);
    }
  }

  /** The user may not publish to, or subscribe to, this topic; the connection stays open. */
  public static final class Forbidden extends BrokerError {
    Forbidden(String detail) {
      super(ErrorCode.FORBIDDEN, detail);
    }
  }

  /** The token's {@code exp} passed; authenticate again with a fresh one. */
  public static final class TokenExpired extends BrokerError {
    TokenExpired(String detail) {
      super(ErrorCode.TOKEN_EXPIRED, detail);
    }
  }


  /** An error code this client version does not know. */
  public static final class UnknownCode extends HeraldException {
    UnknownCode(String code, String detail) {
      super(code, detail, null);
    }
  }

  /** No node could be reached, or none within the wait allowed while disconnected. */
  public static final class NotConnected extends HeraldException {
    /** Netty appends the address to a failed connect ("Connection refused: /127.0.0.1:8888"); the node is named already. */
    private static final java.util.regex.Pattern NETTY_ADDRESS = java.util.regex.Pattern.compile(": [^\\s/]*/\\S+$");

    NotConnected(String message, Throwable cause) {
      super("not_connected", message, cause);
    }

    /**
     * "cannot connect to 127.0.0.1:8888 (Connection refused); ...": the message every client command prints
     * (after {@code not_connected: }) when no node could be reached, so {@code pub}, {@code sub} and
     * {@code stats} say it alike.
     */
    public static NotConnected cannotConnect(java.util.List<String> failures, Throwable cause) {
      return new NotConnected("cannot connect to " + String.join("; ", failures), cause);
    }

    /** One node's part of {@link #cannotConnect}: {@code host:port (why)}, the address said once. */
    public static String failure(Object node, String why) {
      String reason = why == null ? "no reason given" : why;
      String prefix = node + ": ";
      if (reason.startsWith(prefix)) {
        reason = reason.substring(prefix.length());
      } else if (reason.startsWith(node + " ")) {
        reason = reason.substring(node.toString().length() + 1);
      }
      return node + " (" + NETTY_ADDRESS.matcher(reason).replaceFirst("") + ")";
    }
  }

  /**
   * The connection ended after a publish was sent and before its reply: the message may or may not be
   * stored. The client does not resend it, because that could store it twice; the caller decides.
   */
  public static final class OutcomeUnknown extends HeraldException {
    OutcomeUnknown(String message, Throwable cause) {
      super("outcome_unknown", message, cause);
    }
  }

  /** The client was closed before the request could be answered. */
  public static final class ClientClosed extends HeraldException {
    ClientClosed(String message) {
      super("client_closed", message, null);
    }
  }

  /** More publishes are waiting than {@link ClientOptions#maxQueuedPublishes()} allows. */
  public static final class PublishQueueFull extends HeraldException {
    PublishQueueFull(String message) {
      super("publish_queue_full", message, null);
    }
  }
}
