package herald.client;

import io.vertx.core.Future;

/**
 * A message pushed to a subscriber: {@link #topic()}, {@link #seq()}, {@link #data()} (the published JSON
 * value: a String, Number, Boolean, JsonObject or JsonArray) and {@link #frame()} (the pushed frame exactly
 * as the broker sent it, without its newline). A message handed out by a consumer group also has its
 * {@link #group()} and {@link #delivery()}, and is acked with {@link #ack()}.
 */
public final class Message {

  private final String topic;
  private final long seq;
  private final Object data;
  private final String frame;
  private final String group;
  private final int delivery;
  /** Who acks it, and the connection it came on (a member holds a message only while that connection lasts). */
  private final HeraldClient client;
  private final Link link;
  /** The group subscription that received it (one of a pattern's topics, maybe), or null. */
  private final Subscription member;

  Message(String topic, long seq, Object data, String frame) {
    this(topic, seq, data, frame, null, 0, null, null, null);
  }

  Message(String topic, long seq, Object data, String frame, String group, int delivery, HeraldClient client,
      Link link, Subscription member) {
    this.topic = topic;
    this.seq = seq;
    this.data = data;
    this.frame = frame;
    this.group = group;
    this.delivery = delivery;
    this.client = client;
    this.link = link;
    this.member = member;
  }

  /** The concrete topic it was published to, also when it came through a pattern subscription. */
  public String topic() {
    return topic;
  }

  public long seq() {
    return seq;
  }

  public Object data() {
    return data;
  }

  public String frame() {
    return frame;
  }

  /** The consumer group that handed this message out, or null for a plain subscription's message. */
  public String group() {
    return group;
  }

  /** 1 for a group's first delivery of this message, 2 and up for redeliveries; 0 outside a group. */
  public int delivery() {
    return delivery;
  }

  /**
   * Acks this group message; completes when the broker confirms. Fails as {@link HeraldException.NotHeld}
   * when this member no longer holds it: acked already, given to another member after its ack wait, or
   * received on a connection that has since ended (its messages went back to the group then). May be called
   * from any thread. With {@link Group.Ack#AUTO} the client calls it after the handler.
   */
  public Future<Void> ack() {
    if (group == null) {
      return Future.failedFuture(new IllegalStateException("seq " + seq + " of '" + topic
          + "' came from a plain subscription, not a consumer group: there is nothing to ack"));
    }
    return client.ack(this).mapEmpty();
  }

  Link link() {
    return link;
  }

  Subscription member() {
    return member;
  }

  @Override
  public String toString() {
    return frame;
  }
}
