package herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Helpers for the store's tests: deterministic payloads, copies of log directories, checks of what is read. */
final class Logs {

  private Logs() {}

  /** A payload that names its seq, padded to {@code size} bytes, so a record read back under the wrong seq shows. */
  static byte[] payload(long seq, int size) {
    byte[] b = new byte[size];
    byte[] tag = ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < size; i++) {
      b[i] = i < tag.length ? tag[i] : (byte) ('a' + (seq + i) % 26);
    }
    return b;
  }

  static void appendRange(DiskLog log, long from, long to, int size, long storedAt) {
    for (long s = from; s <= to; s++) {
      log.append(s, storedAt, payload(s, size));
    }
  }

  /** Reads everything and checks that it is exactly seqs {@code from..to} with their payloads. */
  static void assertHolds(DiskLog log, long from, long to, int size) {
    List<LogRecord> all = log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE);
    assertThat(all).hasSize((int) (to - from + 1));
    long want = from;
    for (LogRecord r : all) {
      assertThat(r.seq()).isEqualTo(want);
      assertThat(r.payload()).isEqualTo(payload(want, size));
      want++;
    }
    assertThat(log.firstSeq()).isEqualTo(from);
    assertThat(log.lastSeq()).isEqualTo(to);
    assertThat(log.count()).isEqualTo(to - from + 1);
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static List<Path> segmentFiles(Path dir) throws IOException {
    try (Stream<Path> all = Files.list(dir)) {
      return all.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
    }
  }
}
