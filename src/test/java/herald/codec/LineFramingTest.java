package herald.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lines framed the way {@code herald.net.Connection} frames them
 * ({@code RecordParser.newDelimited("\n").maxRecordSize(limit)}), then decoded: how TCP splits the bytes
 * must never change what is decoded.
 *
 * <p><b>What {@code maxRecordSize} counts (Vert.x 5.0.7).</b> After each {@code handle(chunk)}, the parser
 * first emits every complete record, then compares the bytes still buffered (the unterminated rest, which
 * excludes the {@code \n} but includes a {@code \r}) with the limit, and fails when they are strictly more.
 * So a line of exactly {@code maxRecordSize} bytes before its {@code \n} is accepted however it is split,
 * and one byte more fails as soon as a read ends with those bytes buffered. Two consequences, documented by
 * the tests below: a CRLF client's {@code \r} counts, so its JSON may be one byte shorter than an LF
 * client's; and a line longer than the limit that arrives whole, newline included, in one read is not
 * refused by the parser at all. Once the exception handler has fired, the parser carries on: the over-long
 * line is still handed to the handler when its newline comes, so the caller must ignore it.
 */
class LineFramingTest {

  private static final int MAX = 64;

  /** Several frames, each kind of line the decoder can see, as one byte string. */
  private static final byte[] STREAM = String.join("",
      "{\"action\":\"ping\",\"id\":1}\n",
      "{\"action\":\"publish\",\"topic\":\"a.b\",\"message\":\"h\u00e9llo \u4e2d\u6587 \uD83D\uDE00\",\"id\":\"\u00e9\"}\n",
      "\n",
      "   \n",
      "{\"action\":\"subscribe\",\"topic\":\"a.b\",\"from\":\"earliest\",\"id\":\"s\"}\r\n",
      "{\"action\":\"publish\",\"topic\":\"a.b\",\"message\":{ \"x\" : [1, 2] }}\n",
      "not json\n",
      "{\"action\":\"unsubscribe\",\"topic\":\"a.b\"}\r\n",
      "{\"action\":\"ping\"}\n").getBytes(StandardCharsets.UTF_8);

  private final FrameDecoder decoder = new FrameDecoder();
  private final List<String> decoded = new ArrayList<>();
  private final List<Throwable> failures = new ArrayList<>();
  private List<String> expected;

  private RecordParser parser(int maxRecordSize) {
    return RecordParser.newDelimited("\n")
        .maxRecordSize(maxRecordSize)
        .handler(line -> decoded.add(FrameDecoderTest.describe(decoder.decode(line))))
        .exceptionHandler(failures::add);
  }

  @BeforeEach
  void decodeTheStreamInOneChunk() {
    parser(1_048_576).handle(Buffer.buffer(STREAM));
    expected = List.copyOf(decoded);
    decoded.clear();
  }

  @Test
  void theStreamDecodesToItsFrames() {
    assertThat(expected).containsExactly(
        "Ping[id=1]",
        "Publish[id=\"\u00e9\", topic=a.b, message=\"h\u00e9llo \u4e2d\u6587 \uD83D\uDE00\" (20 bytes)]",
        "blank",
        "blank",
        "Subscribe[id=\"s\", topic=a.b, replay=Earliest[]]",
        "Publish[id=null, topic=a.b, message={ \"x\" : [1, 2] } (16 bytes)]",
        expected.get(6),
        "Unsubscribe[id=null, topic=a.b]",
        "Ping[id=null]");
    assertThat(expected.get(6)).startsWith("DecodeError[id=null, code=INVALID_JSON, detail=malformed JSON at column ");
  }

  @Test
  void splitInTwoAtEveryByteOffsetDecodesTheSameFrames() {
    for (int split = 0; split <= STREAM.length; split++) {
      decoded.clear();
      RecordParser parser = parser(1_048_576);

      parser.handle(Buffer.buffer(STREAM).getBuffer(0, split));
      parser.handle(Buffer.buffer(STREAM).getBuffer(split, STREAM.length));

      assertThat(decoded).as("split at byte %d", split).isEqualTo(expected);
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void splitInThreeAtEveryPairOfOffsetsDecodesTheSameFrames() {
    Buffer all = Buffer.buffer(STREAM);
    for (int i = 0; i <= STREAM.length; i += 3) {
      for (int j = i; j <= STREAM.length; j += 5) {
        decoded.clear();
        RecordParser parser = parser(1_048_576);

        parser.handle(all.getBuffer(0, i));
        parser.handle(all.getBuffer(i, j));
        parser.handle(all.getBuffer(j, STREAM.length));

        assertThat(decoded).as("split at bytes %d and %d", i, j).isEqualTo(expected);
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void oneByteAtATimeDecodesTheSameFrames() {
    RecordParser parser = parser(1_048_576);

    for (byte b : STREAM) {
      parser.handle(Buffer.buffer(new byte[] {b}));
    }

    assertThat(decoded).isEqualTo(expected);
    assertThat(failures).isEmpty();
  }

  @Test
  void aLineOfExactlyMaxRecordSizeBytesIsAcceptedOneByteAtATime() {
    String line = pingOfLength(MAX);
    RecordParser parser = parser(MAX);

    feedOneByteAtATime(parser, line + "\n");

    assertThat(failures).isEmpty();
    assertThat(decoded).containsExactly("Ping[id=\"" + "x".repeat(MAX - 25) + "\"]");
  }

  @Test
  void aLineOfExactlyMaxRecordSizeBytesIsAcceptedInOneChunk() {
    RecordParser parser = parser(MAX);

    parser.handle(Buffer.buffer(pingOfLength(MAX) + "\n"));

    assertThat(failures).isEmpty();
    assertThat(decoded).hasSize(1);
  }

  @Test
  void oneByteMoreThanMaxRecordSizeFailsOnceThoseBytesAreBuffered() {
    String line = pingOfLength(MAX + 1);
    RecordParser parser = parser(MAX);

    Buffer bytes = Buffer.buffer(line);
    parser.handle(bytes.getBuffer(0, MAX));
    assertThat(failures).isEmpty();
    parser.handle(bytes.getBuffer(MAX, MAX + 1));

    assertThat(failures).hasSize(1);
    assertThat(failures.get(0)).isInstanceOf(IllegalStateException.class);
    assertThat(decoded).isEmpty();
  }

  @Test
  void afterTheLimitFailsTheOverLongLineIsStillHandedOnAtItsNewline() {
    RecordParser parser = parser(MAX);

    feedOneByteAtATime(parser, pingOfLength(MAX + 1));
    assertThat(failures).hasSize(1);
    parser.handle(Buffer.buffer("\n"));

    assertThat(decoded).containsExactly("Ping[id=\"" + "x".repeat(MAX + 1 - 25) + "\"]");
  }

  @Test
  void theCarriageReturnOfACrlfLineCountsTowardsMaxRecordSize() {
    RecordParser accepted = parser(MAX);
    feedOneByteAtATime(accepted, pingOfLength(MAX - 1) + "\r\n");
    assertThat(failures).isEmpty();
    assertThat(decoded).hasSize(1);

    RecordParser refused = parser(MAX);
    feedOneByteAtATime(refused, pingOfLength(MAX) + "\r");
    assertThat(failures).hasSize(1);
    assertThat(decoded).hasSize(1);
  }

  /**
   * The limit is checked on what is left after each read, so a complete over-long line in one read passes
   * the parser; {@code Connection} must (and, in its own {@code onLine}, does) check the line's length itself.
   */
  @Test
  void aLineOverMaxRecordSizeThatArrivesWholeInOneReadIsNotRefused() {
    RecordParser parser = parser(MAX);

    parser.handle(Buffer.buffer(pingOfLength(MAX * 4) + "\n"));

    assertThat(failures).isEmpty();
    assertThat(decoded).hasSize(1);
  }

  @Test
  void bytesOfTheNextLineBufferedAfterACompleteOneCountTowardsTheLimit() {
    RecordParser parser = parser(MAX);

    parser.handle(Buffer.buffer(pingOfLength(30) + "\n" + "y".repeat(MAX + 1)));

    assertThat(decoded).hasSize(1);
    assertThat(failures).hasSize(1);
  }

  /** {@code {"action":"ping","id":"xxx…"}} of exactly {@code length} bytes (at least 25). */
  private static String pingOfLength(int length) {
    String line = "{\"action\":\"ping\",\"id\":\"" + "x".repeat(length - 25) + "\"}";
    assertThat(line).hasSize(length);
    return line;
  }

  private static void feedOneByteAtATime(RecordParser parser, String text) {
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      parser.handle(Buffer.buffer(new byte[] {b}));
    }
  }
}
