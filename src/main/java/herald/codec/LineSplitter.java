package herald.codec;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * Splits a connection's byte stream into lines at {@code \n} and hands each one on as a range of the buffer
 * it arrived in, without copying it: a read that holds whole lines (the common case) costs no allocation
 * here. Only a line that a read leaves unfinished is copied, into a carry buffer of its own, because the
 * next read has to be appended to it.
 *
 * <p><b>The limit.</b> A line longer than {@code maxLineBytes}, not counting its line ending ({@code \n} or
 * {@code \r\n}), is refused with {@link Lines#tooLong()}: when it is complete, or as soon as more than that
 * (plus one byte for a possible {@code \r}) is waiting for its newline, so a client that never sends a
 * newline cannot make the broker buffer without bound. After that the splitter ignores all further input;
 * the connection is closing.
 *
 * <p>Not thread-safe: one per connection, used on its event loop.
 */
public final class LineSplitter {

  /** Receives the lines, in order. */
  public interface Lines {
    /** Bytes {@code [start, end)} of {@code source}, without the {@code \n} (a {@code \r} before it is kept). */
    void line(Buffer source, int start, int end);

    /** A line exceeded the limit; nothing more will be delivered. */
    void tooLong();
  }

  private final int maxLineBytes;
  private final Lines lines;
  private Buffer carry;
  private boolean failed;

  public LineSplitter(int maxLineBytes, Lines lines) {
    this.maxLineBytes = maxLineBytes;
    this.lines = lines;
  }

  /** Bytes of an unfinished line waiting for its newline. */
  public int buffered() {
    return carry == null ? 0 : carry.length();
  }

  public void feed(Buffer data) {
    if (failed) {
      return;
    }
    ByteBuf view = ((BufferInternal) data).getByteBuf();
    byte[] bytes;
    int base;
    if (view.hasArray()) {
      bytes = view.array();
      base = view.arrayOffset();
    } else {
      bytes = data.getBytes();
      base = 0;
    }
    int length = data.length();
    int from = 0;
    if (carry != null) {
      int newline = indexOfNewline(bytes, base, base + length) - base;
      if (newline < 0) {
        carry.appendBuffer(data);
        checkUnfinished();
        return;
      }
      Buffer line = carry.appendBuffer(data, 0, newline);
      carry = null;
      if (!emit(line, 0, line.length())) {
        return;
      }
      from = newline + 1;
    }
    while (from < length) {
      int newline = indexOfNewline(bytes, base + from, base + length) - base;
      if (newline < 0) {
        carry = Buffer.buffer(Math.max(length - from, 64)).appendBuffer(data, from, length - from);
        checkUnfinished();
        return;
      }
      if (!emit(data, from, newline)) {
        return;
      }
      from = newline + 1;
    }
  }

  private boolean emit(Buffer source, int start, int end) {
    int frameEnd = end > start && source.getByte(end - 1) == '\r' ? end - 1 : end;
    if (frameEnd - start > maxLineBytes) {
      fail();
      return false;
    }
    lines.line(source, start, end);
    return !failed;
  }

  private void checkUnfinished() {
    // + 1: the unfinished line may end with the '\r' of a CRLF ending, which the limit does not count.
    if (carry.length() > maxLineBytes + 1) {
      fail();
    }
  }

  private void fail() {
    failed = true;
    carry = null;
    lines.tooLong();
  }

  /** Stops delivering lines, e.g. once the connection has decided to close. */
  public void stop() {
    failed = true;
    carry = null;
  }

  private static int indexOfNewline(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
