package herald.client;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * Membership of a consumer group (docs/protocol.md, Consumer groups): the topic's messages are shared among
 * the group's members, each message going to one member at a time until it is acked. Immutable: each method
 * returns a changed copy. Fields left unset are not sent, so the broker's defaults apply (ack wait 30 s, 100
 * in flight, 5 deliveries, a new group starting after the newest message).
 *
 * <pre>{@code
 * client.subscribe("jobs", Group.named("workers").ackWait(Duration.ofSeconds(10)), m -> work(m.data()));
 * }</pre>
 *
 * <p>With {@link Ack#AUTO} (the default) the client acks each message once its handler returns normally; a
 * handler that throws leaves it unacked, so the group gives it again after the ack wait, with a higher
 * {@link Message#delivery()}. With {@link Ack#MANUAL} the application calls {@link Message#ack()} (or
 * {@link Subscription#ackUpto}), and may do so later, from any thread. {@link Ack#NONE} is at-most-once:
 * the broker counts each message acked as it hands it out.
 *
 * <p>After a reconnect the client joins the group again, with the same settings. It does not resume by seq:
 * the group keeps its own place, and what the member held unacked goes back to the group when the broker
 * sees the old connection gone, for this member or another.
 */
public final class Group {

  /** Who acks: the client after the handler ({@code AUTO}), the application ({@code MANUAL}), nobody ({@code NONE}). */
  public enum Ack { AUTO, MANUAL, NONE }

  private final String name;
  private final Long ackWaitMs;
  private final Integer maxInFlight;
  private final Integer maxDeliver;
  private final From start;
  private final Ack ack;

  private Group(String name, Long ackWaitMs, Integer maxInFlight, Integer maxDeliver, From start, Ack ack) {
    this.name = name;
    this.ackWaitMs = ackWaitMs;
    this.maxInFlight = maxInFlight;
    this.maxDeliver = maxDeliver;
    this.start = start;
    this.ack = ack;
  }

  /** The group {@code name} (the rules of a topic name), acked automatically, every setting the broker's default. */
  public static Group named(String name) {
    return new Group(Objects.requireNonNull(name, "name"), null, null, null, From.now(), Ack.AUTO);
  }

  /** How long this member may hold a message unacked before it goes back to the group ({@code ack_wait_ms}). */
  public Group ackWait(Duration wait) {
    return new Group(name, wait.toMillis(), maxInFlight, maxDeliver, start, ack);
  }

  /** The most unacked messages this member holds at once ({@code max_in_flight}); the rest go to others. */
  public Group maxInFlight(int n) {
    return new Group(name, ackWaitMs, n, maxDeliver, start, ack);
  }

  /** Deliveries after which an unacked message is dead-lettered; a setting of a group this subscribe creates. */
  public Group maxDeliver(int n) {
    return new Group(name, ackWaitMs, maxInFlight, n, start, ack);
  }

  /** Where a group that does not exist yet starts (a group that exists keeps its place). */
  public Group start(From from) {
    return new Group(name, ackWaitMs, maxInFlight, maxDeliver, Objects.requireNonNull(from, "from"), ack);
  }

  /** Who acks; see the class comment. */
  public Group ack(Ack mode) {
    return new Group(name, ackWaitMs, maxInFlight, maxDeliver, start, Objects.requireNonNull(mode, "mode"));
  }

  public String name() {
    return name;
  }

  public Ack ackMode() {
    return ack;
  }

  /** The group's fields of a {@code subscribe} (or a re-join after a reconnect: the same ones). */
  void writeTo(JsonObject subscribe) {
    subscribe.put("group", name);
    if (ackWaitMs != null) {
      subscribe.put("ack_wait_ms", ackWaitMs);
    }
    if (maxInFlight != null) {
      subscribe.put("max_in_flight", maxInFlight);
    }
    if (ack == Ack.NONE) {
      subscribe.put("ack", "none");
    }
    if (maxDeliver != null) {
      subscribe.put("max_deliver", maxDeliver);
    }
    start.writeTo(subscribe);
  }

  @Override
  public String toString() {
    return "group " + name + " (" + ack.name().toLowerCase(java.util.Locale.ROOT) + " ack)";
  }
}
