package herald.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** A subscribing connection: counts and checks the messages pushed to it, and notes any error it is sent. */
final class Subscriber implements Peer.Lines {

  /** Sees each pushed message line, e.g. to read a timestamp out of it. */
  interface Tap {
    void message(byte[] buf, int from, int to);
  }

  final SeqCheck seqs = new SeqCheck();
  final Map<String, Integer> errors = new LinkedHashMap<>();
  private final Tap tap;
  private final int minMessageBytes;
  boolean subscribed;
  Peer peer;

  /**
   * @param minMessageBytes the shortest message frame this subscriber can get (see {@link #messageFrameBytes}),
   *     or 0 to test every byte for the end of a line
   */
  Subscriber(Tap tap, int minMessageBytes) {
    this.tap = tap;
    this.minMessageBytes = minMessageBytes;
  }

  /** The length, without its newline, of the shortest frame pushing a {@code size}-byte message on {@code topic}. */
  static int messageFrameBytes(String topic, int size) {
    return Frames.dataOffset(topic) + size + ",\"seq\":1}".length();
  }

  @Override
  public int noNewlineWithin(byte[] b, int from, int available) {
    // A pushed message (the only lines starting {"t) is at least minMessageBytes long: the data is ours.
    return minMessageBytes > 0 && available >= 3 && b[from + 2] == 't' ? minMessageBytes : 0;
  }

  @Override
  public void line(Peer p, byte[] b, int from, int to) {
    switch (Frames.kind(b, from, to)) {
      case MESSAGE -> {
        seqs.seq(Frames.trailingSeq(b, from, to));
        if (tap != null) {
          tap.message(b, from, to);
        }
      }
      case SUBSCRIBED -> subscribed = true;
      case ERROR -> p.error(Frames.errorCode(b, from, to), errors);
      case CONNECTED -> p.greeted = true;
      case AUTHENTICATED -> p.authenticated = true;
      default -> { }
    }
  }
}
