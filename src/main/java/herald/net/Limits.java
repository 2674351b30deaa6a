package herald.net;

import herald.config.HeraldConfig;
import herald.config.Setting;

/** The per-connection limits, read once from the configuration. */
record Limits(int maxFrameBytes, int maxSubscriptions, long idleTimeoutMillis, int maxOutboundBytes, int maxConnections,
    long shutdownTimeoutMillis) {

  /**
   * A connection stops reading once this many of its requests are unanswered, and resumes as replies go
   * out. Pipelining stays fast, while a client that floods faster than the TopicVerticle keeps up cannot
   * grow the topic verticle's queue without bound.
   */
  static final int MAX_UNANSWERED = 1_024;

  /** The same, counted in bytes of request lines, so that 1,024 frames of 1 MiB cannot pile up either. */
  static final int MAX_UNANSWERED_BYTES = 4 * 1_048_576;

  static Limits from(HeraldConfig config) {
    return new Limits(
        config.integer(Setting.MAX_FRAME_BYTES),
        config.integer(Setting.MAX_SUBSCRIPTIONS_PER_CONNECTION),
        config.number(Setting.IDLE_TIMEOUT_SECONDS) * 1000,
        config.integer(Setting.MAX_OUTBOUND_BYTES),
        config.integer(Setting.MAX_CONNECTIONS),
        config.number(Setting.SHUTDOWN_TIMEOUT_SECONDS) * 1000);
  }
}
