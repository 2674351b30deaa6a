package herald.store;

import static herald.store.Logs.assertHolds;
import static herald.store.Logs.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import herald.wire.Tmpfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk: a 2 MiB tmpfs this test mounts and unmounts. Needs root (mount); skipped without it, but with
 * CI=true a failed mount fails the test, so CI cannot skip it silently.
 */
class DiskFullTest {

  /** Small enough to fill in a moment, large enough for a few segments of 1 KiB records. */
  static final String TMPFS_SIZE = "2m";

  static final int SIZE = 1000;

  @TempDir
  Path tmp;

  Path mount;
  Tmpfs disk;
  /** Every store a test opens, closed before the unmount even when the test fails (a busy mount stays). */
  final java.util.List<Store> stores = new java.util.ArrayList<>();

  private Store open(Store.Options options) {
    Store s = Store.open(mount, options);
    stores.add(s);
    return s;
  }

  @BeforeEach
  void mountTmpfs() throws Exception {
    disk = Tmpfs.mount(tmp.resolve("small"), TMPFS_SIZE);
    mount = disk.path();
  }

  @AfterEach
  void unmount() throws Exception {
    for (Store s : stores) {
      try {
        s.close();
      } catch (RuntimeException alreadyReported) {
        // The test's own assertion says what went wrong; here only the files must be closed.
      }
    }
    if (disk != null) {
      disk.close();
    }
  }

  @Test
  void aFullDiskIsAClearErrorAndReadsGoOn() {
    Store store = open(new Store.Options(FsyncPolicy.ALWAYS, 16, 256 * 1024, LogRetention.NONE));
    DiskLog log = store.log("t");
    StorageWriteException full = null;
    long seq = 1;
    // Bounded: 2 MiB holds under 2,100 records of 1 KiB, so the loop ends by itself either way.
    for (; seq <= 5_000 && full == null; seq++) {
      try {
        log.append(seq, 0, payload(seq, SIZE));
        if (seq % 10 == 0) {
          store.commit();
        }
      } catch (StorageWriteException e) {
        full = e;
      }
    }
    assertThat(full).as("the 2 MiB disk filled up").isNotNull();
    assertThat(full.diskFull()).isTrue();
    assertThat(full).hasMessageContaining("disk full").hasMessageContaining("topic t");
    long held = full.lastSeq();
    assertThat(held).isPositive().isEqualTo(log.lastSeq());

    // Reads go on over everything still held, and appends are refused the same way while the disk is full.
    assertHolds(log, 1, held, SIZE);
    assertThatThrownBy(() -> {
      for (long s = held + 1; s < held + 200; s++) {
        log.append(s, 0, payload(s, SIZE));
      }
      store.commit();
    }).isInstanceOf(StorageWriteException.class);
    assertHolds(log, 1, log.lastSeq(), SIZE);
    long afterRetry = log.lastSeq();
    store.close();

    // What was held opens again with nothing to cut: the failed writes left no partial record.
    Store again = open(store.options());
    assertThat(again.recovered()).singleElement().satisfies(r -> assertThat(r.droppedBytes()).isZero());
    assertHolds(again.log("t"), 1, afterRetry, SIZE);
    // Free space, and the log goes on at the next seq.
    again.log("t").trimTo(afterRetry - 500);
    again.log("t").append(afterRetry + 1, 0, payload(afterRetry + 1, SIZE));
    again.commit();
    assertHolds(again.log("t"), afterRetry - 500, afterRetry + 1, SIZE);
    again.close();
  }

  @Test
  void aWriteThatFitsOnlyInPartIsCutBackToTheLastWholeRecord() throws IOException {
    Store store = open(new Store.Options(FsyncPolicy.NEVER, 16, 256 * 1024, LogRetention.NONE));
    DiskLog log = store.log("t");
    Logs.appendRange(log, 1, 5, SIZE, 0);
    store.commit();
    Path segment = mount.resolve("topics/t/" + Segment.fileName(1));
    long whole = Files.size(segment);
    // Fill the disk, then free two pages: the next batch (20 KiB) is written in part before ENOSPC.
    Path filler = mount.resolve("filler");
    try (var ch = java.nio.channels.FileChannel.open(filler, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(4096);
      try {
        while (true) {
          zeros.clear();
          ch.write(zeros);
        }
      } catch (IOException full) {
        assertThat(StorageWriteException.isDiskFull(full)).isTrue();
      }
      ch.truncate(ch.size() - 2 * 4096);
    }
    Logs.appendRange(log, 6, 25, SIZE, 0);
    assertThatThrownBy(store::commit).isInstanceOf(StorageWriteException.class)
        .satisfies(e -> assertThat(((StorageWriteException) e).lastSeq()).isEqualTo(5));
    assertThat(Files.size(segment)).isEqualTo(whole);
    assertHolds(log, 1, 5, SIZE);
    store.close();
    Files.delete(filler);
    Store again = open(store.options());
    assertThat(again.recovered()).singleElement().satisfies(r -> assertThat(r.droppedAnything()).isFalse());
    assertHolds(again.log("t"), 1, 5, SIZE);
    again.close();
  }
}
