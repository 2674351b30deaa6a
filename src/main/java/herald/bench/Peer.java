package herald.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One non-blocking client connection: splits what it reads into lines in place (no copies, no strings) and
 * writes one buffer at a time, over plain TCP or through {@link Tls}. Used only from the {@link Loop} thread.
 *
 * <p>The plaintext path is the socket read and write straight from and into the peer's own buffers, as
 * before TLS existed; TLS costs it one test of a final field per call.
 */
final class Peer {

  /** Gets each complete line, without its newline, as a slice of the read buffer that is valid only during the call. */
  interface Lines {
    void line(Peer peer, byte[] buf, int from, int to);

    /**
     * How many bytes from {@code from}, the start of a line of which {@code available} bytes are here, surely
     * hold no newline. Lets a reader that knows its frames' minimum length skip most of each frame instead of
     * testing every byte: in fan-out that byte loop was the generator's hottest code.
     */
    default int noNewlineWithin(byte[] buf, int from, int available) {
      return 0;
    }
  }

  final int index;
  private final SocketChannel channel;
  private final Tls tls; // null: plain TCP
  private final SelectionKey key;
  private final byte[] in;
  private final ByteBuffer inBuf;
  private final Lines lines;
  private ByteBuffer out; // the buffer still being written, or null
  private Runnable onDrained;
  private int scanned; // bytes of the partial line already searched for a newline
  String closedBecause;
  /** Set by the {@link Lines}: the greeting arrived (so the TLS handshake, if any, is over). */
  boolean greeted;
  /** Set by the {@link Loop}: this connection sent {@code auth} first. */
  boolean sentAuth;
  /** Set by the {@link Lines}: the broker answered the {@code auth} with {@code authenticated}. */
  boolean authenticated;
  /** Set by the {@link Lines}: the code of the first error the broker sent, to say why a setup failed. */
  String firstError;

  /** Notes an error frame this peer got: the first is kept for the report, and each is counted in {@code errors}. */
  void error(String code, java.util.Map<String, Integer> errors) {
    if (firstError == null) {
      firstError = code;
    }
    errors.merge(code, 1, Integer::sum);
  }

  /** @param tls the connection's TLS, or null for plain TCP */
  Peer(int index, Selector selector, SocketChannel channel, Tls tls, int readBufferBytes, Lines lines)
      throws IOException {
    this.index = index;
    this.channel = channel;
    this.tls = tls;
    this.lines = lines;
    // Through TLS a whole record must fit in what is free of the buffer, or it cannot be unwrapped.
    this.in = new byte[tls == null ? readBufferBytes : readBufferBytes + tls.recordBytes()];
    this.inBuf = ByteBuffer.wrap(in);
    channel.configureBlocking(false);
    this.key = channel.register(selector, SelectionKey.OP_READ, this);
    if (tls != null) {
      tlsWritten(tls.advance()); // the ClientHello
    }
  }

  /** Greeted, and authenticated if it asked to be: the scenario may start. */
  boolean ready() {
    return greeted && (authenticated || !sentAuth);
  }

  /** How this connection is secured, for the report: "none", or the TLS protocol and cipher suite. */
  String transport() {
    return tls == null ? "none" : tls.agreed();
  }

  boolean closed() {
    return closedBecause != null;
  }

  /** Reads what the socket has and hands on every complete line. */
  void readable() {
    int n;
    try {
      n = tls == null ? channel.read(inBuf) : tls.read(inBuf);
    } catch (IOException e) {
      close("read failed: " + e.getMessage());
      return;
    }
    if (n < 0) {
      close("closed by the broker");
      return;
    }
    split();
    if (tls != null) {
      tlsReadable();
    }
  }

  /** Hands on every complete line in the read buffer and keeps the partial one at its front. */
  private void split() {
    int end = inBuf.position();
    int start = 0;
    int i = scanned;
    while (i < end) {
      if (i == start) {
        i += lines.noNewlineWithin(in, start, end - start);
        if (i >= end) {
          break;
        }
      }
      if (in[i] == '\n') {
        lines.line(this, in, start, i);
        start = i + 1;
      }
      i++;
    }
    if (start == 0 && end == in.length) {
      close("a line longer than the " + in.length + "-byte read buffer");
      return;
    }
    // Keep the partial line at the front; it is short, so this copy is cheap.
    System.arraycopy(in, start, in, 0, end - start);
    inBuf.position(end - start);
    scanned = Math.min(i, end) - start;
  }

  /**
   * After a TLS read: unwraps the records it took off the socket but had no room for (the selector will not
   * report them again), then carries on with a write that waited for the handshake or for its answers.
   */
  private void tlsReadable() {
    try {
      while (!closed() && tls.unreadRecords()) {
        if (tls.unwrap(inBuf) == 0 && tls.unreadRecords()) { // no room for one record beside the partial line
          close("a line longer than the " + (in.length - tls.recordBytes()) + "-byte read buffer (TLS)");
          return;
        }
        split();
      }
      if (!closed()) {
        if (out != null) {
          writable();
        } else {
          tlsWritten(tls.advance());
        }
      }
    } catch (IOException e) {
      close("TLS failed: " + e.getMessage());
    }
  }

  /** Asks for writability while TLS has ciphertext the socket did not take. */
  private void tlsWritten(boolean done) {
    if (!done && tls.wantsWritable()) {
      key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }
  }

  /** True while an earlier write has not been fully taken by the socket. */
  boolean busy() {
    return out != null;
  }

  /**
   * Writes {@code buf}; what the socket does not take now goes when it is writable, then {@code drained}
   * runs. The caller must not write again while {@link #busy()}.
   */
  void write(ByteBuffer buf, Runnable drained) {
    if (closed()) {
      return;
    }
    boolean done;
    try {
      if (tls == null) {
        channel.write(buf);
        done = !buf.hasRemaining();
      } else {
        done = tls.write(buf);
      }
    } catch (IOException e) {
      close("write failed: " + e.getMessage());
      return;
    }
    if (!done) {
      out = buf;
      onDrained = drained;
      // Through TLS a write can also wait for the handshake, which a read moves on (see tlsReadable).
      if (tls == null || tls.wantsWritable()) {
        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      }
    }
  }

  void writable() {
    boolean done;
    try {
      if (tls == null) {
        channel.write(out);
        done = !out.hasRemaining();
      } else {
        done = out != null ? tls.write(out) : tls.advance();
      }
    } catch (IOException e) {
      close("write failed: " + e.getMessage());
      return;
    }
    if (done || tls != null && !tls.wantsWritable()) {
      key.interestOps(SelectionKey.OP_READ);
    }
    if (done && out != null) {
      out = null;
      Runnable r = onDrained;
      onDrained = null;
      if (r != null) {
        r.run();
      }
    }
  }

  void close(String why) {
    if (closedBecause == null) {
      closedBecause = why;
    }
    key.cancel();
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing anyway: nothing to do with a failure here
    }
  }
}
