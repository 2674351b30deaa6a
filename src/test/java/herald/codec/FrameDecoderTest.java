package herald.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder, one line at a time. Every malformed line maps to exactly one error code, and errors raised
 * after the JSON was read echo the request's raw id; every valid line maps to exactly one frame.
 */
class FrameDecoderTest {

  private static final String LONG_TOPIC = "t".repeat(TopicName.MAX_LENGTH);
  private static final String TOO_LONG_TOPIC = "t".repeat(TopicName.MAX_LENGTH + 1);

  private final FrameDecoder decoder = new FrameDecoder();

  private Decoded decode(String line) {
    return decoder.decode(Buffer.buffer(line, "UTF-8"));
  }

  private Decoded decode(byte[] line) {
    return decoder.decode(Buffer.buffer(line));
  }

  private static Arguments error(String name, String line, ErrorCode code, String id) {
    return Arguments.of(named(name, line), code, id);
  }

  // ---------------------------------------------------------------------------------------------------
  // Malformed lines

  static Stream<Arguments> malformedLines() {
    return Stream.of(
        // Malformed JSON: never an id, the parser could not be trusted with it.
        error("truncated object", "{\"action\":\"ping\"", ErrorCode.INVALID_JSON, null),
        error("truncated object after comma", "{\"action\":\"ping\",", ErrorCode.INVALID_JSON, null),
        error("truncated string", "{\"action\":\"pi", ErrorCode.INVALID_JSON, null),
        error("lone open brace", "{", ErrorCode.INVALID_JSON, null),
        error("lone close brace", "}", ErrorCode.INVALID_JSON, null),
        error("missing colon", "{\"action\" \"ping\"}", ErrorCode.INVALID_JSON, null),
        error("missing comma", "{\"action\":\"ping\" \"id\":1}", ErrorCode.INVALID_JSON, null),
        error("trailing comma", "{\"action\":\"ping\",}", ErrorCode.INVALID_JSON, null),
        error("single quotes", "{'action':'ping'}", ErrorCode.INVALID_JSON, null),
        error("unquoted key", "{action:\"ping\"}", ErrorCode.INVALID_JSON, null),
        error("bare word", "ping", ErrorCode.INVALID_JSON, null),
        error("trailing garbage after the object", "{\"action\":\"ping\"} x", ErrorCode.INVALID_JSON, null),
        error("extra close brace", "{\"action\":\"ping\"}}", ErrorCode.INVALID_JSON, null),
        error("two objects on one line", "{\"action\":\"ping\"}{\"action\":\"ping\"}", ErrorCode.INVALID_JSON, null),
        error("two objects separated by a space", "{\"action\":\"ping\"} {\"action\":\"ping\"}",
            ErrorCode.INVALID_JSON, null),
        error("object then number", "{\"action\":\"ping\"} 1", ErrorCode.INVALID_JSON, null),
        error("comment after the object", "{\"action\":\"ping\"} // hi", ErrorCode.INVALID_JSON, null),
        error("NaN message", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":NaN}", ErrorCode.INVALID_JSON, null),
        error("number with a leading zero", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":01}",
            ErrorCode.INVALID_JSON, null),
        error("unescaped tab inside a string", "{\"action\":\"ping\",\"id\":\"a\tb\"}", ErrorCode.INVALID_JSON, null),
        error("bad escape inside a string", "{\"action\":\"ping\",\"id\":\"a\\qb\"}", ErrorCode.INVALID_JSON, null),
        error("truncated message object", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":{\"a\":1}",
            ErrorCode.INVALID_JSON, null),
        error("id before the syntax error is not echoed", "{\"id\":\"x\",\"action\":\"ping\"",
            ErrorCode.INVALID_JSON, null),
        error("duplicate key", "{\"action\":\"ping\",\"action\":\"ping\"}", ErrorCode.INVALID_JSON, null),
        error("duplicate topic key", "{\"id\":1,\"action\":\"publish\",\"topic\":\"a\",\"topic\":\"b\",\"message\":1}",
            ErrorCode.INVALID_JSON, null),
        error("duplicate id key", "{\"id\":1,\"id\":2,\"action\":\"ping\"}", ErrorCode.INVALID_JSON, null),
        error("truncated array", "[1,2", ErrorCode.INVALID_JSON, null),

        // Valid JSON that is not an object.
        error("empty array", "[]", ErrorCode.NOT_AN_OBJECT, null),
        error("array holding a frame", "[{\"action\":\"ping\"}]", ErrorCode.NOT_AN_OBJECT, null),
        error("string", "\"ping\"", ErrorCode.NOT_AN_OBJECT, null),
        error("number", "42", ErrorCode.NOT_AN_OBJECT, null),
        error("float", "-1.5e3", ErrorCode.NOT_AN_OBJECT, null),
        error("null", "null", ErrorCode.NOT_AN_OBJECT, null),
        error("true", "true", ErrorCode.NOT_AN_OBJECT, null),
        error("false", "false", ErrorCode.NOT_AN_OBJECT, null),
        error("array then garbage", "[] x", ErrorCode.INVALID_JSON, null),

        // Action.
        error("empty object has no action", "{}", ErrorCode.MISSING_ACTION, null),
        error("missing action echoes the integer id", "{\"id\":7,\"topic\":\"t\"}", ErrorCode.MISSING_ACTION, "7"),
        error("missing action echoes the string id", "{\"id\":\"r1\"}", ErrorCode.MISSING_ACTION, "\"r1\""),
        error("action as a number", "{\"action\":1,\"id\":\"a\"}", ErrorCode.INVALID_FIELD, "\"a\""),
        error("action as null", "{\"action\":null}", ErrorCode.INVALID_FIELD, null),
        error("action as an array", "{\"action\":[\"ping\"],\"id\":2}", ErrorCode.INVALID_FIELD, "2"),
        error("action as an object", "{\"action\":{\"name\":\"ping\"}}", ErrorCode.INVALID_FIELD, null),
        error("action as a boolean", "{\"action\":true}", ErrorCode.INVALID_FIELD, null),
        error("unknown action", "{\"action\":\"fetch\",\"id\":3}", ErrorCode.UNKNOWN_ACTION, "3"),
        error("action is case-sensitive", "{\"action\":\"Ping\"}", ErrorCode.UNKNOWN_ACTION, null),
        error("empty action", "{\"action\":\"\"}", ErrorCode.UNKNOWN_ACTION, null),
        error("unknown action wins over an unknown field", "{\"action\":\"x\",\"foo\":1}", ErrorCode.UNKNOWN_ACTION, null),

        // Topic presence and type.
        error("subscribe without topic", "{\"action\":\"subscribe\",\"id\":\"s\"}", ErrorCode.MISSING_TOPIC, "\"s\""),
        error("unsubscribe without topic", "{\"action\":\"unsubscribe\"}", ErrorCode.MISSING_TOPIC, null),
        error("publish without topic", "{\"action\":\"publish\",\"message\":1,\"id\":9}", ErrorCode.MISSING_TOPIC, "9"),
        error("empty topic", "{\"action\":\"subscribe\",\"topic\":\"\",\"id\":1}", ErrorCode.INVALID_TOPIC, "1"),
        error("topic as a number", "{\"action\":\"subscribe\",\"topic\":42}", ErrorCode.INVALID_TOPIC, null),
        error("topic as an object", "{\"action\":\"publish\",\"topic\":{\"a\":1},\"message\":1}",
            ErrorCode.INVALID_TOPIC, null),
        error("topic as null", "{\"action\":\"unsubscribe\",\"topic\":null,\"id\":\"u\"}", ErrorCode.INVALID_TOPIC, "\"u\""),
        error("topic as an array", "{\"action\":\"subscribe\",\"topic\":[\"a\"]}", ErrorCode.INVALID_TOPIC, null),
        error("topic as a boolean", "{\"action\":\"subscribe\",\"topic\":true}", ErrorCode.INVALID_TOPIC, null),

        // Topic naming rules.
        error("topic with a leading dot", "{\"action\":\"subscribe\",\"topic\":\".a\"}", ErrorCode.INVALID_TOPIC, null),
        error("topic with a trailing dot", "{\"action\":\"subscribe\",\"topic\":\"a.\"}", ErrorCode.INVALID_TOPIC, null),
        error("topic with a double dot", "{\"action\":\"subscribe\",\"topic\":\"a..b\"}", ErrorCode.INVALID_TOPIC, null),
        error("topic that is one dot", "{\"action\":\"subscribe\",\"topic\":\".\"}", ErrorCode.INVALID_TOPIC, null),
        error("topic with a space", "{\"action\":\"publish\",\"topic\":\"a b\",\"message\":1,\"id\":5}",
            ErrorCode.INVALID_TOPIC, "5"),
        error("publish to a topic with a star", "{\"action\":\"publish\",\"topic\":\"a.*\",\"message\":1}", ErrorCode.INVALID_TOPIC, null),
        error("publish to a topic with a greater-than", "{\"action\":\"publish\",\"topic\":\"a.>\",\"message\":1}", ErrorCode.INVALID_TOPIC, null),
        error("group options without a group", "{\"action\":\"subscribe\",\"topic\":\"t\",\"max_in_flight\":5}", ErrorCode.INVALID_FIELD, null),
        error("a group that is not a name", "{\"action\":\"subscribe\",\"topic\":\"t\",\"group\":\"a b\"}", ErrorCode.INVALID_FIELD, null),
        error("a group that is not a string", "{\"action\":\"subscribe\",\"topic\":\"t\",\"group\":3}", ErrorCode.INVALID_FIELD, null),
        error("max_in_flight 0", "{\"action\":\"subscribe\",\"topic\":\"t\",\"group\":\"g\",\"max_in_flight\":0}", ErrorCode.INVALID_FIELD, null),
        error("ack_wait_ms too short", "{\"action\":\"subscribe\",\"topic\":\"t\",\"group\":\"g\",\"ack_wait_ms\":99}", ErrorCode.INVALID_FIELD, null),
        error("ack neither explicit nor none", "{\"action\":\"subscribe\",\"topic\":\"t\",\"group\":\"g\",\"ack\":\"auto\"}", ErrorCode.INVALID_FIELD, null),
        error("max_deliver 0", "{\"action\":\"subscribe\",\"topic\":\"t\",\"group\":\"g\",\"max_deliver\":0}", ErrorCode.INVALID_FIELD, null),
        error("ack without a group", "{\"action\":\"ack\",\"topic\":\"t\",\"seq\":1}", ErrorCode.INVALID_FIELD, null),
        error("ack with seq and upto", "{\"action\":\"ack\",\"topic\":\"t\",\"group\":\"g\",\"seq\":1,\"upto\":2}", ErrorCode.INVALID_FIELD, null),
        error("ack with neither seq nor upto", "{\"action\":\"ack\",\"topic\":\"t\",\"group\":\"g\"}", ErrorCode.INVALID_FIELD, null),
        error("ack of seq 0", "{\"action\":\"ack\",\"topic\":\"t\",\"group\":\"g\",\"seq\":0}", ErrorCode.INVALID_FIELD, null),
        error("ack on a pattern", "{\"action\":\"ack\",\"topic\":\"t.*\",\"group\":\"g\",\"seq\":1}", ErrorCode.INVALID_TOPIC, null),
        error("ack without a topic", "{\"action\":\"ack\",\"group\":\"g\",\"seq\":1}", ErrorCode.MISSING_TOPIC, null),
        error("group on a publish", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":1,\"group\":\"g\"}", ErrorCode.UNKNOWN_FIELD, null),
        error("subscribe to a star inside a token", "{\"action\":\"subscribe\",\"topic\":\"a*\"}", ErrorCode.INVALID_TOPIC, null),
        error("unsubscribe from a greater-than before the end", "{\"action\":\"unsubscribe\",\"topic\":\"a.>.b\"}", ErrorCode.INVALID_TOPIC, null),
        error("topic with non-ASCII letters", "{\"action\":\"subscribe\",\"topic\":\"t\u00f3pico\"}",
            ErrorCode.INVALID_TOPIC, null),
        error("topic with an escaped non-ASCII letter", "{\"action\":\"subscribe\",\"topic\":\"t\\u00f3pico\"}",
            ErrorCode.INVALID_TOPIC, null),
        error("topic with an escaped NUL", "{\"action\":\"subscribe\",\"topic\":\"a\\u0000b\"}",
            ErrorCode.INVALID_TOPIC, null),
        error("topic with a slash", "{\"action\":\"subscribe\",\"topic\":\"a/b\"}", ErrorCode.INVALID_TOPIC, null),
        error("topic of 256 characters", "{\"action\":\"subscribe\",\"topic\":\"" + TOO_LONG_TOPIC + "\"}",
            ErrorCode.INVALID_TOPIC, null),

        // Publish message.
        error("publish without message", "{\"action\":\"publish\",\"topic\":\"t\",\"id\":\"p\"}",
            ErrorCode.MISSING_MESSAGE, "\"p\""),
        error("publish with a null message", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":null}",
            ErrorCode.MISSING_MESSAGE, null),

        // Fields.
        error("unknown field", "{\"action\":\"ping\",\"foo\":1,\"id\":1}", ErrorCode.UNKNOWN_FIELD, "1"),
        error("field names are case-sensitive",
            "{\"action\":\"publish\",\"topic\":\"t\",\"message\":1,\"Message\":2}", ErrorCode.UNKNOWN_FIELD, null),
        error("unknown field wins over a missing topic", "{\"action\":\"subscribe\",\"x\":1}", ErrorCode.UNKNOWN_FIELD, null),
        error("message on subscribe", "{\"action\":\"subscribe\",\"topic\":\"t\",\"message\":1}", ErrorCode.UNKNOWN_FIELD, null),
        error("from on publish", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":1,\"from\":1,\"id\":4}",
            ErrorCode.UNKNOWN_FIELD, "4"),
        error("last on publish", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":1,\"last\":1}",
            ErrorCode.UNKNOWN_FIELD, null),
        error("from on unsubscribe", "{\"action\":\"unsubscribe\",\"topic\":\"t\",\"from\":1}", ErrorCode.UNKNOWN_FIELD, null),
        error("message on unsubscribe", "{\"action\":\"unsubscribe\",\"topic\":\"t\",\"message\":1}",
            ErrorCode.UNKNOWN_FIELD, null),
        error("topic on ping", "{\"action\":\"ping\",\"topic\":\"t\"}", ErrorCode.UNKNOWN_FIELD, null),
        error("message on ping", "{\"action\":\"ping\",\"message\":1}", ErrorCode.UNKNOWN_FIELD, null),
        error("topic on stats", "{\"action\":\"stats\",\"topic\":\"t\",\"id\":8}", ErrorCode.UNKNOWN_FIELD, "8"),
        error("unknown field on stats", "{\"action\":\"stats\",\"node\":\"n\"}", ErrorCode.UNKNOWN_FIELD, null),
        error("stats is case-sensitive", "{\"action\":\"Stats\"}", ErrorCode.UNKNOWN_ACTION, null),
        error("topic on topics", "{\"action\":\"topics\",\"topic\":\"t\",\"id\":3}", ErrorCode.UNKNOWN_FIELD, "3"),
        error("pattern on stats", "{\"action\":\"stats\",\"pattern\":\"a.>\"}", ErrorCode.UNKNOWN_FIELD, null),
        error("pattern on subscribe", "{\"action\":\"subscribe\",\"topic\":\"t\",\"pattern\":\"a\"}",
            ErrorCode.UNKNOWN_FIELD, null),
        error("topics pattern a number", "{\"action\":\"topics\",\"pattern\":5,\"id\":\"q\"}",
            ErrorCode.INVALID_FIELD, "\"q\""),
        error("topics pattern null", "{\"action\":\"topics\",\"pattern\":null}", ErrorCode.INVALID_FIELD, null),
        error("topics pattern empty", "{\"action\":\"topics\",\"pattern\":\"\"}", ErrorCode.INVALID_FIELD, null),
        error("two patterns", "{\"action\":\"topics\",\"pattern\":\"a\",\"pattern\":\"b\"}",
            ErrorCode.INVALID_JSON, null),
        error("not-allowed field wins over a missing topic", "{\"action\":\"unsubscribe\",\"last\":1}",
            ErrorCode.UNKNOWN_FIELD, null),

        // Replay.
        error("from and last both given", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":1,\"last\":1,\"id\":\"b\"}",
            ErrorCode.INVALID_FIELD, "\"b\""),
        error("from 0", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":0}", ErrorCode.INVALID_FIELD, null),
        error("from negative", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":-1}", ErrorCode.INVALID_FIELD, null),
        error("from latest", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":\"latest\"}", ErrorCode.INVALID_FIELD, null),
        error("from Earliest is case-sensitive", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":\"Earliest\"}",
            ErrorCode.INVALID_FIELD, null),
        error("from float", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":1.5}", ErrorCode.INVALID_FIELD, null),
        error("from integral float", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":2.0}", ErrorCode.INVALID_FIELD, null),
        error("from exponent", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":1e3}", ErrorCode.INVALID_FIELD, null),
        error("from numeric string", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":\"1\"}", ErrorCode.INVALID_FIELD, null),
        error("from null", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":null}", ErrorCode.INVALID_FIELD, null),
        error("from true", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":true}", ErrorCode.INVALID_FIELD, null),
        error("from below minus a long", "{\"action\":\"subscribe\",\"topic\":\"t\",\"from\":-99999999999999999999}",
            ErrorCode.INVALID_FIELD, null),
        error("last -1", "{\"action\":\"subscribe\",\"topic\":\"t\",\"last\":-1,\"id\":12}", ErrorCode.INVALID_FIELD, "12"),
        error("last x", "{\"action\":\"subscribe\",\"topic\":\"t\",\"last\":\"x\"}", ErrorCode.INVALID_FIELD, null),
        error("last float", "{\"action\":\"subscribe\",\"topic\":\"t\",\"last\":1.5}", ErrorCode.INVALID_FIELD, null),
        error("last null", "{\"action\":\"subscribe\",\"topic\":\"t\",\"last\":null}", ErrorCode.INVALID_FIELD, null),
        error("last numeric string", "{\"action\":\"subscribe\",\"topic\":\"t\",\"last\":\"5\"}", ErrorCode.INVALID_FIELD, null),
        error("last below minus a long", "{\"action\":\"subscribe\",\"topic\":\"t\",\"last\":-99999999999999999999}",
            ErrorCode.INVALID_FIELD, null),
        error("last minus the largest long", "{\"action\":\"subscribe\",\"topic\":\"t\",\"last\":-9223372036854775808}",
            ErrorCode.INVALID_FIELD, null),

        // Id of a wrong type: the id cannot be echoed, so the error has none.
        error("id as an object", "{\"action\":\"ping\",\"id\":{\"n\":1}}", ErrorCode.INVALID_FIELD, null),
        error("id as a float", "{\"action\":\"ping\",\"id\":1.5}", ErrorCode.INVALID_FIELD, null),
        error("id as an exponent", "{\"action\":\"ping\",\"id\":1e2}", ErrorCode.INVALID_FIELD, null),
        error("id as a boolean", "{\"action\":\"ping\",\"id\":true}", ErrorCode.INVALID_FIELD, null),
        error("id as null", "{\"action\":\"ping\",\"id\":null}", ErrorCode.INVALID_FIELD, null),
        error("id as an array", "{\"action\":\"ping\",\"id\":[1]}", ErrorCode.INVALID_FIELD, null),
        error("bad id wins over a missing action", "{\"id\":false}", ErrorCode.INVALID_FIELD, null),
        error("bad id wins over an unknown action", "{\"action\":\"nope\",\"id\":0.5}", ErrorCode.INVALID_FIELD, null),

        // auth: user with password, or token alone.
        error("auth with nothing", "{\"action\":\"auth\",\"id\":1}", ErrorCode.INVALID_FIELD, "1"),
        error("auth with a user and no password", "{\"action\":\"auth\",\"user\":\"a\"}", ErrorCode.INVALID_FIELD, null),
        error("auth with a password and no user", "{\"action\":\"auth\",\"password\":\"p\"}", ErrorCode.INVALID_FIELD, null),
        error("auth with an empty user", "{\"action\":\"auth\",\"user\":\"\",\"password\":\"p\"}",
            ErrorCode.INVALID_FIELD, null),
        error("auth with a numeric password", "{\"action\":\"auth\",\"user\":\"a\",\"password\":1}",
            ErrorCode.INVALID_FIELD, null),
        error("auth with a token and a user", "{\"action\":\"auth\",\"token\":\"t\",\"user\":\"a\",\"password\":\"p\"}",
            ErrorCode.INVALID_FIELD, null),
        error("auth with an empty token", "{\"action\":\"auth\",\"token\":\"\"}", ErrorCode.INVALID_FIELD, null),
        error("auth with a token object", "{\"action\":\"auth\",\"token\":{}}", ErrorCode.INVALID_FIELD, null),
        error("auth with a topic", "{\"action\":\"auth\",\"token\":\"t\",\"topic\":\"x\"}", ErrorCode.UNKNOWN_FIELD, null),
        error("a password in a publish", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":1,\"password\":\"p\"}",
            ErrorCode.UNKNOWN_FIELD, null),
        error("a repeated password", "{\"action\":\"auth\",\"user\":\"a\",\"password\":\"p\",\"password\":\"q\"}",
            ErrorCode.INVALID_JSON, null));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("malformedLines")
  void malformedLineIsAnsweredWithItsErrorCode(String line, ErrorCode code, String id) {
    Decoded decoded = decode(line);

    assertThat(decoded).isInstanceOf(DecodeError.class);
    DecodeError error = (DecodeError) decoded;
    assertThat(error.code()).isEqualTo(code);
    assertThat(error.id()).isEqualTo(id);
    assertThat(error.detail()).isNotBlank();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("malformedLines")
  void malformedLineWithCrlfIsTheSameError(String line, ErrorCode code, String id) {
    Decoded decoded = decode(line + "\r");

    assertThat(decoded).isEqualTo(decode(line));
  }

  static Stream<Arguments> invalidUtf8() {
    return Stream.of(
        Arguments.of(named("C3 28 (lead byte then ASCII) in a message",
            frameAround("{\"action\":\"publish\",\"topic\":\"t\",\"message\":\"", "c328", "\"}"))),
        Arguments.of(named("lone FF", frameAround("{\"action\":\"ping\",\"id\":\"", "ff", "\"}"))),
        Arguments.of(named("lone FE", frameAround("{\"action\":\"ping\",\"id\":\"", "fe", "\"}"))),
        Arguments.of(named("overlong slash C0 AF", frameAround("{\"action\":\"ping\",\"id\":\"", "c0af", "\"}"))),
        Arguments.of(named("overlong NUL C0 80", frameAround("{\"action\":\"ping\",\"id\":\"", "c080", "\"}"))),
        Arguments.of(named("overlong three bytes E0 80 AF", frameAround("{\"action\":\"ping\",\"id\":\"", "e080af", "\"}"))),
        Arguments.of(named("encoded surrogate ED A0 80", frameAround("{\"action\":\"ping\",\"id\":\"", "eda080", "\"}"))),
        Arguments.of(named("beyond U+10FFFF F4 90 80 80",
            frameAround("{\"action\":\"ping\",\"id\":\"", "f4908080", "\"}"))),
        Arguments.of(named("lone continuation byte 80", frameAround("{\"action\":\"ping\",\"id\":\"", "80", "\"}"))),
        Arguments.of(named("truncated sequence E2 82 before the quote",
            frameAround("{\"action\":\"ping\",\"id\":\"", "e282", "\"}"))),
        Arguments.of(named("truncated sequence at the end of the line", frameAround("{\"action\":\"ping\"}", "e282", ""))),
        Arguments.of(named("invalid byte in a topic",
            frameAround("{\"action\":\"subscribe\",\"topic\":\"a", "ff", "\"}"))),
        Arguments.of(named("invalid byte in broken JSON", frameAround("{\"action\":", "c328", ""))),
        Arguments.of(named("invalid byte outside any string", frameAround("{\"action\":\"ping\"}", "ff", ""))),
        Arguments.of(named("invalid byte then CR", frameAround("{\"action\":\"ping\",\"id\":\"", "ff", "\"}\r"))));
  }

  private static byte[] frameAround(String before, String hex, String after) {
    Buffer b = Buffer.buffer().appendString(before).appendBytes(HexFormat.of().parseHex(hex)).appendString(after);
    return b.getBytes();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidUtf8")
  void invalidUtf8IsInvalidUtf8WithoutAnId(byte[] line) {
    Decoded decoded = decode(line);

    assertThat(decoded).isEqualTo(new DecodeError(null, ErrorCode.INVALID_UTF8, "frame is not valid UTF-8"));
  }

  @Test
  void validFourByteUtf8IsNotMistakenForInvalid() {
    Decoded decoded = decode(frameAround("{\"action\":\"ping\",\"id\":\"", "f09f9880", "\"}"));

    assertThat(decoded).isEqualTo(new Frame.Ping("\"\uD83D\uDE00\""));
  }

  @Test
  void malformedJsonDetailSaysWhere() {
    DecodeError error = (DecodeError) decode("{\"action\":\"ping\"} x");

    assertThat(error.detail()).startsWith("malformed JSON at column ");
  }

  @Test
  void unknownFieldDetailNamesTheField() {
    DecodeError error = (DecodeError) decode("{\"action\":\"ping\",\"colour\":1}");

    assertThat(error.detail()).isEqualTo("field \"colour\" is not part of the protocol");
  }

  @Test
  void fieldNotAllowedDetailNamesFieldAndAction() {
    DecodeError error = (DecodeError) decode("{\"action\":\"publish\",\"topic\":\"t\",\"message\":1,\"from\":1}");

    assertThat(error.detail()).isEqualTo("field \"from\" is not allowed in a publish frame");
  }

  @Test
  void notAnObjectDetailSaysWhatItGot() {
    assertThat(((DecodeError) decode("[1]")).detail()).isEqualTo("a frame must be a JSON object, got an array");
    assertThat(((DecodeError) decode("null")).detail()).isEqualTo("a frame must be a JSON object, got null");
  }

  @Test
  void publishWithoutMessageIsMissingMessage() {
    assertThat(decode("{\"action\":\"publish\",\"topic\":\"t\"}")).isEqualTo(
        new DecodeError(null, ErrorCode.MISSING_MESSAGE, "publish needs a \"message\" that is not null"));
  }

  @Test
  void groupSubscribeCarriesItsOptionsWithDefaultsForThoseLeftOut() {
    assertThat(decode("{\"action\":\"subscribe\",\"topic\":\"jobs\",\"group\":\"w\"}")).isEqualTo(new Frame.Subscribe(null,
        "jobs", Replay.LIVE, new GroupOptions("w", GroupOptions.DEFAULT_ACK_WAIT_MS, GroupOptions.DEFAULT_MAX_IN_FLIGHT,
            false, GroupOptions.DEFAULT_MAX_DELIVER)));
    assertThat(decode("{\"action\":\"subscribe\",\"topic\":\"jobs\",\"group\":\"w\",\"ack_wait_ms\":500,"
        + "\"max_in_flight\":7,\"ack\":\"none\",\"max_deliver\":2,\"from\":3}"))
        .isEqualTo(new Frame.Subscribe(null, "jobs", new Replay.From(3), new GroupOptions("w", 500, 7, true, 2)));
    assertThat(decode("{\"action\":\"ack\",\"topic\":\"jobs\",\"group\":\"w\",\"upto\":9,\"id\":4}"))
        .isEqualTo(new Frame.Ack("4", "jobs", "w", 9, true));
    assertThat(decode("{\"action\":\"unsubscribe\",\"topic\":\"jobs\",\"group\":\"w\"}"))
        .isEqualTo(new Frame.Unsubscribe(null, "jobs", "w"));
  }

  @Test
  void fromAndLastTogetherIsInvalidField() {
    assertThat(decode("{\"action\":\"subscribe\",\"topic\":\"t\",\"last\":2,\"from\":\"earliest\"}")).isEqualTo(
        new DecodeError(null, ErrorCode.INVALID_FIELD, "use either \"from\" or \"last\", not both"));
  }

  /**
   * The message is opaque to the broker: a repeated key inside it is the publisher's business (JSON allows
   * it), so it is delivered as sent. Repeated protocol fields are refused (see the malformed table).
   */
  @Test
  void duplicateKeyInsideTheMessageIsDeliveredAsSent() {
    Frame.Publish publish = (Frame.Publish) decode("{\"action\":\"publish\",\"topic\":\"t\",\"message\":{\"a\":1,\"a\":2}}");

    assertThat(publish.message().toString()).isEqualTo("{\"a\":1,\"a\":2}");
  }

  /** Jackson's stream constraints (nesting depth, number length) must come back as an error, not throw. */
  @Test
  void messageNestedDeeperThanTheParserAllowsIsInvalidJson() {
    String deep = "[".repeat(2_000) + "]".repeat(2_000);

    Decoded decoded = decode("{\"action\":\"publish\",\"topic\":\"t\",\"message\":" + deep + "}");

    assertThat(decoded).isInstanceOf(DecodeError.class);
    assertThat(((DecodeError) decoded).code()).isEqualTo(ErrorCode.INVALID_JSON);
  }

  @Test
  void numberLongerThanTheParserAllowsIsInvalidJson() {
    String digits = "1".repeat(5_000);

    Decoded decoded = decode("{\"action\":\"publish\",\"topic\":\"t\",\"message\":" + digits + "}");

    assertThat(decoded).isInstanceOf(DecodeError.class);
    assertThat(((DecodeError) decoded).code()).isEqualTo(ErrorCode.INVALID_JSON);
  }

  // ---------------------------------------------------------------------------------------------------
  // Valid frames

  private static Arguments valid(String name, String line, Frame expected) {
    return Arguments.of(named(name, line), expected);
  }

  private static Frame.Publish publish(String id, String topic, String rawMessage) {
    return new Frame.Publish(id, topic, Buffer.buffer(rawMessage, "UTF-8"));
  }

  static Stream<Arguments> validFrames() {
    return Stream.of(
        valid("ping", "{\"action\":\"ping\"}", new Frame.Ping(null)),
        valid("ping with a string id", "{\"action\":\"ping\",\"id\":\"p-1\"}", new Frame.Ping("\"p-1\"")),
        valid("ping with an integer id first", "{\"id\":42,\"action\":\"ping\"}", new Frame.Ping("42")),
        valid("ping with a negative id", "{\"action\":\"ping\",\"id\":-7}", new Frame.Ping("-7")),
        valid("ping with id 0", "{\"action\":\"ping\",\"id\":0}", new Frame.Ping("0")),
        valid("ping with an integer id beyond a long", "{\"action\":\"ping\",\"id\":123456789012345678901234567890}",
            new Frame.Ping("123456789012345678901234567890")),
        valid("string id with escapes is echoed raw", "{\"action\":\"ping\",\"id\":\"a\\\"b\\u00e9\\n\"}",
            new Frame.Ping("\"a\\\"b\\u00e9\\n\"")),
        valid("string id with UTF-8 is echoed raw", "{\"action\":\"ping\",\"id\":\"\u00e9\u4e2d\"}",
            new Frame.Ping("\"\u00e9\u4e2d\"")),
        valid("empty string id", "{\"action\":\"ping\",\"id\":\"\"}", new Frame.Ping("\"\"")),
        valid("whitespace everywhere", "  { \"action\" : \"ping\" ,\t\"id\" : \"x\" }  ", new Frame.Ping("\"x\"")),
        valid("ping with CRLF", "{\"action\":\"ping\",\"id\":1}\r", new Frame.Ping("1")),
        valid("stats", "{\"action\":\"stats\"}", new Frame.Stats(null)),
        valid("stats with a string id", "{\"id\":\"s-1\",\"action\":\"stats\"}", new Frame.Stats("\"s-1\"")),
        valid("topics", "{\"action\":\"topics\"}", new Frame.Topics(null, null)),
        valid("topics with a pattern and an id", "{\"action\":\"topics\",\"pattern\":\"orders.>\",\"id\":1}",
            new Frame.Topics("1", "orders.>")),
        valid("topics' pattern syntax is the connection's to check", "{\"action\":\"topics\",\"pattern\":\"a..b\"}",
            new Frame.Topics(null, "a..b")),
        valid("auth with a user and password", "{\"action\":\"auth\",\"user\":\"alice\",\"password\":\"p\\\"w\",\"id\":3}",
            new Frame.Auth("3", "alice", "p\"w", null)),
        valid("auth with an empty password", "{\"action\":\"auth\",\"user\":\"alice\",\"password\":\"\"}",
            new Frame.Auth(null, "alice", "", null)),
        valid("auth with a token", "{\"action\":\"auth\",\"token\":\"eyJ.a.b\"}", new Frame.Auth(null, null, null, "eyJ.a.b")),

        valid("subscribe is live by default", "{\"action\":\"subscribe\",\"topic\":\"orders.eu\"}",
            new Frame.Subscribe(null, "orders.eu", Replay.LIVE)),
        valid("subscribe with an id", "{\"action\":\"subscribe\",\"topic\":\"a\",\"id\":\"s1\"}",
            new Frame.Subscribe("\"s1\"", "a", Replay.LIVE)),
        valid("subscribe from earliest", "{\"action\":\"subscribe\",\"topic\":\"a\",\"from\":\"earliest\",\"id\":3}",
            new Frame.Subscribe("3", "a", Replay.EARLIEST)),
        valid("subscribe from 1", "{\"action\":\"subscribe\",\"topic\":\"a\",\"from\":1}",
            new Frame.Subscribe(null, "a", new Replay.From(1))),
        valid("subscribe from 17", "{\"action\":\"subscribe\",\"topic\":\"a\",\"from\":17}",
            new Frame.Subscribe(null, "a", new Replay.From(17))),
        valid("subscribe from the largest long", "{\"action\":\"subscribe\",\"topic\":\"a\",\"from\":9223372036854775807}",
            new Frame.Subscribe(null, "a", new Replay.From(Long.MAX_VALUE))),
        valid("subscribe from beyond a long starts at the end",
            "{\"action\":\"subscribe\",\"topic\":\"a\",\"from\":99999999999999999999}",
            new Frame.Subscribe(null, "a", new Replay.From(Long.MAX_VALUE))),
        valid("subscribe last beyond a long replays everything held",
            "{\"action\":\"subscribe\",\"topic\":\"a\",\"last\":99999999999999999999}",
            new Frame.Subscribe(null, "a", new Replay.Last(Long.MAX_VALUE))),
        valid("subscribe last 5", "{\"action\":\"subscribe\",\"topic\":\"a\",\"last\":5}",
            new Frame.Subscribe(null, "a", new Replay.Last(5))),
        valid("subscribe last 0 is live", "{\"action\":\"subscribe\",\"topic\":\"a\",\"last\":0}",
            new Frame.Subscribe(null, "a", Replay.LIVE)),
        valid("subscribe last 3000000000 (a long)", "{\"action\":\"subscribe\",\"topic\":\"a\",\"last\":3000000000}",
            new Frame.Subscribe(null, "a", new Replay.Last(3_000_000_000L))),
        valid("subscribe to a 255-character topic", "{\"action\":\"subscribe\",\"topic\":\"" + LONG_TOPIC + "\"}",
            new Frame.Subscribe(null, LONG_TOPIC, Replay.LIVE)),
        valid("subscribe to a topic of every allowed character",
            "{\"action\":\"subscribe\",\"topic\":\"Az09_-.x\"}", new Frame.Subscribe(null, "Az09_-.x", Replay.LIVE)),

        valid("unsubscribe", "{\"action\":\"unsubscribe\",\"topic\":\"a.b\"}", new Frame.Unsubscribe(null, "a.b")),
        valid("unsubscribe with an id", "{\"action\":\"unsubscribe\",\"topic\":\"a.b\",\"id\":99}",
            new Frame.Unsubscribe("99", "a.b")),

        valid("publish a string", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":\"hi\"}", publish(null, "t", "\"hi\"")),
        valid("publish a string with escapes and unicode",
            "{\"action\":\"publish\",\"topic\":\"t\",\"message\":\"he said \\\"hi\\\"\\n\\u00e9 \u00e9 \uD83D\uDE00 \\\\\",\"id\":\"m\"}",
            publish("\"m\"", "t", "\"he said \\\"hi\\\"\\n\\u00e9 \u00e9 \uD83D\uDE00 \\\\\"")),
        valid("publish an empty string", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":\"\"}", publish(null, "t", "\"\"")),
        valid("publish an integer", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":42,\"id\":1}", publish("1", "t", "42")),
        valid("publish a negative integer", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":-0}", publish(null, "t", "-0")),
        valid("publish a float keeps its spelling",
            "{\"action\":\"publish\",\"topic\":\"t\",\"message\":-0.50e+10}", publish(null, "t", "-0.50e+10")),
        valid("publish a huge float", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":1E400}", publish(null, "t", "1E400")),
        valid("publish a big integer",
            "{\"action\":\"publish\",\"topic\":\"t\",\"message\":123456789012345678901234567890}",
            publish(null, "t", "123456789012345678901234567890")),
        valid("publish true", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":true}", publish(null, "t", "true")),
        valid("publish false", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":false}", publish(null, "t", "false")),
        valid("publish an object keeps inner whitespace",
            "{\"action\":\"publish\",\"topic\":\"t\",\"message\":{ \"a\" : [1, 2 ,3] ,\t\"b\":{} } }",
            publish(null, "t", "{ \"a\" : [1, 2 ,3] ,\t\"b\":{} }")),
        valid("publish an empty object", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":{}}", publish(null, "t", "{}")),
        valid("publish a nested array",
            "{\"action\":\"publish\",\"topic\":\"t\",\"message\":[[1,[2,[3]]],[], \"]\"]}",
            publish(null, "t", "[[1,[2,[3]]],[], \"]\"]")),
        valid("publish with the message first, then whitespace before the comma",
            "{\"message\" :  {\"x\":\"}\"}  , \"topic\":\"t\",\"action\":\"publish\"}",
            publish(null, "t", "{\"x\":\"}\"}")),
        valid("publish an object holding UTF-8",
            "{\"action\":\"publish\",\"topic\":\"t\",\"message\":{\"\u00e9\":\"\u4e2d\uD83D\uDE00\"},\"id\":\"\u00e9\"}",
            publish("\"\u00e9\"", "t", "{\"\u00e9\":\"\u4e2d\uD83D\uDE00\"}")),
        valid("publish with CRLF", "{\"action\":\"publish\",\"topic\":\"t\",\"message\":{\"a\":1}}\r",
            publish(null, "t", "{\"a\":1}")),
        valid("publish a number as the last field before CRLF",
            "{\"action\":\"publish\",\"topic\":\"t\",\"message\":12.5}\r", publish(null, "t", "12.5")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validFrames")
  void validLineDecodesToItsFrame(String line, Frame expected) {
    Decoded decoded = decode(line);

    assertThat(describe(decoded)).isEqualTo(describe(expected));
    assertThat(decoded).isInstanceOf(expected.getClass());
    assertThat(((Frame) decoded).action()).isEqualTo(expected.action());
  }

  @Test
  void publishedMessageBytesAreExactlyTheClientsBytes() {
    byte[] line = "{\"action\":\"publish\",\"topic\":\"t\",\"message\":{\"k\" : \"\u00e9\\u00e9\" }}"
        .getBytes(StandardCharsets.UTF_8);

    Frame.Publish p = (Frame.Publish) decode(line);

    assertThat(p.message().getBytes()).isEqualTo("{\"k\" : \"\u00e9\\u00e9\" }".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void actionsMapToTheirEnum() {
    assertThat(((Frame) decode("{\"action\":\"ping\"}")).action()).isEqualTo(Frame.Action.PING);
    assertThat(((Frame) decode("{\"action\":\"subscribe\",\"topic\":\"a\"}")).action()).isEqualTo(Frame.Action.SUBSCRIBE);
    assertThat(((Frame) decode("{\"action\":\"unsubscribe\",\"topic\":\"a\"}")).action())
        .isEqualTo(Frame.Action.UNSUBSCRIBE);
    assertThat(((Frame) decode("{\"action\":\"publish\",\"topic\":\"a\",\"message\":1}")).action())
        .isEqualTo(Frame.Action.PUBLISH);
    assertThat(((Frame) decode("{\"action\":\"stats\"}")).action()).isEqualTo(Frame.Action.STATS);
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"", " ", "\t", "  \t  ", "\r", "   \r", "\t\r"})
  void blankLineIsNoFrame(String line) {
    assertThat(decode(line)).isNull();
  }

  @Test
  void theDecoderIsReusableAfterAnError() {
    assertThat(decode(new byte[] {(byte) 0xff})).isInstanceOf(DecodeError.class);
    assertThat(decode("{\"action\":")).isInstanceOf(DecodeError.class);

    assertThat(decode("{\"action\":\"ping\",\"id\":\"\u00e9\"}")).isEqualTo(new Frame.Ping("\"\u00e9\""));
  }

  /** A stable text for any decode result, with a publish's message as its raw UTF-8 text. */
  static String describe(Decoded d) {
    if (d == null) {
      return "blank";
    }
    if (d instanceof Frame.Publish p) {
      return "Publish[id=" + p.id() + ", topic=" + p.topic() + ", message=" + p.message().toString(StandardCharsets.UTF_8)
          + " (" + p.message().length() + " bytes)]";
    }
    if (d instanceof Frame.Auth a) { // its own toString hides the secrets, which the test must compare
      return "Auth[id=" + a.id() + ", user=" + a.user() + ", password=" + a.password() + ", token=" + a.token() + "]";
    }
    return d.toString();
  }
}
