package herald.topic;

import herald.bus.ConnRef;

/** One connection's subscription to one topic, with its read position. Confined to its verticle's loop. */
public final class Subscription {
  public final ConnRef conn;
  public final String topic;
  public final Outboxes.Outbox outbox;
  /** The seq this subscriber receives next. */
  public long next;
  /** False while replaying from the store; live subscribers get each message as it is published. */
  public boolean live = true;

  public Subscription(ConnRef conn, String topic, Outboxes.Outbox outbox, long next) {
    this.conn = conn;
    this.topic = topic;
    this.outbox = outbox;
    this.next = next;
  }
}
