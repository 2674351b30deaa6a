package herald.bench;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A publishing connection that keeps at most {@code window} publishes unanswered. The broker stops reading
 * a connection at 1,024 unanswered requests, so a bounded window is what a well-behaved client does; it
 * refills in chunks so that each write carries many frames.
 */
final class Publisher implements Peer.Lines {

  private final byte[] bulk; // `window` copies of the frame, or of the frames in turn (and n - 1 more)
  private final int frameBytes;
  private final int frameCount;
  private final int window;
  private final int refillAt;
  private final long quota;
  final Map<String, Integer> errors = new LinkedHashMap<>();
  long sent;
  long acked;
  boolean stopped;
  /** Publishes allowed so far, whatever the window: a scenario whose readers lag raises it as they catch up. */
  long limit = Long.MAX_VALUE;
  Peer peer;

  /**
   * Connects {@code count} publishers of {@code frame} that together send {@code messages}, split as evenly as
   * it goes (the first ones one more).
   */
  static java.util.List<Publisher> connect(Loop loop, byte[] frame, int window, long messages, int count)
      throws java.io.IOException {
    java.util.List<Publisher> pubs = new java.util.ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Publisher p = new Publisher(frame, window, messages / count + (i < messages % count ? 1 : 0));
      p.peer = loop.connect(64 * 1024, p, null);
      pubs.add(p);
    }
    return pubs;
  }

  Publisher(byte[] frame, int window, long quota) {
    this(new byte[][] {frame}, window, quota);
  }

  /**
   * Publishes {@code frames} in turn (to several topics, say), each write going on from where the last one
   * stopped; they must all be the same length.
   */
  Publisher(byte[][] frames, int window, long quota) {
    this.frameBytes = frames[0].length;
    this.frameCount = frames.length;
    byte[] cycle = new byte[frameBytes * frames.length];
    for (int i = 0; i < frames.length; i++) {
      if (frames[i].length != frameBytes) {
        throw new IllegalArgumentException("publish frames of different lengths");
      }
      System.arraycopy(frames[i], 0, cycle, i * frameBytes, frameBytes);
    }
    // A write of up to `window` frames may start at any of the n frames of the cycle.
    this.bulk = new byte[frameBytes * (window + frames.length - 1)];
    for (int i = 0; i < window + frames.length - 1; i++) {
      System.arraycopy(cycle, (i % frames.length) * frameBytes, bulk, i * frameBytes, frameBytes);
    }
    this.window = window;
    this.refillAt = Math.max(1, window / 8);
    this.quota = quota;
  }

  @Override
  public void line(Peer p, byte[] b, int from, int to) {
    switch (Frames.kind(b, from, to)) {
      case PUBLISHED -> acked++;
      case ERROR -> {
        String code = Frames.errorCode(b, from, to);
        if (p.firstError == null) {
          p.firstError = code;
        }
        if (p.sentAuth && !p.authenticated) {
          errors.merge(code, 1, Integer::sum); // the auth's answer, not a publish's: nothing to count off the window
          return;
        }
        acked++; // answered, though not published: it no longer counts against the window
        errors.merge(code, 1, Integer::sum);
      }
      case CONNECTED -> p.greeted = true;
      case AUTHENTICATED -> p.authenticated = true;
      default -> { }
    }
  }

  /** Sends as many publishes as the window and the quota allow, if that is worth a write. */
  void fill() {
    if (stopped || peer.busy() || peer.closed()) {
      return;
    }
    long credit = Math.min(window - (sent - acked), Math.min(quota, limit) - sent);
    if (credit <= 0 || (credit < refillAt && sent + credit < quota)) {
      return;
    }
    int from = (int) (sent % frameCount) * frameBytes;
    sent += credit;
    peer.write(ByteBuffer.wrap(bulk, from, (int) credit * frameBytes), this::fill);
  }

  boolean done() {
    return sent == quota && acked == sent;
  }

  int errorCount() {
    return errors.values().stream().mapToInt(Integer::intValue).sum();
  }
}
