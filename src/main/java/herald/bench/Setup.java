package herald.bench;

import java.io.IOException;
import java.util.function.BooleanSupplier;

/** Waiting, with a time limit, for connections to get into the state a scenario starts from. */
final class Setup {

  private Setup() {}

  /** Polls until {@code ready} or {@code seconds} pass; says on stderr what it was waiting for if it gives up. */
  static boolean await(Loop loop, BooleanSupplier ready, int seconds, String what) throws IOException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    while (!ready.getAsBoolean()) {
      if (System.nanoTime() >= end) {
        System.err.println("herald bench: gave up after " + seconds + " s waiting for " + what);
        return false;
      }
      for (Peer p : loop.peers()) {
        if (p.closed()) {
          System.err.println("herald bench: a connection closed while waiting for " + what + ": " + p.closedBecause);
          return false;
        }
      }
      loop.poll();
    }
    return true;
  }
}
