package herald.bench;

/**
 * Checks one subscriber's stream: every message of the topic, in order, exactly once. Topics are fresh per
 * run, so the first seq must be 1.
 */
final class SeqCheck {

  long received;
  long last;
  /** Seqs skipped over (messages this subscriber never got before a later one arrived). */
  long missing;
  /** Messages whose seq was not above the previous one: duplicates or reordering. */
  long outOfOrder;
  long unparsable;

  void seq(long seq) {
    received++;
    if (seq < 0) {
      unparsable++;
    } else if (seq > last) {
      missing += seq - last - 1;
      last = seq;
    } else {
      outOfOrder++;
    }
  }

  boolean clean() {
    return missing == 0 && outOfOrder == 0 && unparsable == 0;
  }

  @Override
  public String toString() {
    return "received=" + received + " last_seq=" + last + " missing=" + missing + " out_of_order=" + outOfOrder
        + (unparsable > 0 ? " unparsable=" + unparsable : "");
  }
}
