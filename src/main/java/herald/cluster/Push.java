package herald.cluster;

import herald.codec.FrameEncoder;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Frames of one append, pushed by the node that appended them to each node that reads the topic, over the
 * clustered event bus: {@code frames.get(i)} has seq {@code firstSeq + i}, and they are the frames the owner
 * stored, byte for byte ({@link FrameEncoder#messageBytes} of the same message and seq). One buffer per append,
 * {@code wire}, sent as it is to every reader: topic (length and ASCII), first seq, count, then each frame
 * (length and bytes). The frames are views into it, on the sending node as on the receiving one.
 */
record Push(String topic, long firstSeq, List<Buffer> frames, Buffer wire) {

  private static final int HEAD = 4 + 8 + 4; // topic length, first seq, count

  /** The event-bus address of a node's pushes: its Hazelcast member id, which the topic logs name readers by. */
  static String address(UUID member) {
    return "herald.push." + member;
  }

  /**
   * The frames subscribers get for {@code messages} stored from {@code firstSeq} on, each encoded straight into
   * the push's one array, of which the frames are views: nothing is encoded or copied per frame beyond that.
   */
  static Push of(String topic, long firstSeq, List<Buffer> messages) {
    int n = messages.size();
    int[] lengths = new int[n];
    int size = HEAD + topic.length();
    for (int i = 0; i < n; i++) {
      lengths[i] = FrameEncoder.messageLength(topic, messages.get(i), firstSeq + i);
      size += 4 + lengths[i];
    }
    byte[] bytes = new byte[size];
    Buffer wire = FrameEncoder.wrap(bytes); // a view of bytes, filled below; its size is fixed, so slices stay valid
    ByteBuffer out = ByteBuffer.wrap(bytes); // big-endian, as Buffer.getInt and getLong read
    out.putInt(topic.length()).put(topic.getBytes(StandardCharsets.US_ASCII)).putLong(firstSeq).putInt(n);
    List<Buffer> frames = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int at = out.putInt(lengths[i]).position();
      out.position(FrameEncoder.putMessage(bytes, at, topic, messages.get(i), firstSeq + i));
      frames.add(wire.slice(at, at + lengths[i]));
    }
    return new Push(topic, firstSeq, frames, wire);
  }

  long end() {
    return firstSeq + frames.size();
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
    return new Push(topic, first, frames, b);
  }
}
