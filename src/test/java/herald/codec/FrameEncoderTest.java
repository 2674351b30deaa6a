package herald.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Everything the broker writes: one JSON object per line, with exactly the documented fields. */
class FrameEncoderTest {

  private static final Buffer X = Buffer.buffer("\"x\"");

  /** Checks the one-line framing and returns the parsed object. */
  private static JsonObject line(Buffer frame) {
    String text = frame.toString(StandardCharsets.UTF_8);
    assertThat(text).endsWith("\n");
    assertThat(text.indexOf('\n')).as("only newline is the last byte").isEqualTo(text.length() - 1);
    assertThat(text).doesNotContain("\r");
    return new JsonObject(text.substring(0, text.length() - 1));
  }

  static Stream<Arguments> everyEncoderOutput() {
    return Stream.of(
        Arguments.of(named("message", FrameEncoder.message("a.b", X, 7)),
            new JsonObject().put("type", "message").put("topic", "a.b").put("data", "x").put("seq", 7)),
        Arguments.of(named("published", FrameEncoder.published(null, "a.b", 3)),
            new JsonObject().put("status", "published").put("topic", "a.b").put("seq", 3)),
        Arguments.of(named("published with id", FrameEncoder.published("\"p\"", "a.b", 3)),
            new JsonObject().put("status", "published").put("topic", "a.b").put("seq", 3).put("id", "p")),
        Arguments.of(named("subscribed live", FrameEncoder.subscribed(null, "t", 0)),
            new JsonObject().put("status", "subscribed").put("topic", "t")),
        Arguments.of(named("subscribed with replay", FrameEncoder.subscribed("12", "t", 5)),
            new JsonObject().put("status", "subscribed").put("topic", "t").put("from", 5).put("id", 12)),
        Arguments.of(named("unsubscribed", FrameEncoder.unsubscribed(null, "t")),
            new JsonObject().put("status", "unsubscribed").put("topic", "t")),
        Arguments.of(named("unsubscribed with id", FrameEncoder.unsubscribed("\"u\"", "t")),
            new JsonObject().put("status", "unsubscribed").put("topic", "t").put("id", "u")),
        Arguments.of(named("pong", FrameEncoder.pong(null)), new JsonObject().put("status", "pong")),
        Arguments.of(named("pong with id", FrameEncoder.pong("-1")), new JsonObject().put("status", "pong").put("id", -1)),
        Arguments.of(named("error", FrameEncoder.error(null, ErrorCode.UNKNOWN_ACTION, "no")),
            new JsonObject().put("status", "error").put("error", "unknown_action").put("detail", "no")),
        Arguments.of(named("error with id", FrameEncoder.error("\"e\"", ErrorCode.NOT_SUBSCRIBED, "not")),
            new JsonObject().put("status", "error").put("error", "not_subscribed").put("detail", "not").put("id", "e")),
        Arguments.of(named("stats with id", FrameEncoder.stats("\"s\"", new JsonObject().put("node", "n1")
                .put("counts", new JsonObject().put("topics", 2)))),
            new JsonObject().put("status", "stats").put("node", "n1").put("counts", new JsonObject().put("topics", 2))
                .put("id", "s")),
        Arguments.of(named("stats", FrameEncoder.stats(null, new JsonObject().put("connections", 1))),
            new JsonObject().put("status", "stats").put("connections", 1)),
        Arguments.of(named("connected", FrameEncoder.connected(new JsonObject().put("node", "n1").put("max", 10))),
            new JsonObject().put("status", "connected").put("node", "n1").put("max", 10)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEncoderOutput")
  void everyOutputIsOneJsonLineWithTheDocumentedFields(Buffer frame, JsonObject expected) {
    assertThat(line(frame)).isEqualTo(expected);
  }

  @Test
  void messageFrameIsExactlyTheseBytes() {
    assertThat(FrameEncoder.message("t", X, 1).toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"type\":\"message\",\"topic\":\"t\",\"data\":\"x\",\"seq\":1}\n");
  }

  @Test
  void messageDataIsCopiedByteForByte() {
    String raw = "{ \"k\" : [1, 2.50e1 ,\"\u00e9\\u00e9\"] }";

    Buffer frame = FrameEncoder.message("t", Buffer.buffer(raw, "UTF-8"), 9_000_000_000L);

    assertThat(frame.toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"type\":\"message\",\"topic\":\"t\",\"data\":" + raw + ",\"seq\":9000000000}\n");
    assertThat(line(frame).getJsonObject("data").getJsonArray("k").getString(2)).isEqualTo("\u00e9\u00e9");
  }

  @Test
  void repliesAreExactlyTheseBytes() {
    assertThat(FrameEncoder.published("\"p\"", "a", 2).toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"status\":\"published\",\"topic\":\"a\",\"seq\":2,\"id\":\"p\"}\n");
    assertThat(FrameEncoder.subscribed(null, "a", 1).toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"status\":\"subscribed\",\"topic\":\"a\",\"from\":1}\n");
    assertThat(FrameEncoder.pong("7").toString(StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"pong\",\"id\":7}\n");
    assertThat(FrameEncoder.error(null, ErrorCode.INVALID_JSON, "d").toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"status\":\"error\",\"error\":\"invalid_json\",\"detail\":\"d\"}\n");
  }

  static Stream<Arguments> awkwardDetails() {
    return Stream.of(
        Arguments.of(named("quotes", "field \"topic\" is \"bad\"")),
        Arguments.of(named("backslash", "C:\\path\\")),
        Arguments.of(named("newline and CR", "line one\nline two\r\nthree")),
        Arguments.of(named("tab and control characters", "a\tb\u0000c\u0001d\u001f")),
        Arguments.of(named("unicode", "t\u00f3pico \u4e2d\u6587 \uD83D\uDE00")),
        Arguments.of(named("JSON-looking text", "\"},{\"status\":\"ok\"}\n{")),
        Arguments.of(named("line separators", "a\u2028b\u2029c")),
        Arguments.of(named("empty", "")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("awkwardDetails")
  void errorDetailIsEscapedSoTheFrameStaysOneValidLine(String detail) {
    JsonObject parsed = line(FrameEncoder.error("\"i\"", ErrorCode.INVALID_FIELD, detail));

    assertThat(parsed.getString("detail")).isEqualTo(detail);
    assertThat(parsed.getString("error")).isEqualTo("invalid_field");
    assertThat(parsed.getString("id")).isEqualTo("i");
    assertThat(parsed.fieldNames()).containsExactlyInAnyOrder("status", "error", "detail", "id");
  }

  static Stream<Arguments> rawIds() {
    return Stream.of(
        Arguments.of("\"a\\\"b\"", "a\"b"),
        Arguments.of("\"\\u00e9\"", "\u00e9"),
        Arguments.of("\"\u00e9\u4e2d\"", "\u00e9\u4e2d"),
        Arguments.of("\"\"", ""),
        Arguments.of("0", 0),
        Arguments.of("-42", -42),
        Arguments.of("9223372036854775807", Long.MAX_VALUE));
  }

  @ParameterizedTest(name = "id {0}")
  @MethodSource("rawIds")
  void idIsEchoedRaw(String rawId, Object parsedId) {
    for (Buffer frame : new Buffer[] {
        FrameEncoder.pong(rawId),
        FrameEncoder.published(rawId, "t", 1),
        FrameEncoder.subscribed(rawId, "t", 0),
        FrameEncoder.unsubscribed(rawId, "t"),
        FrameEncoder.error(rawId, ErrorCode.MISSING_TOPIC, "d")}) {
      String text = frame.toString(StandardCharsets.UTF_8);
      assertThat(text).endsWith(",\"id\":" + rawId + "}\n");
      Object id = line(frame).getValue("id");
      if (parsedId instanceof Number n) {
        assertThat(((Number) id).longValue()).isEqualTo(n.longValue());
      } else {
        assertThat(id).isEqualTo(parsedId);
      }
    }
  }

  @Test
  void repliesWithoutIdHaveNoIdField() {
    assertThat(line(FrameEncoder.pong(null)).containsKey("id")).isFalse();
    assertThat(line(FrameEncoder.published(null, "t", 1)).containsKey("id")).isFalse();
    assertThat(line(FrameEncoder.error(null, ErrorCode.SLOW_CONSUMER, "x")).containsKey("id")).isFalse();
  }

  @Test
  void connectedKeepsStatusFirst() {
    String text = FrameEncoder.connected(new JsonObject().put("node", "n")).toString(StandardCharsets.UTF_8);

    assertThat(text).isEqualTo("{\"status\":\"connected\",\"node\":\"n\"}\n");
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void everyErrorCodeIsSentAsItsSnakeCaseName(ErrorCode code) {
    JsonObject parsed = line(FrameEncoder.error(null, code, "d"));

    assertThat(parsed.getString("error")).isEqualTo(code.name().toLowerCase(java.util.Locale.ROOT)).matches("[a-z0-9_]+");
  }

  @Test
  void exactlyTheFatalErrorsCloseTheConnection() {
    assertThat(Stream.of(ErrorCode.values()).filter(ErrorCode::closesConnection))
        .containsExactlyInAnyOrder(ErrorCode.FRAME_TOO_LARGE, ErrorCode.SLOW_CONSUMER, ErrorCode.TOO_MANY_CONNECTIONS,
            ErrorCode.IDLE_TIMEOUT, ErrorCode.SHUTTING_DOWN, ErrorCode.AUTH_FAILED, ErrorCode.TOKEN_EXPIRED, ErrorCode.NO_QUORUM);
  }

  @Test
  void decodedPublishReEncodesToTheSameMessageBytes() {
    String raw = "{\"a\" : \"\u00e9\"}";
    Frame.Publish p = (Frame.Publish) new FrameDecoder()
        .decode(Buffer.buffer("{\"action\":\"publish\",\"topic\":\"t\",\"message\":" + raw + "}", "UTF-8"));

    assertThat(FrameEncoder.message(p.topic(), p.message(), 1).toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"type\":\"message\",\"topic\":\"t\",\"data\":" + raw + ",\"seq\":1}\n");
  }
}
