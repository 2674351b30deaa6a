package herald.store;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Write buffers, lent to a log from its first append after a flush until that flush. A node may hold thousands
 * of topics, but only those written in the current batch hold a buffer, so memory follows the batch, not the
 * topic count.
 */
final class BufferPool {

  /**
   * One write call per this many bytes of records: about a thousand 64-byte records, or a full client read's
   * worth of publishes. Larger records are written on their own.
   */
  static final int BUFFER_BYTES = 64 * 1024;

  /** Idle buffers kept for reuse; a batch that touches more topics allocates the rest and lets them go. */
  static final int MAX_IDLE = 32;

  private final ArrayDeque<ByteBuffer> idle = new ArrayDeque<>();

  ByteBuffer take() {
    ByteBuffer b = idle.poll();
    return b != null ? b : ByteBuffer.allocate(BUFFER_BYTES);
  }

  void give(ByteBuffer b) {
    b.clear();
    if (idle.size() < MAX_IDLE) {
      idle.push(b);
    }
  }
}
