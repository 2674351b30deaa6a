package herald.ops;

import io.vertx.core.json.JsonArray;

/**
 * A node's publish and deliver rates over the last minutes, for the console's charts: every
 * {@link #INTERVAL_SECONDS} the node's own counters are sampled, and the rate since the last sample kept in
 * a ring of {@link #SAMPLES}.
 *
 * <p><b>Concurrency.</b> Sampled and read only on the {@link OpsVerticle}'s event loop.
 */
final class Rates {

  /** Often enough for a chart that moves, rarely enough that a sample is a rate, not noise. */
  static final int INTERVAL_SECONDS = 5;

  /** 60 samples of 5 s: the last five minutes, which is what an operator looking at a console asks about. */
  static final int SAMPLES = 60;

  private final double[] published = new double[SAMPLES];
  private final double[] delivered = new double[SAMPLES];
  private int next;
  private long lastPublished = -1;
  private long lastDelivered;

  /** Takes one sample of the counters' current totals; the first call only sets the starting point. */
  void sample(long publishedTotal, long deliveredTotal) {
    if (lastPublished >= 0) {
      published[next] = perSecond(publishedTotal - lastPublished);
      delivered[next] = perSecond(deliveredTotal - lastDelivered);
      next = (next + 1) % SAMPLES;
    }
    lastPublished = publishedTotal;
    lastDelivered = deliveredTotal;
  }

  /** Messages per second, oldest first, always {@link #SAMPLES} long (zeros before the node had samples). */
  JsonArray published() {
    return inOrder(published);
  }

  JsonArray delivered() {
    return inOrder(delivered);
  }

  private JsonArray inOrder(double[] ring) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < SAMPLES; i++) {
      a.add(ring[(next + i) % SAMPLES]);
    }
    return a;
  }

  private static double perSecond(long delta) {
    return Math.round(delta * 100.0 / INTERVAL_SECONDS) / 100.0;
  }
}
