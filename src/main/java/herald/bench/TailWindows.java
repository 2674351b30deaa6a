package herald.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Where in time the slow deliveries of a latency run fall. Each delivery's send time and latency go into
 * preallocated arrays (no allocation while measuring); afterwards the run is cut into windows and the
 * windows holding the most deliveries over the threshold are printed with their wall-clock times, to set
 * against a GC log ({@code -Xlog:gc:file=...:time}) or any other log of the broker's.
 */
final class TailWindows {

  /** Deliveries recorded at most: 2M entries are 24 MB, and a run at 10,000/s takes 200 s to fill them. */
  static final int MAX_RECORDED = 2_000_000;

  /** Window length: short enough to single out one GC pause, long enough to hold a few hundred messages. */
  static final long WINDOW_NS = 100_000_000L;

  private final long[] sentAt;
  private final int[] latencyNs;
  private final long baseNanos;
  private final long baseEpochMillis;
  private int count;

  /** @param baseNanos the {@link System#nanoTime()} that send stamps are relative to */
  TailWindows(long expected, long baseNanos) {
    int capacity = (int) Math.min(expected, MAX_RECORDED);
    this.sentAt = new long[capacity];
    this.latencyNs = new int[capacity];
    this.baseNanos = baseNanos;
    this.baseEpochMillis = System.currentTimeMillis() - (System.nanoTime() - baseNanos) / 1_000_000;
  }

  void record(long sentRelativeNs, long latency) {
    if (count < sentAt.length) {
      sentAt[count] = sentRelativeNs;
      latencyNs[count] = (int) Math.min(Integer.MAX_VALUE, latency);
      count++;
    }
  }

  /** Prints the {@code top} windows with the most deliveries slower than {@code thresholdNs}. */
  void print(PrintStream out, long thresholdNs, int top) {
    if (count == 0) {
      return;
    }
    long first = sentAt[0];
    int windows = (int) ((sentAt[count - 1] - first) / WINDOW_NS) + 1;
    int[] slow = new int[windows];
    int[] all = new int[windows];
    int[] worst = new int[windows];
    long slowTotal = 0;
    for (int i = 0; i < count; i++) {
      int w = (int) ((sentAt[i] - first) / WINDOW_NS);
      all[w]++;
      if (latencyNs[i] > thresholdNs) {
        slow[w]++;
        slowTotal++;
      }
      worst[w] = Math.max(worst[w], latencyNs[i]);
    }
    out.printf("  tail windows   %,d of %,d deliveries (%.2f %%) took over %d us; the %d windows of %d ms with most of them:%n",
        slowTotal, count, 100.0 * slowTotal / count, thresholdNs / 1000, top, WINDOW_NS / 1_000_000);
    int[] order = IntStream.range(0, windows).boxed()
        .sorted(Comparator.comparingInt((Integer w) -> slow[w]).reversed()).mapToInt(Integer::intValue)
        .limit(top).filter(w -> slow[w] > 0).toArray();
    Arrays.sort(order);
    for (int w : order) {
      long startNs = first + w * WINDOW_NS;
      out.printf("                 %s  %4d of %4d slow, worst %8.1f us%n",
          java.time.Instant.ofEpochMilli(baseEpochMillis + startNs / 1_000_000), slow[w], all[w], worst[w] / 1e3);
    }
  }

  /** Writes every delivery as {@code epoch_ms_sent,latency_us}, for plotting. */
  void write(Path file) throws IOException {
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
      w.println("sent_epoch_ms,latency_us");
      for (int i = 0; i < count; i++) {
        w.printf("%.3f,%.1f%n", baseEpochMillis + sentAt[i] / 1e6, latencyNs[i] / 1e3);
      }
    }
  }
}
