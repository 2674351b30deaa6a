package herald.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lines framed the way {@code herald.net.Connection} frames them ({@link LineSplitter}), then decoded: how TCP
 * splits the bytes must never change what is decoded. The lines are decoded in place, as ranges of the
 * buffers they arrived in, so these tests also check that offsets inside a read (and inside a buffer that is
 * itself a slice of a larger one) are honoured.
 *
 * <p><b>The limit.</b> A line may hold {@code max} bytes before its line ending, whichever ending the client
 * uses ({@code \n} or {@code \r\n}); one byte more is refused, whether the line arrives whole in one read or
 * is still waiting for its newline.
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
  private int refusals;
  private List<String> expected;

  private LineSplitter splitter(int max) {
    return new LineSplitter(max, new LineSplitter.Lines() {
      @Override
      public void line(Buffer source, int start, int end) {
        decoded.add(FrameDecoderTest.describe(decoder.decode(source, start, end)));
      }

      @Override
      public void tooLong() {
        refusals++;
      }
    });
  }

  @BeforeEach
  void decodeTheStreamInOneChunk() {
    splitter(1_048_576).feed(Buffer.buffer(STREAM));
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
        "Subscribe[id=\"s\", topic=a.b, replay=Earliest[], group=null]",
        "Publish[id=null, topic=a.b, message={ \"x\" : [1, 2] } (16 bytes)]",
        expected.get(6),
        "Unsubscribe[id=null, topic=a.b, group=null]",
        "Ping[id=null]");
    assertThat(expected.get(6)).startsWith("DecodeError[id=null, code=INVALID_JSON, detail=malformed JSON at column ");
  }

  @Test
  void splitInTwoAtEveryByteOffsetDecodesTheSameFrames() {
    for (int split = 0; split <= STREAM.length; split++) {
      decoded.clear();
      LineSplitter splitter = splitter(1_048_576);

      splitter.feed(Buffer.buffer(STREAM).getBuffer(0, split));
      splitter.feed(Buffer.buffer(STREAM).getBuffer(split, STREAM.length));

      assertThat(decoded).as("split at byte %d", split).isEqualTo(expected);
    }
    assertThat(refusals).isZero();
  }

  @Test
  void readsThatAreSlicesOfALargerBufferDecodeTheSameFrames() {
    Buffer padded = Buffer.buffer("garbage before").appendBytes(STREAM).appendString("garbage after");
    int from = "garbage before".length();
    for (int split = 0; split <= STREAM.length; split += 7) {
      decoded.clear();
      LineSplitter splitter = splitter(1_048_576);

      splitter.feed(padded.slice(from, from + split));
      splitter.feed(padded.slice(from + split, from + STREAM.length));

      assertThat(decoded).as("split at byte %d", split).isEqualTo(expected);
    }
  }

  @Test
  void splitInThreeAtEveryPairOfOffsetsDecodesTheSameFrames() {
    Buffer all = Buffer.buffer(STREAM);
    for (int i = 0; i <= STREAM.length; i += 3) {
      for (int j = i; j <= STREAM.length; j += 5) {
        decoded.clear();
        LineSplitter splitter = splitter(1_048_576);

        splitter.feed(all.getBuffer(0, i));
        splitter.feed(all.getBuffer(i, j));
        splitter.feed(all.getBuffer(j, STREAM.length));

        assertThat(decoded).as("split at bytes %d and %d", i, j).isEqualTo(expected);
      }
    }
    assertThat(refusals).isZero();
  }

  @Test
  void oneByteAtATimeDecodesTheSameFrames() {
    LineSplitter splitter = splitter(1_048_576);

    feedOneByteAtATime(splitter, new String(STREAM, StandardCharsets.UTF_8));

    assertThat(decoded).isEqualTo(expected);
    assertThat(refusals).isZero();
  }

  @Test
  void aLineOfExactlyMaxBytesIsAcceptedOneByteAtATime() {
    LineSplitter splitter = splitter(MAX);

    feedOneByteAtATime(splitter, pingOfLength(MAX) + "\n");

    assertThat(refusals).isZero();
    assertThat(decoded).containsExactly("Ping[id=\"" + "x".repeat(MAX - 25) + "\"]");
  }

  @Test
  void aLineOfExactlyMaxBytesIsAcceptedInOneChunkWithEitherLineEnding() {
    LineSplitter splitter = splitter(MAX);

    splitter.feed(Buffer.buffer(pingOfLength(MAX) + "\n" + pingOfLength(MAX) + "\r\n"));

    assertThat(refusals).isZero();
    assertThat(decoded).hasSize(2);
  }

  @Test
  void aCrlfLineOfExactlyMaxBytesIsAcceptedOneByteAtATime() {
    LineSplitter splitter = splitter(MAX);

    feedOneByteAtATime(splitter, pingOfLength(MAX) + "\r\n");

    assertThat(refusals).isZero();
    assertThat(decoded).hasSize(1);
  }

  @Test
  void aWholeLineOneByteOverMaxIsRefusedInOneRead() {
    LineSplitter splitter = splitter(MAX);

    splitter.feed(Buffer.buffer(pingOfLength(MAX + 1) + "\n" + pingOfLength(30) + "\n"));

    assertThat(refusals).isOne();
    assertThat(decoded).isEmpty();
  }

  @Test
  void anUnfinishedLineIsRefusedOnceMoreThanMaxPlusACarriageReturnIsWaiting() {
    LineSplitter splitter = splitter(MAX);
    Buffer bytes = Buffer.buffer("y".repeat(MAX + 2));

    splitter.feed(bytes.getBuffer(0, MAX + 1));
    assertThat(refusals).isZero();
    splitter.feed(bytes.getBuffer(MAX + 1, MAX + 2));

    assertThat(refusals).isOne();
    assertThat(splitter.buffered()).isZero();
  }

  @Test
  void afterARefusalNothingMoreIsDelivered() {
    LineSplitter splitter = splitter(MAX);

    feedOneByteAtATime(splitter, "y".repeat(MAX + 2));
    splitter.feed(Buffer.buffer("\n" + pingOfLength(30) + "\n"));

    assertThat(refusals).isOne();
    assertThat(decoded).isEmpty();
  }

  @Test
  void bytesOfTheNextLineBufferedAfterACompleteOneCountTowardsTheLimit() {
    LineSplitter splitter = splitter(MAX);

    splitter.feed(Buffer.buffer(pingOfLength(30) + "\n" + "y".repeat(MAX + 2)));

    assertThat(decoded).hasSize(1);
    assertThat(refusals).isOne();
  }

  /** {@code {"action":"ping","id":"xxx…"}} of exactly {@code length} bytes (at least 25). */
  private static String pingOfLength(int length) {
    String line = "{\"action\":\"ping\",\"id\":\"" + "x".repeat(length - 25) + "\"}";
    assertThat(line).hasSize(length);
    return line;
  }

  private static void feedOneByteAtATime(LineSplitter splitter, String text) {
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      splitter.feed(Buffer.buffer(new byte[] {b}));
    }
  }
}
