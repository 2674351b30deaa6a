package herald.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Appends per second into one topic's log on this machine's disk, for 64 B and 1 KiB records and each fsync
 * policy. Not a test: run it by hand (see bench/results/*-store/README) with a directory on the disk to measure.
 * Every run is a fixed number of records, so it ends by itself.
 *
 * <p>A batch is {@link #BATCH} appends then {@link Store#commit()}, as the broker commits one client read's
 * publishes at a time. ALWAYS is also run with a batch of 1: one fsync per record, the worst case.
 */
public final class StoreBench {

  /** Appends per commit: about one client read of small publishes. */
  static final int BATCH = 64;

  /**
   * Records per run without fsync per batch: ~440 MB of 64 B records, several seconds, so INTERVAL's 1 s syncs
   * happen a few times in the run.
   */
  static final int RECORDS = 5_000_000;

  /** ALWAYS fsyncs per batch; fewer records keep a slow disk's run under a minute. */
  static final int ALWAYS_RECORDS = 100_000;

  static final int ALWAYS_SINGLE_RECORDS = 2_000;

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : "target/store-bench");
    System.out.println("# StoreBench " + Instant.now() + " dir=" + root.toAbsolutePath()
        + " java=" + System.getProperty("java.version") + " cpus=" + Runtime.getRuntime().availableProcessors());
    // Warm-up, not printed: lets the JIT compile the write path before the first measured run.
    run(root, FsyncPolicy.NEVER, 64, RECORDS / 5, BATCH, false);
    for (int size : new int[] {64, 1024}) {
      int many = size == 64 ? RECORDS : RECORDS / 5;
      run(root, FsyncPolicy.NEVER, size, many, BATCH, true);
      run(root, FsyncPolicy.INTERVAL, size, many, BATCH, true);
      run(root, FsyncPolicy.ALWAYS, size, ALWAYS_RECORDS, BATCH, true);
      run(root, FsyncPolicy.ALWAYS, size, ALWAYS_SINGLE_RECORDS, 1, true);
    }
  }

  static void run(Path root, FsyncPolicy policy, int size, int records, int batch, boolean print)
      throws IOException {
    Path dir = root.resolve(policy + "-" + size + "-" + batch);
    deleteTree(dir);
    byte[] payload = new byte[size];
    java.util.Arrays.fill(payload, (byte) 'x');
    long fsyncs = 0;
    try (Store store = Store.open(dir, Store.Options.defaults(policy))) {
      DiskLog log = store.log("bench");
      store.syncDirty();
      long start = System.nanoTime();
      long nextSync = start + 1_000_000_000L;
      for (long seq = 1; seq <= records; seq++) {
        log.append(seq, seq, payload);
        if (seq % batch == 0) {
          store.commit();
          if (policy == FsyncPolicy.ALWAYS) {
            fsyncs++;
          }
          if (policy == FsyncPolicy.INTERVAL && System.nanoTime() >= nextSync) {
            store.syncDirty();
            fsyncs++;
            nextSync += 1_000_000_000L;
          }
        }
      }
      store.commit();
      long nanos = System.nanoTime() - start;
      double perSec = records / (nanos / 1e9);
      if (print) {
        System.out.printf("policy=%-8s size=%5d batch=%3d records=%8d seconds=%7.3f appends_per_s=%,12.0f MB_per_s=%7.1f commits_with_fsync=%d%n",
            policy, size, batch, records, nanos / 1e9, perSec, perSec * (size + 24) / 1e6, fsyncs);
      }
    }
    deleteTree(dir);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
