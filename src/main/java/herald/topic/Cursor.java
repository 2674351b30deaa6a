package herald.topic;

import herald.bus.ConnRef;

/**
 * Where one connection is in one concrete topic: the seq it gets next, and whether it is live or still
 * replaying. A connection has one cursor per topic however many of its subscriptions match the topic, so
 * it gets each message once. Confined to its verticle's loop.
 */
public final class Cursor {
  public final ConnRef conn;
  public final String topic;
  public final Outboxes.Outbox outbox;
  /** The seq this connection receives next. */
  public long next;
  /** False while replaying from the log; live cursors get each message as the stream delivers it. */
  public boolean live;

  public Cursor(ConnRef conn, String topic, Outboxes.Outbox outbox, long next) {
    this.conn = conn;
    this.topic = topic;
    this.outbox = outbox;
    this.next = next;
  }
}
