package herald.bench;

import java.nio.charset.StandardCharsets;

/**
 * Builds the few request frames the generator sends and reads the broker's lines by looking at bytes only:
 * the broker's frames have a fixed shape, so a full JSON parse would make the generator the bottleneck.
 */
final class Frames {

  /** What a line is, from its first bytes. */
  enum Kind { MESSAGE, PUBLISHED, SUBSCRIBED, CONNECTED, AUTHENTICATED, ERROR, OTHER }

  private static final int STATUS_VALUE = "{\"status\":\"".length();
  private static final byte[] SEQ = ascii(",\"seq\":");

  private Frames() {}

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] subscribe(String topic) {
    return ascii("{\"action\":\"subscribe\",\"topic\":\"" + topic + "\"}\n");
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
      case 'a' -> Kind.AUTHENTICATED;
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
