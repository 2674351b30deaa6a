package herald.codec;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
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
  private static final byte[] FROM = ascii(",\"from\":");
  private static final byte[] STATUS_HEAD = ascii("{\"status\":\"");
  private static final byte[] PUBLISHED = ascii("published");
  private static final byte[] SUBSCRIBED = ascii("subscribed");
  private static final byte[] UNSUBSCRIBED = ascii("unsubscribed");
  private static final byte[] PONG = ascii("pong");
  private static final byte[] ERROR = ascii("error");
  private static final byte[] ACKED = ascii("acked");
  private static final byte[] GROUP = ascii(",\"group\":\"");
  private static final byte[] DELIVERY = ascii(",\"delivery\":");
  private static final byte[] UPTO = ascii(",\"upto\":");
  private static final byte[] COUNT = ascii(",\"count\":");

  private FrameEncoder() {}

  /** {@code {"type":"message","topic":T,"data":M,"seq":N}} */
  public static Buffer message(String topic, Buffer data, long seq) {
    return wrap(messageBytes(topic, data, seq));
  }

  /**
   * The same frame as a bare array, the form a topic's queue keeps: one object per message instead of a
   * Buffer's four, which is what every young collection copies while the message is retained.
   */
  public static byte[] messageBytes(String topic, Buffer data, long seq) {
    byte[] b = new byte[messageLength(topic, data, seq)];
    putMessage(b, 0, topic, data, seq);
    return b;
  }

  /** The length of {@link #messageBytes}'s frame. */
  public static int messageLength(String topic, Buffer data, long seq) {
    return MESSAGE_HEAD.length + topic.length() + DATA.length + data.length() + SEQ.length + digits(seq) + END.length;
  }

  /**
   * Writes {@link #messageBytes}'s frame into {@code b} at {@code at}, which must have room for
   * {@link #messageLength}; returns the offset after it. For a sender that puts many frames in one array.
   */
  public static int putMessage(byte[] b, int at, String topic, Buffer data, long seq) {
    int dataLength = data.length();
    int i = put(b, at, MESSAGE_HEAD);
    for (int k = 0; k < topic.length(); k++) {
      b[i++] = (byte) topic.charAt(k); // ASCII by rule (TopicName)
    }
    i = put(b, i, DATA);
    data.getBytes(0, dataLength, b, i);
    i = put(b, i + dataLength, SEQ);
    for (long div = pow10(digits(seq) - 1); div > 0; div /= 10) {
      b[i++] = (byte) ('0' + (seq / div) % 10);
    }
    return put(b, i, END);
  }

  /** A Buffer over {@code frame} itself, not a copy; it may be written to many sockets, never appended to. */
  public static Buffer wrap(byte[] frame) {
    return BufferInternal.buffer(Unpooled.wrappedBuffer(frame));
  }

  private static int put(byte[] dst, int at, byte[] src) {
    System.arraycopy(src, 0, dst, at, src.length);
    return at + src.length;
  }

  /** {@code {"status":"published","topic":T,"seq":N}} */
  public static Buffer published(String id, String topic, long seq) {
    Buffer b = status(PUBLISHED, topic.length() + 1 + SEQ.length + digits(seq), id);
    appendAscii(b.appendBytes(TOPIC), topic).appendByte((byte) '"').appendBytes(SEQ);
    return end(appendLong(b, seq), id);
  }

  /**
   * {@code {"status":"subscribed","topic":T}}, plus {@code "from":N} when the subscription replays: N is the
   * seq of the first message it will receive, so a client that asked for older messages sees the gap.
   */
  public static Buffer subscribed(String id, String topic, long replayFrom) {
    Buffer b = status(SUBSCRIBED, topic.length() + 1 + FROM.length + digits(replayFrom), id);
    appendAscii(b.appendBytes(TOPIC), topic).appendByte((byte) '"');
    if (replayFrom > 0) {
      appendLong(b.appendBytes(FROM), replayFrom);
    }
    return end(b, id);
  }

  /** {@code {"status":"unsubscribed","topic":T}} */
  /** {@code subscribed} for a group member: {@code {"status":"subscribed","topic":T,"group":G}}. */
  public static Buffer subscribedToGroup(String id, String topic, String group) {
    return withGroup(SUBSCRIBED, id, topic, group);
  }

  /** {@code unsubscribed} for a group member that left its group. */
  public static Buffer unsubscribedFromGroup(String id, String topic, String group) {
    return withGroup(UNSUBSCRIBED, id, topic, group);
  }

  /** {@code {"status":"acked","topic":T,"group":G,"seq":N}}, or with {@code "upto":N,"count":K}. */
  public static Buffer acked(String id, String topic, String group, long seq, boolean upto, int count) {
    Buffer b = status(ACKED, topic.length() + group.length() + 60, id);
    appendAscii(b.appendBytes(TOPIC), topic).appendByte((byte) '"');
    appendAscii(b.appendBytes(GROUP), group).appendByte((byte) '"');
    appendLong(b.appendBytes(upto ? UPTO : SEQ), seq);
    if (upto) {
      appendLong(b.appendBytes(COUNT), count);
    }
    return end(b, id);
  }

  /**
   * A stored message frame pushed to a group member: the frame with {@code "group":G,"delivery":K} added
   * (K is 1 the first time, then 2 and up for redeliveries).
   */
  public static Buffer groupMessage(Buffer frame, String group, int delivery) {
    Buffer b = Buffer.buffer(frame.length() + group.length() + 32);
    b.appendBuffer(frame, 0, frame.length() - END.length);
    appendAscii(b.appendBytes(GROUP), group).appendByte((byte) '"');
    appendLong(b.appendBytes(DELIVERY), delivery);
    return b.appendBytes(END);
  }

  private static Buffer withGroup(byte[] status, String id, String topic, String group) {
    Buffer b = status(status, topic.length() + group.length() + 12, id);
    appendAscii(b.appendBytes(TOPIC), topic).appendByte((byte) '"');
    return end(appendAscii(b.appendBytes(GROUP), group).appendByte((byte) '"'), id);
  }

  public static Buffer unsubscribed(String id, String topic) {
    Buffer b = status(UNSUBSCRIBED, topic.length() + 1, id);
    return end(appendAscii(b.appendBytes(TOPIC), topic).appendByte((byte) '"'), id);
  }

  /** {@code {"status":"pong"}} */
  public static Buffer pong(String id) {
    return end(status(PONG, 0, id), id);
  }

  /** {@code {"status":"error","error":CODE,"detail":TEXT}} */
  public static Buffer error(String id, ErrorCode code, String detail) {
    Buffer b = status(ERROR, 64 + detail.length(), id).appendString(",\"error\":\"").appendString(code.wire())
        .appendString("\",\"detail\":\"").appendBytes(JsonStringEncoder.getInstance().quoteAsUTF8(detail))
        .appendByte((byte) '"');
    return end(b, id);
  }

  /**
   * {@code {"status":"stats", ...fields}}. Not on a hot path, so the fields go through JsonObject; the id
   * is raw JSON text and is appended as it came.
   */
  public static Buffer stats(String id, JsonObject fields) {
    return object(id, new JsonObject().put("status", "stats").mergeIn(fields));
  }

  /** {@code {"status":"topics","topics":[...],"truncated":B}}: not on a hot path, like {@link #stats}. */
  public static Buffer topics(String id, JsonObject fields) {
    return object(id, new JsonObject().put("status", "topics").mergeIn(fields));
  }

  /**
   * {@code {"status":"authenticated","user":U}}, with {@code "expires"} (seconds since the epoch) when the
   * token has an {@code exp}: {@code expires} 0 means none.
   */
  public static Buffer authenticated(String id, String user, long expires) {
    JsonObject reply = new JsonObject().put("status", "authenticated").put("user", user);
    if (expires > 0) {
      reply.put("expires", expires);
    }
    return object(id, reply);
  }

  private static Buffer object(String id, JsonObject reply) {
    String body = reply.encode();
    // Without its closing brace: end() appends the id, then closes the object.
    return end(Buffer.buffer(body.substring(0, body.length() - 1), "UTF-8"), id);
  }

  /** The greeting: {@code {"status":"connected", ...}} with whatever the server wants a client to know. */
  public static Buffer connected(JsonObject info) {
    return new JsonObject().put("status", "connected").mergeIn(info).toBuffer().appendByte((byte) '\n');
  }

  /**
   * Starts {@code {"status":S} with room for {@code more} bytes of fields and the id, so that a reply is one
   * allocation of the right size, never grown and copied.
   */
  private static Buffer status(byte[] status, int more, String id) {
    int size = STATUS_HEAD.length + status.length + 1 + TOPIC.length + more + (id == null ? 0 : ID.length + id.length() * 3)
        + END.length;
    return Buffer.buffer(size).appendBytes(STATUS_HEAD).appendBytes(status).appendByte((byte) '"');
  }

  private static Buffer end(Buffer b, String id) {
    if (id != null) {
      b.appendBytes(ID).appendString(id);
    }
    return b.appendBytes(END);
  }

  /** Topic names are ASCII by rule ({@link TopicName}): one byte per char, with no encoder and no copy. */
  private static Buffer appendAscii(Buffer b, String ascii) {
    for (int i = 0; i < ascii.length(); i++) {
      b.appendByte((byte) ascii.charAt(i));
    }
    return b;
  }

  /** Appends the decimal digits of a non-negative {@code v} without making a String. */
  private static Buffer appendLong(Buffer b, long v) {
    for (long div = pow10(digits(v) - 1); div > 0; div /= 10) {
      b.appendByte((byte) ('0' + (v / div) % 10));
    }
    return b;
  }

  static int digits(long v) {
    int n = 1;
    while (v >= 10) {
      v /= 10;
      n++;
    }
    return n;
  }

  private static long pow10(int n) {
    long p = 1;
    for (int i = 0; i < n; i++) {
      p *= 10;
    }
    return p;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
