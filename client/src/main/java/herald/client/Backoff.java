package herald.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Waits between connection attempts: none before the first attempt after a loss (the next node is tried at
 * once), then from {@code min} doubling up to {@code max}, each drawn between half and all of that so that
 * many clients of one dead node do not come back in step.
 */
final class Backoff {

  private final long minMillis;
  private final long maxMillis;
  private int failures;

  Backoff(Duration min, Duration max) {
    this.minMillis = min.toMillis();
    this.maxMillis = max.toMillis();
  }

  /** The wait before the next attempt, in milliseconds. */
  long nextDelayMillis() {
    if (failures == 0) {
      return 0;
    }
    long ceiling = maxMillis;
    if (failures - 1 < 31) {
      ceiling = Math.min(maxMillis, minMillis << (failures - 1));
    }
    return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
  }

  void failed() {
    failures++;
  }

  void succeeded() {
    failures = 0;
  }
}
