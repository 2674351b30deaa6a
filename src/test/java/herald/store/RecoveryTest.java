package herald.store;

import static herald.store.Logs.assertHolds;
import static herald.store.Logs.payload;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a log whose newest segment was torn or damaged: it is cut back to the last valid record, the cut is
 * reported with its counts, and every record before it is intact.
 */
class RecoveryTest {

  static final int RECORDS = 5;
  static final int SIZE = 40;
  static final int RECORD_BYTES = SIZE + 24;
  static final int SEGMENT = 1024;

  @TempDir
  Path tmp;

  Path original;
  Path segment;
  long lastStart;
  long end;

  @BeforeEach
  void writeALog() throws IOException {
    original = tmp.resolve("original");
    DiskLog log = DiskLog.open(original, "t", SEGMENT, LogRetention.NONE);
    // 30 records: two sealed segments of 15 (1024 bytes hold 15 of 64), then 5 in the newest.
    Logs.appendRange(log, 1, 30 + RECORDS, SIZE, 7);
    log.close();
    List<Path> segs = Logs.segmentFiles(original);
    assertThat(segs).hasSize(3);
    segment = segs.get(2);
    end = Files.size(segment);
    lastStart = end - RECORD_BYTES;
    assertThat(end).isEqualTo(16 + RECORDS * RECORD_BYTES);
  }

  private Path copy(String name) throws IOException {
    Path to = tmp.resolve(name);
    Logs.deleteTree(to);
    Logs.copyTree(original, to);
    return to;
  }

  private DiskLog open(Path dir) {
    return DiskLog.open(dir, "t", SEGMENT, LogRetention.NONE);
  }

  @Test
  void aTearAtEveryByteOfTheLastRecordLosesOnlyThatRecord() throws IOException {
    for (long cut = lastStart; cut < end; cut++) {
      Path dir = copy("cut");
      try (FileChannel ch = FileChannel.open(dir.resolve(segment.getFileName()), StandardOpenOption.WRITE)) {
        ch.truncate(cut);
      }
      DiskLog log = open(dir);
      Recovery r = log.recovery();
      assertThat(r.droppedRecords()).as("records dropped for a cut at %d", cut).isEqualTo(1);
      assertThat(r.droppedBytes()).as("bytes dropped for a cut at %d", cut).isEqualTo(cut - lastStart);
      assertThat(r.lastSeqBefore()).isEqualTo(35);
      assertThat(r.lastSeqAfter()).isEqualTo(34);
      assertHolds(log, 1, 34, SIZE);
      assertThat(Files.size(dir.resolve(segment.getFileName()))).isEqualTo(lastStart);
      // The log goes on from where it was cut, and the next open finds nothing more to cut.
      log.append(35, 7, payload(35, SIZE));
      log.close();
      DiskLog again = open(dir);
      assertThat(again.recovery().droppedAnything()).isFalse();
      assertHolds(again, 1, 35, SIZE);
      again.close();
    }
  }

  @Test
  void aFlippedByteAnywhereInARecordCutsFromThatRecordOn() throws IOException {
    int damaged = 3;
    long start = 16 + (long) (damaged - 1) * RECORD_BYTES;
    for (long at = start; at < start + RECORD_BYTES; at++) {
      Path dir = copy("flip");
      flip(dir.resolve(segment.getFileName()), at);
      DiskLog log = open(dir);
      Recovery r = log.recovery();
      assertThat(r.droppedRecords()).as("records dropped for a flip at %d", at).isEqualTo(RECORDS - damaged + 1);
      assertThat(r.droppedBytes()).as("bytes dropped for a flip at %d", at).isEqualTo(end - start);
      assertThat(r.detail()).contains("at byte " + start);
      assertHolds(log, 1, 30 + damaged - 1, SIZE);
      log.close();
    }
  }

  @Test
  void aSeqOutOfOrderIsDamageToo() throws IOException {
    Path dir = copy("seq");
    Path seg = dir.resolve(segment.getFileName());
    // Record 4 of the newest segment says seq 99, with a checksum that matches: only the order gives it away.
    long start = 16 + 3L * RECORD_BYTES;
    ByteBuffer rec = ByteBuffer.allocate(RECORD_BYTES);
    Format.putRecord(rec, 99, 7, payload(34, SIZE));
    rec.flip();
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.write(rec, start);
    }
    DiskLog log = open(dir);
    assertThat(log.recovery().detail()).contains("seq 99 where 34 was due");
    assertThat(log.recovery().droppedRecords()).isEqualTo(2);
    assertHolds(log, 1, 33, SIZE);
  }

  @Test
  void aSegmentTornBeforeItsHeaderWasWrittenIsRemoved() throws IOException {
    Path dir = copy("torn");
    Path torn = dir.resolve(Segment.fileName(36));
    Files.write(torn, new byte[] {0x48, 0x52, 0x4C});
    DiskLog log = open(dir);
    assertThat(log.recovery().droppedBytes()).isEqualTo(3);
    assertThat(log.recovery().detail()).contains("partial header");
    assertThat(torn).doesNotExist();
    assertHolds(log, 1, 35, SIZE);
    log.append(36, 7, payload(36, SIZE));
  }

  @Test
  void aCleanLogReportsNothing() throws IOException {
    DiskLog log = open(copy("clean"));
    assertThat(log.recovery()).isEqualTo(new Recovery("t", 0, 0, 35, 35, "clean"));
  }

  static void flip(Path file, long at) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x20)).rewind();
      ch.write(b, at);
    }
  }
}
