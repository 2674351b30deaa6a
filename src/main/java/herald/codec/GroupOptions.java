package herald.codec;

/**
 * A subscribe's consumer-group part: the group's name and the member's options. Each limit is named here,
 * where the decoder checks it.
 *
 * @param ackWaitMs an unacked message is handed to a member again after this long
 * @param maxInFlight most unacked messages the member holds at once
 * @param ackNone at-most-once: messages count as acked when handed out, and {@code ack} is refused
 * @param maxDeliver deliveries of one message before it is dead-lettered; set when the group is created
 */
public record GroupOptions(String name, long ackWaitMs, int maxInFlight, boolean ackNone, int maxDeliver) {

  /** As NATS JetStream's and SQS's visibility defaults: long enough for real work, short enough to recover. */
  public static final long DEFAULT_ACK_WAIT_MS = 30_000;

  /** Below this a redelivery would race an ack that is merely on its way. */
  public static final long MIN_ACK_WAIT_MS = 100;

  /** One day: a longer wait is a job that should report progress instead. */
  public static final long MAX_ACK_WAIT_MS = 86_400_000;

  /** As RabbitMQ's recommended prefetch: enough to keep a worker busy across a round trip. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 100;

  /** Bounds what one member can pin in its node's memory and in the group's state. */
  public static final int MAX_MAX_IN_FLIGHT = 10_000;

  /** As the issue asks and NATS's common setting: a poison message stops being retried after five tries. */
  public static final int DEFAULT_MAX_DELIVER = 5;

  public static final int MAX_MAX_DELIVER = 1_000;

  /** The topic that a group's dead letters go to: {@code _dead.GROUP.TOPIC}, a name no client topic shares unless it means to. */
  public static String deadLetterTopic(String topic, String group) {
    return "_dead." + group + "." + topic;
  }
}
