package herald.client;

import io.vertx.core.json.JsonObject;

/** Where a subscription starts: the {@code from} / {@code last} fields of docs/protocol.md's subscribe. */
public final class From {

  private static final From NOW = new From(null, null);
  private static final From EARLIEST = new From("earliest", null);

  private final Object from; // "earliest", a Long seq, or null
  private final Long last;

  private From(Object from, Long last) {
    this.from = from;
    this.last = last;
  }

  /** Only messages published after the subscription is confirmed. */
  public static From now() {
    return NOW;
  }

  /** Every stored message, then the live ones. */
  public static From earliest() {
    return EARLIEST;
  }

  /** Stored messages from {@code seq} on (the oldest stored one if {@code seq} is no longer kept). */
  public static From seq(long seq) {
    if (seq < 1) {
      throw new IllegalArgumentException("a seq starts at 1, got " + seq);
    }
    return new From(seq, null);
  }

  /** The last {@code n} stored messages, then the live ones. */
  public static From last(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("last must be at least 0, got " + n);
    }
    return n == 0 ? NOW : new From(null, n);
  }

  /** The seq asked for, or 0 when the start is not a seq. */
  long seq() {
    return from instanceof Long s ? s : 0;
  }

  boolean isNow() {
    return from == null && last == null;
  }

  void writeTo(JsonObject subscribe) {
    if (from != null) {
      subscribe.put("from", from);
    }
    if (last != null) {
      subscribe.put("last", last);
    }
  }

  @Override
  public String toString() {
    return from != null ? "from " + from : last != null ? "last " + last : "now";
  }
}
