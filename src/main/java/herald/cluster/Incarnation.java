package herald.cluster;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Names one creation of a topic's log: the time it was made (milliseconds, in the high bits) and 16 random bits.
 * A topic forgotten and made again restarts at seq 1; comparing incarnations first keeps a node's disk copy of the
 * earlier creation from ever being taken for the later one, and the later (larger) one wins. The node that
 * decides to create a log picks the value, and its backups are given it, so every copy of one log names the same.
 */
final class Incarnation {

  private Incarnation() {}

  static long fresh() {
    return (System.currentTimeMillis() << 16) | ThreadLocalRandom.current().nextInt(1 << 16);
  }
}
