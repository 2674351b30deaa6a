package herald.codec;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Writes the frames the broker sends, one JSON object per line. Topic names are restricted to characters
 * that never need escaping ({@link TopicName}), and ids and messages are already valid JSON text, so frames
 * are assembled from bytes directly: a pushed message is encoded once, whatever the number of subscribers.
 */
public final class FrameEncoder {

  private static final byte[] MESSAGE_HEAD = ascii("{\"type\":\"message\",\"topic\":\"");
  private static final byte[] DATA = ascii("\",\"data\":");
  private static final byte[] SEQ = ascii(",\"seq\":");
  private static final byte[] ID = ascii(",\"id\":");
  private static final byte[] TOPIC = ascii(",\"topic\":\"");
  private static final byte[] END = ascii("}\n");

  private FrameEncoder() {}

  /** {@code {"type":"message","topic":T,"data":M,"seq":N}} */
  public static Buffer message(String topic, Buffer data, long seq) {
    return Buffer.buffer(48 + topic.length() + data.length())
        .appendBytes(MESSAGE_HEAD).appendString(topic).appendBytes(DATA).appendBuffer(data)
        .appendBytes(SEQ).appendString(Long.toString(seq)).appendBytes(END);
  }

  /** {@code {"status":"published","topic":T,"seq":N}} */
  public static Buffer published(String id, String topic, long seq) {
    Buffer b = status("published").appendBytes(TOPIC).appendString(topic).appendByte((byte) '"')
        .appendBytes(SEQ).appendString(Long.toString(seq));
    return end(b, id);
  }

  /**
   * {@code {"status":"subscribed","topic":T}}, plus {@code "from":N} when the subscription replays: N is the
   * seq of the first message it will receive, so a client that asked for older messages sees the gap.
   */
  public static Buffer subscribed(String id, String topic, long replayFrom) {
    Buffer b = status("subscribed").appendBytes(TOPIC).appendString(topic).appendByte((byte) '"');
    if (replayFrom > 0) {
      b.appendString(",\"from\":").appendString(Long.toString(replayFrom));
    }
    return end(b, id);
  }

  /** {@code {"status":"unsubscribed","topic":T}} */
  public static Buffer unsubscribed(String id, String topic) {
    return end(status("unsubscribed").appendBytes(TOPIC).appendString(topic).appendByte((byte) '"'), id);
  }

  /** {@code {"status":"pong"}} */
  public static Buffer pong(String id) {
    return end(status("pong"), id);
  }

  /** {@code {"status":"error","error":CODE,"detail":TEXT}} */
  public static Buffer error(String id, ErrorCode code, String detail) {
    Buffer b = status("error").appendString(",\"error\":\"").appendString(code.wire())
        .appendString("\",\"detail\":\"").appendBytes(JsonStringEncoder.getInstance().quoteAsUTF8(detail))
        .appendByte((byte) '"');
    return end(b, id);
  }

  /**
   * {@code {"status":"stats", ...fields}}. Not on a hot path, so the fields go through JsonObject; the id
   * is raw JSON text and is appended as it came.
   */
  public static Buffer stats(String id, JsonObject fields) {
    String body = new JsonObject().put("status", "stats").mergeIn(fields).encode();
    // Without its closing brace: end() appends the id, then closes the object.
    return end(Buffer.buffer(body.substring(0, body.length() - 1), "UTF-8"), id);
  }

  /** The greeting: {@code {"status":"connected", ...}} with whatever the server wants a client to know. */
  public static Buffer connected(JsonObject info) {
    return new JsonObject().put("status", "connected").mergeIn(info).toBuffer().appendByte((byte) '\n');
  }

  private static Buffer status(String status) {
    return Buffer.buffer(64).appendString("{\"status\":\"").appendString(status).appendByte((byte) '"');
  }

  private static Buffer end(Buffer b, String id) {
    if (id != null) {
      b.appendBytes(ID).appendString(id);
    }
    return b.appendBytes(END);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
