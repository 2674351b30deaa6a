package herald.cluster;

import herald.codec.FrameEncoder;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Frames of one append, pushed by the node that appended them to each node that reads the topic, over the
 * clustered event bus: {@code frames.get(i)} has seq {@code firstSeq + i}, and they are the frames the owner
 * stored, byte for byte ({@link FrameEncoder#messageBytes} of the same message and seq). One buffer per append,
 * sent as it is to every reader: topic (length and ASCII), first seq, count, then each frame (length and bytes).
 */
record Push(String topic, long firstSeq, List<Buffer> frames) {

  /** The event-bus address of a node's pushes: its Hazelcast member id, which the topic logs name readers by. */
  static String address(UUID member) {
    return "herald.push." + member;
  }

  /** The frames subscribers get for {@code messages} stored from {@code firstSeq} on. */
  static Push of(String topic, long firstSeq, List<Buffer> messages) {
    List<Buffer> frames = new ArrayList<>(messages.size());
    long seq = firstSeq;
    for (Buffer data : messages) {
      frames.add(FrameEncoder.wrap(FrameEncoder.messageBytes(topic, data, seq++)));
    }
    return new Push(topic, firstSeq, frames);
  }

  long end() {
    return firstSeq + frames.size();
  }

  Buffer encode() {
    int size = 4 + topic.length() + 8 + 4;
    for (Buffer f : frames) {
      size += 4 + f.length();
    }
    Buffer b = Buffer.buffer(size);
    b.appendInt(topic.length()).appendString(topic, "US-ASCII").appendLong(firstSeq).appendInt(frames.size());
    for (Buffer f : frames) {
      b.appendInt(f.length()).appendBuffer(f);
    }
    return b;
  }

  static Push decode(Buffer b) {
    int at = 0;
    int topicLength = b.getInt(at);
    at += 4;
    String topic = new String(b.getBytes(at, at + topicLength), StandardCharsets.US_ASCII);
    at += topicLength;
    long first = b.getLong(at);
    at += 8;
    int n = b.getInt(at);
    at += 4;
    List<Buffer> frames = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int length = b.getInt(at);
      at += 4;
      frames.add(b.slice(at, at + length)); // a view, not a copy: b is this push's own, and is never written to
      at += length;
    }
    return new Push(topic, first, frames);
  }
}
