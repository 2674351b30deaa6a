package herald.codec;

/** Where a subscription starts reading the topic's queue. */
public sealed interface Replay {

  /**
   * The seq of the first message this subscription receives, given the queue's oldest held seq
   * {@code first} and the seq the next publish will get, {@code next}.
   */
  long startSeq(long first, long next);

  /** Only messages published after the {@code subscribed} reply. */
  record Live() implements Replay {
    @Override
    public long startSeq(long first, long next) {
      return next;
    }
  }

  /** Every message the queue still holds. */
  record Earliest() implements Replay {
    @Override
    public long startSeq(long first, long next) {
      return first;
    }
  }

  /**
   * Messages with {@code seq >= seq}. A seq older than the queue starts at its oldest message; a seq
   * beyond its end (the client knows a history this node lost: the topic was forgotten or the broker
   * restarted) starts at the next message. The {@code subscribed} reply says which, so the client sees it.
   */
  record From(long seq) implements Replay {
    @Override
    public long startSeq(long first, long next) {
      return Math.min(Math.max(seq, first), next);
    }
  }

  /** The last {@code count} messages the queue holds. */
  record Last(long count) implements Replay {
    @Override
    public long startSeq(long first, long next) {
      return Math.max(first, next - count);
    }
  }

  Replay LIVE = new Live();
  Replay EARLIEST = new Earliest();
}
