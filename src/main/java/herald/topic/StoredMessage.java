package herald.topic;

import herald.codec.FrameEncoder;
import io.vertx.core.buffer.Buffer;

/**
 * A message in a topic's queue. {@code bytes} is the complete pushed frame, seq included, encoded once at
 * publish time and written as it is to every live subscriber and every replay.
 *
 * <p>The frame is a bare array rather than a {@link Buffer}: a retained message is then two objects, not
 * six (a Buffer is a BufferImpl, a ByteBuf, its reference count and its array), and young collections,
 * which copy every retained message that is still young, take a third of the time.
 */
public record StoredMessage(long seq, byte[] bytes, long storedAtMillis) {

  /** The frame as a Buffer over the same bytes (no copy): make one per message, and share it. */
  public Buffer frame() {
    return FrameEncoder.wrap(bytes);
  }

  public int length() {
    return bytes.length;
  }
}
