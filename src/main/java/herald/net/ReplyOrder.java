package herald.net;

import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Keeps one connection's replies in request order. Each request takes a slot when it is read; its reply
 * fills the slot whenever it is ready (at once for a malformed frame or a ping, later for work done by the
 * TopicVerticle); replies leave only from the front, so a fast reply never overtakes a slow one.
 */
final class ReplyOrder {

  private Buffer[] slots = new Buffer[4];
  private int[] sizes = new int[4];
  private long pendingBytes;
  private int headSlot; // slot number of slots[head]
  private int head;
  private int size;

  /** Takes the next slot for a request of {@code bytes} bytes and returns its number. */
  int reserve(int bytes) {
    if (size == slots.length) {
      Buffer[] grown = new Buffer[slots.length * 2];
      int[] grownSizes = new int[slots.length * 2];
      for (int i = 0; i < size; i++) {
        grown[i] = slots[(head + i) % slots.length];
        grownSizes[i] = sizes[(head + i) % slots.length];
      }
      slots = grown;
      sizes = grownSizes;
      head = 0;
    }
    sizes[(head + size) % slots.length] = bytes;
    pendingBytes += bytes;
    size++;
    return headSlot + size - 1;
  }

  /** Fills a reserved slot. */
  void fill(int slot, Buffer reply) {
    int offset = slot - headSlot;
    if (offset < 0 || offset >= size) {
      throw new IllegalStateException("slot " + slot + " is not pending");
    }
    slots[(head + offset) % slots.length] = reply;
  }

  /** Hands every filled reply at the front to {@code out}, in order. */
  void drain(Consumer<Buffer> out) {
    while (size > 0 && slots[head] != null) {
      out.accept(slots[head]);
      slots[head] = null;
      pendingBytes -= sizes[head];
      head = (head + 1) % slots.length;
      headSlot++;
      size--;
    }
  }

  /** Requests read but not yet answered. */
  int pending() {
    return size;
  }

  /** Bytes of the requests read but not yet answered. */
  long pendingBytes() {
    return pendingBytes;
  }
}
