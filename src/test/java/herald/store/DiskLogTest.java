package herald.store;

import static herald.store.Logs.appendRange;
import static herald.store.Logs.assertHolds;
import static herald.store.Logs.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One topic's log: append, read, roll, retention, reopen. */
class DiskLogTest {

  static final int SMALL_SEGMENT = 1024;

  @TempDir
  Path tmp;

  private DiskLog open(int segmentBytes, LogRetention retention) {
    return DiskLog.open(tmp.resolve("log"), "orders.eu", segmentBytes, retention);
  }

  @Test
  void appendsReadsAndReopens() {
    DiskLog log = open(DiskLog.DEFAULT_SEGMENT_BYTES, LogRetention.NONE);
    assertThat(log.firstSeq()).isEqualTo(1);
    assertThat(log.lastSeq()).isZero();
    assertThat(log.count()).isZero();
    appendRange(log, 1, 100, 64, 1000);
    assertHolds(log, 1, 100, 64);
    assertThat(log.bytes()).isEqualTo(100 * (64 + 24));
    assertThat(log.payloadBytes()).isEqualTo(100 * 64);
    log.close();

    DiskLog again = open(DiskLog.DEFAULT_SEGMENT_BYTES, LogRetention.NONE);
    assertThat(again.recovery().droppedAnything()).isFalse();
    assertHolds(again, 1, 100, 64);
    assertThat(again.bytes()).isEqualTo(100 * (64 + 24));
    again.append(101, 1000, payload(101, 64));
    assertHolds(again, 1, 101, 64);
    again.close();
  }

  @Test
  void refusesAnySeqButTheNext() {
    DiskLog log = open(DiskLog.DEFAULT_SEGMENT_BYTES, LogRetention.NONE);
    log.append(1, 0, payload(1, 10));
    assertThatThrownBy(() -> log.append(3, 0, payload(3, 10)))
        .isInstanceOf(SeqMismatchException.class)
        .hasMessageContaining("seq 3, but the next seq is 2");
    assertThatThrownBy(() -> log.append(1, 0, payload(1, 10))).isInstanceOf(SeqMismatchException.class);
    log.append(2, 0, payload(2, 10));
    assertHolds(log, 1, 2, 10);
    log.close();
  }

  @Test
  void readsWithinRecordAndByteLimitsButAlwaysOne() {
    DiskLog log = open(SMALL_SEGMENT, LogRetention.NONE);
    appendRange(log, 1, 50, 100, 0);
    assertThat(log.read(10, 5, Long.MAX_VALUE)).extracting(LogRecord::seq).containsExactly(10L, 11L, 12L, 13L, 14L);
    assertThat(log.read(10, 100, 250)).extracting(LogRecord::seq).containsExactly(10L, 11L);
    assertThat(log.read(10, 100, 1)).extracting(LogRecord::seq).containsExactly(10L);
    assertThat(log.read(51, 100, Long.MAX_VALUE)).isEmpty();
    long next = log.read(45, 100, Long.MAX_VALUE, r -> { });
    assertThat(next).isEqualTo(51);
    log.close();
  }

  @Test
  void rollsAtTheSegmentSizeAndReadsAcrossSegments() throws IOException {
    DiskLog log = open(SMALL_SEGMENT, LogRetention.NONE);
    appendRange(log, 1, 200, 64, 0);
    log.flush();
    // 88-byte records, 16-byte header: 11 per 1024-byte segment.
    assertThat(log.segmentCount()).isEqualTo(19);
    assertThat(Logs.segmentFiles(tmp.resolve("log"))).hasSize(19)
        .first().extracting(p -> p.getFileName().toString()).isEqualTo("00000000000000000001.seg");
    for (Path seg : Logs.segmentFiles(tmp.resolve("log"))) {
      assertThat(Files.size(seg)).isLessThanOrEqualTo(SMALL_SEGMENT);
    }
    assertThat(log.read(100, 30, Long.MAX_VALUE)).extracting(LogRecord::seq).startsWith(100L).endsWith(129L);
    assertHolds(log, 1, 200, 64);
    log.close();
    assertHolds(open(SMALL_SEGMENT, LogRetention.NONE), 1, 200, 64);
  }

  @Test
  void aRecordLargerThanASegmentGetsOneOfItsOwn() {
    DiskLog log = open(SMALL_SEGMENT, LogRetention.NONE);
    log.append(1, 0, payload(1, 10));
    log.append(2, 0, payload(2, 5000));
    log.append(3, 0, payload(3, 100_000));
    log.append(4, 0, payload(4, 10));
    log.close();
    DiskLog again = open(SMALL_SEGMENT, LogRetention.NONE);
    assertThat(again.read(0, 10, Long.MAX_VALUE)).extracting(r -> r.payload().length)
        .containsExactly(10, 5000, 100_000, 10);
    assertThat(again.segmentCount()).isEqualTo(4);
  }

  @Test
  void rebuildsAMissingOrDamagedIndex() throws IOException {
    DiskLog log = open(64 * 1024, LogRetention.NONE);
    appendRange(log, 1, 3000, 64, 0);
    log.close();
    Path dir = tmp.resolve("log");
    List<Path> idx;
    try (var s = Files.list(dir)) {
      idx = s.filter(p -> p.toString().endsWith(".idx")).sorted().toList();
    }
    assertThat(idx).hasSizeGreaterThanOrEqualTo(3);
    Files.delete(idx.get(0));
    Files.write(idx.get(1), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, StandardOpenOption.TRUNCATE_EXISTING);
    // Plausible but wrong: every entry points 88 bytes too far, one record off.
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(idx.get(2)));
    for (int i = 8; i < b.limit(); i += 8) {
      b.putInt(i + 4, b.getInt(i + 4) + 88);
    }
    Files.write(idx.get(2), b.array());
    DiskLog again = open(64 * 1024, LogRetention.NONE);
    assertHolds(again, 1, 3000, 64);
    for (long s = 1; s <= 3000; s += 97) {
      assertThat(again.read(s, 1, Long.MAX_VALUE).get(0).payload()).isEqualTo(payload(s, 64));
    }
    assertThat(idx.get(0)).exists();
  }

  @Test
  void retentionByCountTrimsTheHeadAndDeletesWholeSegments() {
    DiskLog log = open(SMALL_SEGMENT, new LogRetention(25, LogRetention.UNLIMITED, LogRetention.UNLIMITED));
    appendRange(log, 1, 200, 64, 0);
    log.flush();
    assertHolds(log, 176, 200, 64);
    assertThat(log.bytes()).isEqualTo(25 * 88);
    // 25 records span at most 4 segments of 11; older ones are gone from disk.
    assertThat(log.segmentCount()).isLessThanOrEqualTo(4);
    assertThat(log.read(1, 1, Long.MAX_VALUE).get(0).seq()).isEqualTo(176);
  }

  @Test
  void retentionByBytes() {
    DiskLog log = open(SMALL_SEGMENT, new LogRetention(LogRetention.UNLIMITED, 1000, LogRetention.UNLIMITED));
    appendRange(log, 1, 100, 64, 0);
    log.flush();
    // 1000 / 88 = 11 records fit.
    assertHolds(log, 90, 100, 64);
    assertThat(log.bytes()).isEqualTo(11 * 88);
  }

  @Test
  void retentionByAgeDropsOnlyTheOldOnes() {
    DiskLog log = open(SMALL_SEGMENT, new LogRetention(LogRetention.UNLIMITED, LogRetention.UNLIMITED, 60_000));
    appendRange(log, 1, 50, 64, 1_000);
    appendRange(log, 51, 60, 64, 50_000);
    log.flush();
    assertThat(log.expire(61_001)).isEqualTo(50);
    assertHolds(log, 51, 60, 64);
    assertThat(log.expire(200_000)).isEqualTo(10);
    assertThat(log.count()).isZero();
    assertThat(log.firstSeq()).isEqualTo(61);
    assertThat(log.bytes()).isZero();
    assertThat(log.segmentCount()).isEqualTo(1);
  }

  @Test
  void theCheckpointKeepsTrimmedRecordsTrimmedAcrossARestart() {
    DiskLog log = open(SMALL_SEGMENT, new LogRetention(5, LogRetention.UNLIMITED, LogRetention.UNLIMITED));
    appendRange(log, 1, 30, 64, 0);
    log.flush();
    assertHolds(log, 26, 30, 64);
    log.close();
    // Records 23..25 still sit in the segment that holds 26 (segments of 11 records: 23..33).
    DiskLog again = open(SMALL_SEGMENT, LogRetention.NONE);
    assertHolds(again, 26, 30, 64);
    again.close();
  }

  @Test
  void anEmptiedLogKeepsItsNextSeqAcrossARestart() {
    DiskLog log = open(SMALL_SEGMENT, new LogRetention(LogRetention.UNLIMITED, LogRetention.UNLIMITED, 10));
    appendRange(log, 1, 40, 64, 0);
    log.flush();
    log.expire(1_000);
    assertThat(log.count()).isZero();
    log.close();
    DiskLog again = open(SMALL_SEGMENT, LogRetention.NONE);
    assertThat(again.firstSeq()).isEqualTo(41);
    assertThat(again.lastSeq()).isEqualTo(40);
    assertThat(again.read(0, 10, Long.MAX_VALUE)).isEmpty();
    assertThatThrownBy(() -> again.append(1, 0, payload(1, 64))).isInstanceOf(SeqMismatchException.class);
    again.append(41, 0, payload(41, 64));
    assertHolds(again, 41, 41, 64);
  }

  @Test
  void trimToAndResetOnlyMoveForward() {
    DiskLog log = open(SMALL_SEGMENT, LogRetention.NONE);
    appendRange(log, 1, 50, 64, 0);
    assertThat(log.trimTo(20)).isEqualTo(19);
    assertHolds(log, 20, 50, 64);
    assertThatThrownBy(() -> log.reset(50)).isInstanceOf(IllegalArgumentException.class);
    log.reset(1000);
    assertThat(log.count()).isZero();
    log.append(1000, 0, payload(1000, 64));
    log.close();
    assertHolds(open(SMALL_SEGMENT, LogRetention.NONE), 1000, 1000, 64);
  }

  @Test
  void refusesAFormatVersionItDoesNotKnow() throws IOException {
    DiskLog log = open(SMALL_SEGMENT, LogRetention.NONE);
    appendRange(log, 1, 5, 64, 0);
    log.close();
    Path seg = Logs.segmentFiles(tmp.resolve("log")).get(0);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(2).putShort(0, (short) 2), 4);
    }
    assertThatThrownBy(() -> open(SMALL_SEGMENT, LogRetention.NONE))
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("format version 2");
  }

  @Test
  void theTopicNameDecidesASafeDirectory() {
    assertThat(TopicDirs.dirName("orders.eu-west_1")).isEqualTo("orders.eu-west_1");
    assertThat(TopicDirs.dirName("News")).isEqualTo("^news");
    assertThat(TopicDirs.dirName("news")).isNotEqualTo(TopicDirs.dirName("News"));
    String longName = "A".repeat(255);
    assertThat(TopicDirs.dirName(longName)).hasSizeLessThanOrEqualTo(TopicDirs.MAX_DIR_NAME)
        .isNotEqualTo(TopicDirs.dirName("A".repeat(254) + "B"));
    for (String bad : List.of("..", "a/b", "", "a..b", "../x", "a\\b")) {
      assertThatThrownBy(() -> TopicDirs.dirName(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
