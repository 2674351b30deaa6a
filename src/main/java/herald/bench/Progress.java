package herald.bench;

import java.util.function.Supplier;

/** Prints one status line on stderr about once a second, so a long run shows it is alive and how fast it goes. */
final class Progress {

  private final String name;
  private final boolean quiet;
  private final long startNs;
  private long nextNs;

  Progress(String name, boolean quiet, long startNs) {
    this.name = name;
    this.quiet = quiet;
    this.startNs = startNs;
    this.nextNs = startNs + 1_000_000_000L;
  }

  /**
   * Whether a line is due. Hot loops test this before calling {@link #maybe}: a capturing lambda built on
   * every pass of a spinning loop is garbage, and the generator's own collections would show up as
   * latency outliers.
   */
  boolean due(long nowNs) {
    return nowNs >= nextNs;
  }

  /** Calls {@code line} only when a second has passed, so building the text costs nothing in between. */
  void maybe(long nowNs, Supplier<String> line) {
    if (nowNs < nextNs) {
      return;
    }
    nextNs += 1_000_000_000L;
    if (!quiet) {
      System.err.printf("[%s %5.1fs] %s%n", name, (nowNs - startNs) / 1e9, line.get());
    }
  }
}
