package herald.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns one line (without its {@code \n}) into a {@link Frame} or a {@link DecodeError}. It knows JSON and
 * the protocol's field rules, and nothing about topics, subscribers or the event bus.
 *
 * <p>Each line is parsed exactly once, with Jackson's streaming parser. A publish's message is not turned
 * into objects at all: the decoder records where its JSON text starts and ends and hands on that slice,
 * so the broker delivers exactly the bytes the publisher sent.
 *
 * <p>Not thread-safe (it caches a UTF-8 decoder): use one per connection or per event loop.
 */
public final class FrameDecoder {

  // No STRICT_DUPLICATE_DETECTION: it builds a hash set per object (a tenth of the broker's time in the
  // fan-out profile) and would also police the message, which is the publisher's business. Repeated
  // protocol fields are caught by the field bits below instead.
  private static final JsonFactory JSON = JsonFactory.builder().build();

  // Field bits, so that "is this field allowed for this action" is one mask test.
  private static final int F_ACTION = 1, F_ID = 2, F_TOPIC = 4, F_MESSAGE = 8, F_FROM = 16, F_LAST = 32,
      F_USER = 64, F_PASSWORD = 128, F_TOKEN = 256, F_PATTERN = 512, F_GROUP = 1024, F_ACK_WAIT = 2048,
      F_MAX_IN_FLIGHT = 4096, F_ACK = 8192, F_MAX_DELIVER = 16384, F_SEQ = 32768, F_UPTO = 65536;
  /** The fields that only a group subscription takes. */
  private static final int GROUP_OPTIONS = F_ACK_WAIT | F_MAX_IN_FLIGHT | F_ACK | F_MAX_DELIVER;
  private static final int ALLOWED_SUBSCRIBE = F_ACTION | F_ID | F_TOPIC | F_FROM | F_LAST | F_GROUP | GROUP_OPTIONS;
  private static final int ALLOWED_UNSUBSCRIBE = F_ACTION | F_ID | F_TOPIC | F_GROUP;
  private static final int ALLOWED_ACK = F_ACTION | F_ID | F_TOPIC | F_GROUP | F_SEQ | F_UPTO;
  private static final int ALLOWED_PUBLISH = F_ACTION | F_ID | F_TOPIC | F_MESSAGE;
  private static final int ALLOWED_PING = F_ACTION | F_ID;
  private static final int ALLOWED_STATS = F_ACTION | F_ID;
  private static final int ALLOWED_TOPICS = F_ACTION | F_ID | F_PATTERN;
  private static final int ALLOWED_AUTH = F_ACTION | F_ID | F_USER | F_PASSWORD | F_TOKEN;

  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  /**
   * Decodes one line. Returns null for a blank line (only whitespace), which is not a frame: {@code nc}
   * users press Enter, and some clients send blank lines as keep-alives.
   */
  public Decoded decode(Buffer line) {
    return decode(line, 0, line.length());
  }

  /**
   * Decodes the line that is bytes {@code [start, end)} of {@code source}, where it arrived: the line is
   * read in place, not copied, and a publish's message is a slice of {@code source}.
   */
  public Decoded decode(Buffer source, int start, int end) {
    ByteBuf view = ((BufferInternal) source).getByteBuf();
    byte[] bytes;
    int off;
    if (view.hasArray()) {
      bytes = view.array();
      off = view.arrayOffset() + start;
    } else {
      bytes = source.getBytes(start, end);
      off = 0;
    }
    int len = end - start;
    if (len > 0 && bytes[off + len - 1] == '\r') {
      len--; // accept CRLF line endings
    }
    if (isBlank(bytes, off, len)) {
      return null;
    }
    if (!isAscii(bytes, off, len) && !isUtf8(bytes, off, len)) {
      return new DecodeError(null, ErrorCode.INVALID_UTF8, "frame is not valid UTF-8");
    }
    // Jackson's offsets are relative to off, and so are messageStart/messageEnd below.
    try (JsonParser p = JSON.createParser(bytes, off, len)) {
      return parse(p, bytes, off, source, start);
    } catch (JsonProcessingException e) {
      // Stream-constraint violations (nesting deeper than 1000, numbers longer than 1000 digits) carry no location.
      String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
      return new DecodeError(null, ErrorCode.INVALID_JSON, "malformed JSON" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      // Parsing a byte array does no I/O; a checked exception here is a Jackson bug, reported as bad JSON.
      return new DecodeError(null, ErrorCode.INVALID_JSON, "malformed JSON: " + e.getMessage());
    }
  }

  private Decoded parse(JsonParser p, byte[] bytes, int off, Buffer source, int start) throws IOException {
    JsonToken first = p.nextToken();
    if (first != JsonToken.START_OBJECT) {
      p.skipChildren();
      expectEnd(p);
      return new DecodeError(null, ErrorCode.NOT_AN_OBJECT,
          "a frame must be a JSON object, got " + describe(first));
    }
    int seen = 0;
    String action = null, topic = null, id = null;
    JsonToken actionToken = null, topicToken = null, idToken = null, messageToken = null;
    JsonToken fromToken = null, lastToken = null;
    String fromText = null;
    String user = null, password = null, token = null;
    JsonToken userToken = null, passwordToken = null, tokenToken = null, patternToken = null;
    String pattern = null;
    String group = null, ackText = null;
    JsonToken groupToken = null, ackWaitToken = null, maxInFlightToken = null, ackToken = null, maxDeliverToken = null;
    JsonToken seqToken = null, uptoToken = null;
    long ackWait = 0, maxInFlight = 0, maxDeliver = 0, seq = 0, upto = 0;
    long fromSeq = 0, last = 0;
    int messageStart = 0, messageEnd = 0;
    String unknownField = null;

    String name;
    while ((name = p.nextFieldName()) != null) {
      JsonToken v = p.nextToken();
      switch (name) {
        case "action" -> {
          seen = mark(seen, F_ACTION, p);
          actionToken = v;
          action = v == JsonToken.VALUE_STRING ? p.getText() : null;
        }
        case "topic" -> {
          seen = mark(seen, F_TOPIC, p);
          topicToken = v;
          topic = v == JsonToken.VALUE_STRING ? p.getText() : null;
        }
        case "id" -> {
          seen = mark(seen, F_ID, p);
          idToken = v;
          if (v == JsonToken.VALUE_STRING) {
            int idStart = offset(p);
            p.finishToken();
            id = new String(bytes, off + idStart, offsetAfter(p) - idStart, StandardCharsets.UTF_8);
          } else if (v == JsonToken.VALUE_NUMBER_INT) {
            id = p.getText();
          }
        }
        case "message" -> {
          seen = mark(seen, F_MESSAGE, p);
          messageToken = v;
          messageStart = offset(p);
          if (v == JsonToken.VALUE_STRING) {
            p.finishToken(); // strings are parsed lazily; finish it so the end offset is past the quote
            messageEnd = offsetAfter(p);
          } else if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
            p.skipChildren();
            messageEnd = offsetAfter(p);
          } else {
            messageEnd = messageStart + p.getText().length(); // numbers, true, false, null: ASCII text
          }
        }
        case "from" -> {
          seen = mark(seen, F_FROM, p);
          fromToken = v;
          if (v == JsonToken.VALUE_STRING) {
            fromText = p.getText();
          } else if (v == JsonToken.VALUE_NUMBER_INT) {
            fromSeq = clampedLong(p);
          }
        }
        case "last" -> {
          seen = mark(seen, F_LAST, p);
          lastToken = v;
          last = v == JsonToken.VALUE_NUMBER_INT ? clampedLong(p) : -1;
        }
        case "user" -> {
          seen = mark(seen, F_USER, p);
          userToken = v;
          user = v == JsonToken.VALUE_STRING ? p.getText() : null;
        }
        case "password" -> {
          seen = mark(seen, F_PASSWORD, p);
          passwordToken = v;
          password = v == JsonToken.VALUE_STRING ? p.getText() : null;
        }
        case "pattern" -> {
          seen = mark(seen, F_PATTERN, p);
          patternToken = v;
          pattern = v == JsonToken.VALUE_STRING ? p.getText() : null;
        }
        case "group" -> {
          seen = mark(seen, F_GROUP, p);
          groupToken = v;
          group = v == JsonToken.VALUE_STRING ? p.getText() : null;
        }
        case "ack_wait_ms" -> {
          seen = mark(seen, F_ACK_WAIT, p);
          ackWaitToken = v;
          ackWait = v == JsonToken.VALUE_NUMBER_INT ? clampedLong(p) : -1;
        }
        case "max_in_flight" -> {
          seen = mark(seen, F_MAX_IN_FLIGHT, p);
          maxInFlightToken = v;
          maxInFlight = v == JsonToken.VALUE_NUMBER_INT ? clampedLong(p) : -1;
        }
        case "max_deliver" -> {
          seen = mark(seen, F_MAX_DELIVER, p);
          maxDeliverToken = v;
          maxDeliver = v == JsonToken.VALUE_NUMBER_INT ? clampedLong(p) : -1;
        }
        case "ack" -> {
          seen = mark(seen, F_ACK, p);
          ackToken = v;
          ackText = v == JsonToken.VALUE_STRING ? p.getText() : null;
        }
        case "seq" -> {
          seen = mark(seen, F_SEQ, p);
          seqToken = v;
          seq = v == JsonToken.VALUE_NUMBER_INT ? clampedLong(p) : -1;
        }
        case "upto" -> {
          seen = mark(seen, F_UPTO, p);
          uptoToken = v;
          upto = v == JsonToken.VALUE_NUMBER_INT ? clampedLong(p) : -1;
        }
        case "token" -> {
          seen = mark(seen, F_TOKEN, p);
          tokenToken = v;
          token = v == JsonToken.VALUE_STRING ? p.getText() : null;
        }
        default -> {
          if (unknownField == null) {
            unknownField = name;
          }
        }
      }
      p.skipChildren();
    }
    expectEnd(p);

    // The frame is valid JSON. From here on every error can echo the id, if the id itself is usable.
    if (idToken != null && id == null) {
      return new DecodeError(null, ErrorCode.INVALID_FIELD, "id must be a string or an integer, got " + describe(idToken));
    }
    if (actionToken == null) {
      return new DecodeError(id, ErrorCode.MISSING_ACTION, "frame has no \"action\"");
    }
    if (action == null) {
      return new DecodeError(id, ErrorCode.INVALID_FIELD, "action must be a string, got " + describe(actionToken));
    }
    int allowed = switch (action) {
      case "subscribe" -> ALLOWED_SUBSCRIBE;
      case "unsubscribe" -> ALLOWED_UNSUBSCRIBE;
      case "ack" -> ALLOWED_ACK;
      case "publish" -> ALLOWED_PUBLISH;
      case "ping" -> ALLOWED_PING;
      case "stats" -> ALLOWED_STATS;
      case "topics" -> ALLOWED_TOPICS;
      case "auth" -> ALLOWED_AUTH;
      default -> 0;
    };
    if (allowed == 0) {
      return new DecodeError(id, ErrorCode.UNKNOWN_ACTION,
          "unknown action \"" + action + "\"; expected subscribe, unsubscribe, publish, ack, ping, stats, topics or auth");
    }
    if (unknownField != null) {
      return new DecodeError(id, ErrorCode.UNKNOWN_FIELD, "field \"" + unknownField + "\" is not part of the protocol");
    }
    if ((seen & ~allowed) != 0) {
      return new DecodeError(id, ErrorCode.UNKNOWN_FIELD,
          "field \"" + firstName(seen & ~allowed) + "\" is not allowed in a " + action + " frame");
    }
    if (action.equals("ping")) {
      return new Frame.Ping(id);
    }
    if (action.equals("stats")) {
      return new Frame.Stats(id);
    }
    if (action.equals("topics")) {
      // The pattern's syntax (herald.match.TopicPattern) is checked by the connection: the codec knows JSON only.
      if (patternToken != null && (pattern == null || pattern.isEmpty())) {
        return new DecodeError(id, ErrorCode.INVALID_FIELD, "pattern must be a non-empty string, got "
            + (pattern == null ? describe(patternToken) : "an empty string"));
      }
      return new Frame.Topics(id, pattern);
    }
    if (action.equals("auth")) {
      return auth(id, userToken, user, passwordToken, password, tokenToken, token);
    }
    if (topicToken == null) {
      return new DecodeError(id, ErrorCode.MISSING_TOPIC, action + " needs a \"topic\"");
    }
    if (topic == null) {
      return new DecodeError(id, ErrorCode.INVALID_TOPIC, "topic must be a string, got " + describe(topicToken));
    }
    String problem = action.equals("subscribe") || action.equals("unsubscribe")
        ? TopicName.subscriptionProblem(topic) : TopicName.problem(topic);
    if (problem != null) {
      return new DecodeError(id, ErrorCode.INVALID_TOPIC, problem);
    }
    if (groupToken != null) {
      String groupProblem = group == null ? "must be a string, got " + describe(groupToken) : TopicName.problem(group);
      if (groupProblem != null) {
        return new DecodeError(id, ErrorCode.INVALID_FIELD, "group " + groupProblem.replaceFirst("^topic ", ""));
      }
    } else if ((seen & GROUP_OPTIONS) != 0) {
      return new DecodeError(id, ErrorCode.INVALID_FIELD,
          "ack_wait_ms, max_in_flight, ack and max_deliver are options of a group member: add \"group\"");
    }
    GroupOptions options = null;
    if (group != null && action.equals("subscribe")) {
      if (ackWaitToken != null && (ackWait < GroupOptions.MIN_ACK_WAIT_MS || ackWait > GroupOptions.MAX_ACK_WAIT_MS)) {
        return new DecodeError(id, ErrorCode.INVALID_FIELD, "ack_wait_ms must be an integer from "
            + GroupOptions.MIN_ACK_WAIT_MS + " to " + GroupOptions.MAX_ACK_WAIT_MS);
      }
      if (maxInFlightToken != null && (maxInFlight < 1 || maxInFlight > GroupOptions.MAX_MAX_IN_FLIGHT)) {
        return new DecodeError(id, ErrorCode.INVALID_FIELD,
            "max_in_flight must be an integer from 1 to " + GroupOptions.MAX_MAX_IN_FLIGHT);
      }
      if (maxDeliverToken != null && (maxDeliver < 1 || maxDeliver > GroupOptions.MAX_MAX_DELIVER)) {
        return new DecodeError(id, ErrorCode.INVALID_FIELD,
            "max_deliver must be an integer from 1 to " + GroupOptions.MAX_MAX_DELIVER);
      }
      if (ackToken != null && !"explicit".equals(ackText) && !"none".equals(ackText)) {
        return new DecodeError(id, ErrorCode.INVALID_FIELD, "ack must be \"explicit\" or \"none\"");
      }
      options = new GroupOptions(group, ackWaitToken == null ? GroupOptions.DEFAULT_ACK_WAIT_MS : ackWait,
          maxInFlightToken == null ? GroupOptions.DEFAULT_MAX_IN_FLIGHT : (int) maxInFlight, "none".equals(ackText),
          maxDeliverToken == null ? GroupOptions.DEFAULT_MAX_DELIVER : (int) maxDeliver);
    }
    switch (action) {
      case "ack" -> {
        if (group == null) {
          return new DecodeError(id, ErrorCode.INVALID_FIELD, "ack needs the \"group\" the message came through");
        }
        if ((seqToken == null) == (uptoToken == null)) {
          return new DecodeError(id, ErrorCode.INVALID_FIELD, "ack takes either \"seq\" or \"upto\"");
        }
        long n = seqToken != null ? seq : upto;
        if (n < 1) {
          return new DecodeError(id, ErrorCode.INVALID_FIELD, (seqToken != null ? "seq" : "upto") + " must be an integer of 1 or more");
        }
        return new Frame.Ack(id, topic, group, n, uptoToken != null);
      }
      case "publish" -> {
        if (messageToken == null || messageToken == JsonToken.VALUE_NULL) {
          return new DecodeError(id, ErrorCode.MISSING_MESSAGE, "publish needs a \"message\" that is not null");
        }
        return new Frame.Publish(id, topic, source.slice(start + messageStart, start + messageEnd));
      }
      case "unsubscribe" -> {
        return new Frame.Unsubscribe(id, topic, group);
      }
      default -> {
        if (fromToken != null && lastToken != null) {
          return new DecodeError(id, ErrorCode.INVALID_FIELD, "use either \"from\" or \"last\", not both");
        }
        if (fromToken != null) {
          if ("earliest".equals(fromText)) {
            return new Frame.Subscribe(id, topic, Replay.EARLIEST, options);
          }
          if (fromToken == JsonToken.VALUE_NUMBER_INT && fromSeq >= 1) {
            return new Frame.Subscribe(id, topic, new Replay.From(fromSeq), options);
          }
          return new DecodeError(id, ErrorCode.INVALID_FIELD, "from must be \"earliest\" or a seq of 1 or more");
        }
        if (lastToken != null) {
          if (lastToken == JsonToken.VALUE_NUMBER_INT && last >= 0) {
            return new Frame.Subscribe(id, topic, last == 0 ? Replay.LIVE : new Replay.Last(last), options);
          }
          return new DecodeError(id, ErrorCode.INVALID_FIELD, "last must be an integer of 0 or more");
        }
        return new Frame.Subscribe(id, topic, Replay.LIVE, options);
      }
    }
  }

  /** {@code user} with {@code password}, or {@code token} alone; each a non-empty string. */
  private static Decoded auth(String id, JsonToken userToken, String user, JsonToken passwordToken, String password,
      JsonToken tokenToken, String token) {
    if (tokenToken != null) {
      if (userToken != null || passwordToken != null) {
        return new DecodeError(id, ErrorCode.INVALID_FIELD, "auth takes \"token\" alone, or \"user\" with \"password\"");
      }
      if (token == null || token.isEmpty()) {
        return new DecodeError(id, ErrorCode.INVALID_FIELD, "token must be a non-empty string");
      }
      return new Frame.Auth(id, null, null, token);
    }
    if (userToken == null || passwordToken == null) {
      return new DecodeError(id, ErrorCode.INVALID_FIELD, "auth needs \"user\" with \"password\", or \"token\"");
    }
    if (user == null || user.isEmpty()) {
      return new DecodeError(id, ErrorCode.INVALID_FIELD, "user must be a non-empty string");
    }
    if (password == null) {
      return new DecodeError(id, ErrorCode.INVALID_FIELD, "password must be a string");
    }
    return new Frame.Auth(id, user, password, null);
  }

  /**
   * An integer token as a long, one beyond a long's range clamped to it with its sign kept: it is still
   * "an integer >= 1" (or "< 0") as the protocol says, and must never read as 0.
   */
  private static long clampedLong(JsonParser p) throws IOException {
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      return p.getBigIntegerValue().signum() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return p.getLongValue();
  }

  /**
   * Two "topic" keys in one frame are almost certainly a client bug: say so instead of picking one.
   */
  private static int mark(int seen, int bit, JsonParser p) throws JsonParseException {
    if ((seen & bit) != 0) {
      throw new JsonParseException(p, "duplicate field \"" + currentName(p) + "\"");
    }
    return seen | bit;
  }

  private static String currentName(JsonParser p) {
    try {
      return p.currentName();
    } catch (IOException e) {
      return "?";
    }
  }

  private static void expectEnd(JsonParser p) throws IOException {
    if (p.nextToken() != null) {
      throw new JsonProcessingException("trailing data after the JSON value", p.currentTokenLocation()) {};
    }
  }

  private static int offset(JsonParser p) {
    return (int) p.currentTokenLocation().getByteOffset();
  }

  private static int offsetAfter(JsonParser p) {
    return (int) p.currentLocation().getByteOffset();
  }

  private static String firstName(int bits) {
    if ((bits & F_TOPIC) != 0) return "topic";
    if ((bits & F_MESSAGE) != 0) return "message";
    if ((bits & F_FROM) != 0) return "from";
    if ((bits & F_LAST) != 0) return "last";
    if ((bits & F_USER) != 0) return "user";
    if ((bits & F_PASSWORD) != 0) return "password";
    if ((bits & F_PATTERN) != 0) return "pattern";
    return "token";
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.asString();
    };
  }

  private static boolean isBlank(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
        return false;
      }
    }
    return true;
  }

  private static boolean isAscii(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private boolean isUtf8(byte[] b, int off, int len) {
    try {
      utf8.reset().decode(ByteBuffer.wrap(b, off, len));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
