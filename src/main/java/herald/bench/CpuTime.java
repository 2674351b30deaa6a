package herald.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU time other processes on this machine (the servers under test) use over part of a run, from
 * {@code /proc/<pid>/stat}: user plus system time of all their threads. Linux only.
 *
 * <p>The window starts at a given instant on a thread of its own ({@link #startAt}), so that a measuring loop
 * takes no branch for it: a branch first taken mid-run deoptimizes the loop's compiled code (see
 * {@link Latency#pass}). It ends when the scenario calls {@link #end}, right after its last delivery.
 */
final class CpuTime {

  /**
   * Clock ticks per second of {@code /proc/<pid>/stat}: USER_HZ, which Linux fixes at 100 for user space on
   * x86 and ARM whatever the kernel's own HZ. One tick is 10 ms: 0.05 % of a core over a 20 s window.
   */
  static final long TICKS_PER_SECOND = 100;

  private final long[] pids;
  private volatile long[] startTicks;
  private volatile long startNs;
  private long[] endTicks;
  private long endNs;
  private Thread starter;

  /** @param pids the processes to follow; none: {@link #result} is empty and nothing is read */
  CpuTime(long[] pids) {
    this.pids = pids.clone();
  }

  /** "123,456" as given to --cpu-pids: the pids; empty for an empty string. */
  static long[] pids(String csv) {
    if (csv == null || csv.isBlank()) {
      return new long[0];
    }
    return Arrays.stream(csv.split(",")).map(String::strip).mapToLong(Long::parseLong).toArray();
  }

  /**
   * utime + stime, in ticks, from one line of {@code /proc/<pid>/stat}. The command name (field 2) is in
   * parentheses and may hold spaces and parentheses itself, so fields are counted from its last ")".
   */
  static long ticks(String statLine) {
    String[] f = statLine.substring(statLine.lastIndexOf(')') + 2).split(" ");
    // f[0] is field 3 (state); utime and stime are fields 14 and 15.
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** Each process's utime + stime in ticks; -1 for one that cannot be read (gone, not Linux). */
  static long[] sample(long[] pids) {
    long[] t = new long[pids.length];
    for (int i = 0; i < pids.length; i++) {
      try {
        t[i] = ticks(Files.readString(Path.of("/proc/" + pids[i] + "/stat")));
      } catch (IOException | RuntimeException e) {
        t[i] = -1;
      }
    }
    return t;
  }

  boolean enabled() {
    return pids.length > 0;
  }

  /** Starts the window at {@code nanoTime} ({@link System#nanoTime}), now if that has passed. */
  void startAt(long nanoTime) {
    if (!enabled()) {
      return;
    }
    starter = new Thread(() -> {
      for (long wait; (wait = nanoTime - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted(); ) {
        LockSupport.parkNanos(wait);
      }
      if (!Thread.currentThread().isInterrupted()) {
        startNs = System.nanoTime();
        startTicks = sample(pids);
      }
    }, "cpu-window");
    starter.setDaemon(true);
    starter.start();
  }

  /** Ends the window now; a window that had not started yet has no result. */
  void end() {
    if (!enabled()) {
      return;
    }
    endTicks = sample(pids);
    endNs = System.nanoTime();
    if (startTicks == null) {
      starter.interrupt();
    }
    try {
      starter.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * For the RESULT line: " cpu_pct=P cpu_pct_each=P1,P2 cpu_window_s=S", the processes' CPU time as a
   * percentage of one core over the window (summed, then each); -1 when unknown. Empty without pids.
   */
  String result() {
    if (!enabled()) {
      return "";
    }
    long[] start = startTicks;
    double seconds = (endNs - startNs) / 1e9;
    if (start == null || endTicks == null || seconds <= 0) {
      return " cpu_pct=-1 cpu_pct_each=-1 cpu_window_s=0";
    }
    double total = 0;
    StringBuilder each = new StringBuilder();
    boolean known = true;
    for (int i = 0; i < pids.length; i++) {
      known &= start[i] >= 0 && endTicks[i] >= 0;
      double pct = 100.0 * (endTicks[i] - start[i]) / TICKS_PER_SECOND / seconds;
      total += pct;
      each.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "%.1f", pct));
    }
    if (!known) {
      return " cpu_pct=-1 cpu_pct_each=-1 cpu_window_s=" + String.format(Locale.ROOT, "%.1f", seconds);
    }
    return String.format(Locale.ROOT, " cpu_pct=%.1f cpu_pct_each=%s cpu_window_s=%.1f", total, each, seconds);
  }
}
