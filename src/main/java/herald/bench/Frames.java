package herald.bench;

import java.nio.charset.StandardCharsets;

/**
 * Builds the few request frames the generator sends and reads the broker's lines by looking at bytes only:
 * the broker's frames have a fixed shape, so a full JSON parse would make the generator the bottleneck.
 */
final class Frames {

  /** What a line is, from its first bytes. */
  enum Kind { MESSAGE, PUBLISHED, SUBSCRIBED, CONNECTED, AUTHENTICATED, ACKED, ERROR, OTHER }

  private static final int STATUS_VALUE = "{\"status\":\"".length();
  private static final byte[] SEQ = ascii(",\"seq\":");

  private Frames() {}

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] subscribe(String topic) {
    return ascii("{\"action\":\"subscribe\",\"topic\":\"" + topic + "\"}\n");
  }

  /** Joins consumer group {@code group} on {@code topic}; {@code options} are further fields (",\"ack\":\"none\""), or "". */
  static byte[] subscribeGroup(String topic, String group, String options) {
    return ascii("{\"action\":\"subscribe\",\"topic\":\"" + topic + "\",\"group\":\"" + group + "\"" + options + "}\n");
  }

  /** The ack frame's text before the seq: the seq's digits and {@code "}\n"} follow. */
  static byte[] ackHead(String topic, String group) {
    return ascii("{\"action\":\"ack\",\"topic\":\"" + topic + "\",\"group\":\"" + group + "\",\"seq\":");
  }

  /** The text the broker adds after a group push's seq, up to the delivery count: see {@link #groupSeq}. */
  static byte[] groupTail(String group) {
    return ascii(",\"group\":\"" + group + "\",\"delivery\":");
  }

  /**
   * The seq and delivery count of a message pushed to a group member, which ends
   * {@code ,"seq":N,"group":"G","delivery":K}} ({@code tail} is {@link #groupTail} of G), read backwards from
   * the end like {@link #trailingSeq}: returns the seq and puts K in {@code delivery[0]}, or -1 if the line
   * does not end that way.
   */
  static long groupSeq(byte[] b, int from, int to, byte[] tail, int[] delivery) {
    int end = to - 1;
    if (end > from && b[end] == '\r') {
      end--;
    }
    if (end <= from || b[end] != '}') {
      return -1;
    }
    int i = end - 1;
    int k = 0;
    int scale = 1;
    while (i > from && b[i] >= '0' && b[i] <= '9') {
      k += (b[i] - '0') * scale;
      scale *= 10;
      i--;
    }
    int head = i - tail.length + 1;
    if (scale == 1 || head <= from) {
      return -1;
    }
    for (int j = 0; j < tail.length; j++) {
      if (b[head + j] != tail[j]) {
        return -1;
      }
    }
    delivery[0] = k;
    // What is left ends with ,"seq":N as a plain push ends with ,"seq":N}: reuse that reading.
    byte saved = b[head];
    b[head] = '}';
    long seq = trailingSeq(b, from, head + 1);
    b[head] = saved;
    return seq;
  }

  /** Appends {@code v} in decimal at {@code at}; returns the index after its last digit. */
  static int putLong(byte[] b, int at, long v) {
    int digits = 1;
    for (long x = v; x >= 10; x /= 10) {
      digits++;
    }
    putDigits(b, at, digits, v);
    return at + digits;
  }

  /** The publish frame's text before the message value. */
  static String publishHead(String topic) {
    return "{\"action\":\"publish\",\"topic\":\"" + topic + "\",\"message\":";
  }

  /** A JSON string exactly {@code size} bytes long (quotes included), so "--size 64" means 64 bytes of message. */
  static String stringOfSize(int size) {
    if (size < 2) {
      throw new IllegalArgumentException("--size must be at least 2 (a JSON string with its quotes)");
    }
    return "\"" + "x".repeat(size - 2) + "\"";
  }

  /** {@code n} copies of the same publish frame, so a window of publishes is one write from one array. */
  static byte[] repeated(byte[] frame, int n) {
    byte[] all = new byte[frame.length * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(frame, 0, all, i * frame.length, frame.length);
    }
    return all;
  }

  /** Offset of a pushed message's data in the frame the broker writes for {@code topic}. */
  static int dataOffset(String topic) {
    return ("{\"type\":\"message\",\"topic\":\"" + topic + "\",\"data\":").length();
  }

  static Kind kind(byte[] b, int from, int to) {
    if (to - from < STATUS_VALUE + 2) {
      return Kind.OTHER;
    }
    if (b[from + 2] == 't') { // {"type":"message",...
      return Kind.MESSAGE;
    }
    if (b[from + 2] != 's') {
      return Kind.OTHER;
    }
    return switch (b[from + STATUS_VALUE]) { // {"status":"<here>
      case 'p' -> b[from + STATUS_VALUE + 1] == 'u' ? Kind.PUBLISHED : Kind.OTHER; // not "pong"
      case 's' -> Kind.SUBSCRIBED;
      case 'c' -> Kind.CONNECTED;
      case 'a' -> b[from + STATUS_VALUE + 1] == 'c' ? Kind.ACKED : Kind.AUTHENTICATED; // "acked", "authenticated"
      case 'e' -> Kind.ERROR;
      default -> Kind.OTHER;
    };
  }

  /**
   * The seq of a pushed message: the broker ends every message frame with {@code ,"seq":N}, so it is read
   * backwards from the end without looking at the data. Returns -1 if the line does not end that way.
   */
  static long trailingSeq(byte[] b, int from, int to) {
    int end = to - 1;
    if (end > from && b[end] == '\r') {
      end--;
    }
    if (end <= from || b[end] != '}') {
      return -1;
    }
    long seq = 0;
    long scale = 1;
    int i = end - 1;
    while (i > from && b[i] >= '0' && b[i] <= '9') {
      seq += (b[i] - '0') * scale;
      scale *= 10;
      i--;
    }
    int head = i - SEQ.length + 1;
    if (scale == 1 || head < from) {
      return -1;
    }
    for (int k = 0; k < SEQ.length; k++) {
      if (b[head + k] != SEQ[k]) {
        return -1;
      }
    }
    return seq;
  }

  /** Reads {@code digits} decimal digits at {@code at}; -1 if any is not a digit. */
  static long digits(byte[] b, int at, int digits) {
    long v = 0;
    for (int i = at; i < at + digits; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
    }
    return v;
  }

  /** Writes {@code v} as exactly {@code digits} zero-padded decimal digits at {@code at}. */
  static void putDigits(byte[] b, int at, int digits, long v) {
    for (int i = at + digits - 1; i >= at; i--) {
      b[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
  }

  /** The "error" code of an error line, for the report (rare, so a String is fine). */
  static String errorCode(byte[] b, int from, int to) {
    String s = new String(b, from, to - from, StandardCharsets.UTF_8);
    int at = s.indexOf("\"error\":\"");
    if (at < 0) {
      return s;
    }
    int start = at + 9;
    int end = s.indexOf('"', start);
    return end < 0 ? s.substring(start) : s.substring(start, end);
  }
}
