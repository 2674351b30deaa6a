package herald.codec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where each kind of subscription starts, given the oldest held seq {@code first} and the next seq {@code next}. */
class ReplayStartTest {

  @ParameterizedTest(name = "{0} with first={1} next={2} starts at {3}")
  @CsvSource({
      // replay,   first, next, start
      "live,           1,   1,   1",
      "live,           5,  11,  11",
      "earliest,       5,  11,   5",
      "earliest,       1,   1,   1",
      "from:1,         5,  11,   5", // older than the queue: its oldest message
      "from:7,         5,  11,   7",
      "from:11,        5,  11,  11",
      "from:50,        5,  11,  11", // beyond the end (history lost): the next message
      "from:9223372036854775807, 5, 11, 11",
      "last:3,         5,  11,   8",
      "last:6,         5,  11,   5",
      "last:100,       5,  11,   5",
      "last:9223372036854775807, 5, 11, 5",
      "last:1,         1,   1,   1", // empty topic: nothing to replay
  })
  void startSeq(String replay, long first, long next, long start) {
    assertThat(parse(replay).startSeq(first, next)).isEqualTo(start);
  }

  private static Replay parse(String text) {
    if (text.equals("live")) {
      return Replay.LIVE;
    }
    if (text.equals("earliest")) {
      return Replay.EARLIEST;
    }
    long n = Long.parseLong(text.substring(text.indexOf(':') + 1));
    return text.startsWith("from:") ? new Replay.From(n) : new Replay.Last(n);
  }
}
