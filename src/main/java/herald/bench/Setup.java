package herald.bench;

import java.io.IOException;
import java.util.function.BooleanSupplier;

/** Waiting, with a time limit, for connections to get into the state a scenario starts from. */
final class Setup {

  /**
   * How long connections get to subscribe, finish the TLS handshake and authenticate: each takes
   * milliseconds on loopback (a bcrypt check tens of them), so ten seconds means the broker is not answering.
   */
  static final int SECONDS = 10;

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
          System.err.println("herald bench: a connection closed while waiting for " + what + ": " + p.closedBecause
              + (p.firstError != null ? ", after the error " + p.firstError : ""));
          return false;
        }
      }
      loop.poll();
    }
    return true;
  }

  /**
   * Waits until every connection has its greeting (its TLS handshake is over) and, if it sent {@code auth},
   * the answer: neither is part of what a scenario measures.
   */
  static boolean ready(Loop loop, int seconds) throws IOException {
    return await(loop, () -> loop.peers().stream().allMatch(Peer::ready), seconds,
        "the connections' greetings" + (loop.peers().stream().anyMatch(p -> p.sentAuth) ? " and authentication" : ""));
  }
}
