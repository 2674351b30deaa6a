package herald.ops;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Numbers that one event loop owns and anyone may read: the counters and gauges behind {@code /metrics}.
 *
 * <p><b>Concurrency.</b> Each instance has a single writer, the event loop of the verticle that created it,
 * which publishes every new value with a release store (a plain store on x86, no fence, no atomic
 * read-modify-write). The metrics scrape reads from its own thread with acquire loads: it sees a recent
 * value, never a torn one, and never writes. The owner reads its own last value back with a plain load,
 * which is exact because nobody else writes.
 */
public final class LoopCounters {

  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

  private final long[] values;

  public LoopCounters(int slots) {
    this.values = new long[slots];
  }

  /** Owner loop only. */
  public void add(int slot, long delta) {
    SLOTS.setRelease(values, slot, values[slot] + delta);
  }

  /** Owner loop only. */
  public void set(int slot, long value) {
    SLOTS.setRelease(values, slot, value);
  }

  /** Any thread. */
  public long get(int slot) {
    return (long) SLOTS.getAcquire(values, slot);
  }
}
