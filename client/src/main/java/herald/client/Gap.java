package herald.client;

/**
 * A subscription did not get every message it asked for. The client never hides one: it hands each to the
 * handler set with {@link HeraldClient#gapHandler}, which by default logs a warning.
 *
 * @param topic the concrete topic the messages are missing from; for {@link Kind#UNKNOWN}, the subscription's
 *     topic or pattern
 * @param kind what happened
 * @param expectedSeq the seq the subscriber was waiting for (0 if unknown)
 * @param resumedSeq the seq delivery resumes at (0 if unknown)
 */
public record Gap(String topic, Kind kind, long expectedSeq, long resumedSeq) {

  public enum Kind {
    /** Retention dropped messages {@code expectedSeq .. resumedSeq - 1} before they could be delivered. */
    MESSAGES_DROPPED,
    /**
     * The node's topic numbers lower than the subscriber knew: it forgot the topic (a single node restarted,
     * or the topic was idle and empty), and {@code resumedSeq} starts a new history.
     */
    TOPIC_RESTARTED,
    /**
     * A subscription from now that had received nothing when its connection was lost resumes from now:
     * messages published while it was disconnected cannot be known, and are not delivered. For a pattern from
     * now, this is said at every reconnect: the topics it had delivered nothing of resume from now.
     */
    UNKNOWN
  }

  @Override
  public String toString() {
    return switch (kind) {
      case MESSAGES_DROPPED -> "gap in " + topic + ": seqs " + expectedSeq + " to " + (resumedSeq - 1)
          + " are no longer stored; resuming at " + resumedSeq;
      case TOPIC_RESTARTED -> "topic " + topic + " restarted its numbering: expected seq " + expectedSeq
          + ", the node is at " + resumedSeq;
      case UNKNOWN -> "topic " + topic + ": resubscribed from now after a disconnect; messages published"
          + " meanwhile are not delivered";
    };
  }
}
