package herald.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One non-blocking client connection: splits what it reads into lines in place (no copies, no strings) and
 * writes one buffer at a time. Used only from the {@link Loop} thread.
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
  private final SelectionKey key;
  private final byte[] in;
  private final ByteBuffer inBuf;
  private final Lines lines;
  private ByteBuffer out; // the buffer still being written, or null
  private Runnable onDrained;
  private int scanned; // bytes of the partial line already searched for a newline
  String closedBecause;

  Peer(int index, Selector selector, SocketChannel channel, int readBufferBytes, Lines lines) throws IOException {
    this.index = index;
    this.channel = channel;
    this.lines = lines;
    this.in = new byte[readBufferBytes];
    this.inBuf = ByteBuffer.wrap(in);
    channel.configureBlocking(false);
    this.key = channel.register(selector, SelectionKey.OP_READ, this);
  }

  boolean closed() {
    return closedBecause != null;
  }

  /** Reads what the socket has and hands on every complete line. */
  void readable() {
    int n;
    try {
      n = channel.read(inBuf);
    } catch (IOException e) {
      close("read failed: " + e.getMessage());
      return;
    }
    if (n < 0) {
      close("closed by the broker");
      return;
    }
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
    try {
      channel.write(buf);
    } catch (IOException e) {
      close("write failed: " + e.getMessage());
      return;
    }
    if (buf.hasRemaining()) {
      out = buf;
      onDrained = drained;
      key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }
  }

  void writable() {
    try {
      channel.write(out);
    } catch (IOException e) {
      close("write failed: " + e.getMessage());
      return;
    }
    if (!out.hasRemaining()) {
      out = null;
      key.interestOps(SelectionKey.OP_READ);
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
