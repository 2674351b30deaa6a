package herald.codec;

/**
 * Every error code the broker sends, listed once. {@code docs/protocol.md} documents each; a test checks
 * that the two lists agree.
 */
public enum ErrorCode {
  INVALID_JSON,
  INVALID_UTF8,
  NOT_AN_OBJECT,
  MISSING_ACTION,
  UNKNOWN_ACTION,
  MISSING_TOPIC,
  INVALID_TOPIC,
  MISSING_MESSAGE,
  INVALID_FIELD,
  UNKNOWN_FIELD,
  NOT_SUBSCRIBED,
  NOT_HELD,
  FRAME_TOO_LARGE,
  SLOW_CONSUMER,
  TOO_MANY_CONNECTIONS,
  TOO_MANY_SUBSCRIPTIONS,
  TOO_MANY_TOPICS,
  IDLE_TIMEOUT,
  UNAVAILABLE,
  DISK_FULL,
  STORAGE_FAILED,
  AUTH_REQUIRED,
  AUTH_FAILED,
  FORBIDDEN,
  TOKEN_EXPIRED,
  SHUTTING_DOWN,
  NO_QUORUM;

  /** The snake_case string on the wire. */
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Errors after which the broker closes the connection. */
  public boolean closesConnection() {
    return switch (this) {
      case FRAME_TOO_LARGE, SLOW_CONSUMER, TOO_MANY_CONNECTIONS, IDLE_TIMEOUT, SHUTTING_DOWN, NO_QUORUM, AUTH_FAILED, TOKEN_EXPIRED -> true;
      default -> false;
    };
  }
}
