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

  private final byte[] bulk; // `window` copies of the same frame
  private final int frameBytes;
  private final int window;
  private final int refillAt;
  private final long quota;
  final Map<String, Integer> errors = new LinkedHashMap<>();
  long sent;
  long acked;
  boolean stopped;
  Peer peer;

  Publisher(byte[] frame, int window, long quota) {
    this.bulk = Frames.repeated(frame, window);
    this.frameBytes = frame.length;
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
    long credit = Math.min(window - (sent - acked), quota - sent);
    if (credit <= 0 || (credit < refillAt && sent + credit < quota)) {
      return;
    }
    sent += credit;
    peer.write(ByteBuffer.wrap(bulk, 0, (int) credit * frameBytes), this::fill);
  }

  boolean done() {
    return sent == quota && acked == sent;
  }

  int errorCount() {
    return errors.values().stream().mapToInt(Integer::intValue).sum();
  }
}
