package herald.store;

import static herald.store.Logs.appendRange;
import static herald.store.Logs.assertHolds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's store: start-up over a data directory, the open-file limit, deletes, and group commit. */
class StoreTest {

  @TempDir
  Path data;

  /** Counts fsyncs per path, then does them. */
  static final class CountingFsyncer implements Fsyncer {
    final Map<Path, Integer> counts = new HashMap<>();
    final List<Path> order = new ArrayList<>();

    @Override
    public void fsync(Path path) throws IOException {
      counts.merge(path, 1, Integer::sum);
      order.add(path);
      Fsyncer.DEFAULT.fsync(path);
    }

    void reset() {
      counts.clear();
      order.clear();
    }
  }

  static Store.Options options(FsyncPolicy p) {
    return new Store.Options(p, 16, 4096, LogRetention.NONE);
  }

  @Test
  void groupCommitFsyncsEachDirtyFileOnce() {
    CountingFsyncer fsyncs = new CountingFsyncer();
    Store store = Store.open(data, options(FsyncPolicy.ALWAYS), fsyncs);
    for (String t : List.of("a", "b", "c")) {
      store.log(t);
    }
    store.commit();
    fsyncs.reset();

    // 3 topics x 20 records, interleaved, in one batch: one fsync per topic's segment, not 60.
    for (long seq = 1; seq <= 20; seq++) {
      for (String t : List.of("a", "b", "c")) {
        store.log(t).append(seq, 0, Logs.payload(seq, 32));
      }
    }
    store.commit();
    assertThat(fsyncs.order).hasSize(3).doesNotHaveDuplicates()
        .allMatch(p -> p.getFileName().toString().endsWith(".seg"));

    // Nothing written since: nothing to fsync.
    fsyncs.reset();
    store.commit();
    assertThat(fsyncs.order).isEmpty();

    // Only the written topic's file.
    store.log("b").append(21, 0, Logs.payload(21, 32));
    store.commit();
    assertThat(fsyncs.order).containsExactly(
        data.resolve("topics/b/" + Segment.fileName(1)));
    store.close();
  }

  @Test
  void aBatchThatRollsAndTrimsFsyncsTheNewFilesAndTheCheckpointOnce() {
    CountingFsyncer fsyncs = new CountingFsyncer();
    Store store = Store.open(data, new Store.Options(FsyncPolicy.ALWAYS, 16, 1024,
        new LogRetention(20, LogRetention.UNLIMITED, LogRetention.UNLIMITED)), fsyncs);
    store.log("a");
    store.commit();
    fsyncs.reset();
    // 100 records of 64 bytes roll a 1024-byte segment 6 times (each sealed one is fsynced as it is sealed),
    // and retention trims the head: still every file at most once.
    appendRange(store.log("a"), 1, 100, 40, 0);
    store.commit();
    assertThat(fsyncs.counts.values()).allMatch(n -> n == 1);
    assertThat(fsyncs.counts.keySet()).filteredOn(p -> p.toString().endsWith(".seg")).hasSize(7);
    assertThat(fsyncs.counts.keySet()).contains(data.resolve("topics/a/" + Checkpoint.FILE));
    assertHolds(store.log("a"), 81, 100, 40);
    store.close();
  }

  @Test
  void startUpFindsAndRecoversEveryTopic() throws IOException {
    Store store = Store.open(data, options(FsyncPolicy.INTERVAL));
    appendRange(store.log("orders.eu"), 1, 10, 64, 0);
    appendRange(store.log("Orders.EU"), 1, 20, 64, 0);
    appendRange(store.log("x"), 1, 5, 64, 0);
    store.close();
    Files.createDirectories(data.resolve("topics/stray"));
    // Tear the last record of x.
    Path seg = data.resolve("topics/x/" + Segment.fileName(1));
    try (var ch = java.nio.channels.FileChannel.open(seg, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(Files.size(seg) - 3);
    }

    Store again = Store.open(data, options(FsyncPolicy.INTERVAL));
    assertThat(again.topics()).containsExactlyInAnyOrder("orders.eu", "Orders.EU", "x");
    assertThat(again.skipped()).singleElement().asString().startsWith("stray");
    assertHolds(again.log("orders.eu"), 1, 10, 64);
    assertHolds(again.log("Orders.EU"), 1, 20, 64);
    assertHolds(again.log("x"), 1, 4, 64);
    assertThat(again.recovered()).filteredOn(Recovery::droppedAnything).singleElement()
        .satisfies(r -> {
          assertThat(r.topic()).isEqualTo("x");
          assertThat(r.droppedRecords()).isEqualTo(1);
          assertThat(r.droppedBytes()).isEqualTo(64 + 24 - 3);
        });
    assertThat(again.totalRecords()).isEqualTo(34);
    again.close();
  }

  @Test
  void aTopicThatCannotBeOpenedIsNotRecreatedEmpty() throws IOException {
    Store store = Store.open(data, new Store.Options(FsyncPolicy.NEVER, 16, 1024, LogRetention.NONE));
    appendRange(store.log("t"), 1, 100, 64, 0);
    store.close();
    Path first = data.resolve("topics/t/" + Segment.fileName(1));
    Files.write(first, new byte[16]);
    Store again = Store.open(data, options(FsyncPolicy.NEVER));
    assertThat(again.failed()).containsOnlyKeys("t");
    assertThatThrownBy(() -> again.log("t")).isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("no Herald header");
    again.delete("t");
    assertThat(again.log("t").lastSeq()).isZero();
    again.close();
  }

  @Test
  void deleteRemovesTheFilesForGood() {
    Store store = Store.open(data, options(FsyncPolicy.NEVER));
    appendRange(store.log("gone"), 1, 10, 64, 0);
    store.flushAll();
    store.delete("gone");
    assertThat(data.resolve("topics/gone")).doesNotExist();
    assertThat(store.topics()).isEmpty();
    store.close();
    Store again = Store.open(data, options(FsyncPolicy.NEVER));
    assertThat(again.topics()).isEmpty();
    assertThat(again.log("gone").lastSeq()).isZero();
    again.close();
  }

  @Test
  void openFilesStayWithinTheLimit() {
    Store store = Store.open(data, new Store.Options(FsyncPolicy.INTERVAL, 6, 1024, LogRetention.NONE));
    for (int t = 0; t < 30; t++) {
      appendRange(store.log("t" + t), 1, 40, 64, 0);
      store.commit();
      assertThat(store.openFiles()).isLessThanOrEqualTo(6);
    }
    store.syncDirty();
    for (int t = 0; t < 30; t++) {
      assertHolds(store.log("t" + t), 1, 40, 64);
      assertThat(store.openFiles()).isLessThanOrEqualTo(6);
    }
    assertThat(store.fileOpens()).isGreaterThan(30);
    store.close();
  }
}
