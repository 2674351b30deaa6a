package herald.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Publish-to-delivery latency at a fixed rate. Publishes are paced by the clock (a due count from the start
 * time, not sleeps between sends), so a slow reply never delays later sends; each message carries the
 * nanoTime of its write, and the subscriber, in the same process, records now minus that. The loop sleeps
 * in epoll between events, like any client, so each delivery includes the wake-up of the generator's core.
 */
final class Latency {

  /** The stamp is a fixed-width decimal at the start of a JSON string, so it is written and read in place. */
  private static final int STAMP_DIGITS = 19;

  private final Common common;
  private final long messages;
  private final int rate;
  private final int size;
  private final int window;
  private final long base = System.nanoTime(); // stamps are relative to this, so always positive
  private final Histogram histogram = new Histogram(1, 60_000_000_000L, 3);
  private final TailWindows tail;
  /** Indexed by phase: 0 warm-up, 1 measured (see {@link #pass}). */
  private final Histogram[] histograms;
  private final TailWindows[] tails;
  private final long[] slowCount = new long[2];
  private final java.nio.file.Path timeline;
  private int dataAt;
  private long badStamps;
  private long shownCount; // histogram count at the last progress line

  private final long warmupMessages;
  private final CpuTime cpu;

  Latency(Common common, long messages, int rate, int size, int window, long warmupMessages,
      java.nio.file.Path timeline, long[] cpuPids) {
    this.cpu = new CpuTime(cpuPids);
    this.tail = new TailWindows(messages, base);
    this.histograms = new Histogram[] {new Histogram(1, 60_000_000_000L, 3), histogram};
    this.tails = new TailWindows[] {new TailWindows(Math.max(1, warmupMessages), base), tail};
    this.timeline = timeline;
    this.warmupMessages = warmupMessages;
    this.common = common;
    this.messages = messages;
    this.rate = rate;
    this.size = size;
    this.window = window;
  }

  /**
   * Warm-up and measurement are one run on the same connections and topic: the first {@code warmupMessages}
   * deliveries are recorded apart and reported on a line of their own, so neither JVM is still compiling
   * when measured. (A separate warm-up pass on other connections was tried first: the switch made the
   * generator's compiled code deoptimize, and its recompilation, on the generator's own core, showed up as
   * stalls of several milliseconds in the first seconds measured.)
   */
  int run() throws IOException {
    if (warmupMessages > 0) {
      System.err.printf("latency: the first %,d publishes warm up and are reported apart%n", warmupMessages);
    }
    return pass(warmupMessages, messages);
  }

  /**
   * Which phase a message belongs to (0 warm-up, 1 measured) travels in the message, right after its stamp,
   * and every array below is indexed by it. So the switch from warm-up to measurement takes no branch on
   * either side: a branch never taken during warm-up would be compiled as a trap, and the deoptimization
   * at the switch, with its recompilation on the generator's core, showed up in the first second measured.
   */
  private int pass(long warmup, long measured) throws IOException {
    long messages = warmup + measured;
    if (size < STAMP_DIGITS + 3) {
      throw new IllegalArgumentException("--size must be at least " + (STAMP_DIGITS + 3)
          + " to hold the timestamp and phase");
    }
    String topic = Common.freshTopic("latency");
    dataAt = Frames.dataOffset(topic) + 1; // past the string's opening quote
    byte[] frame = Frames.ascii(Frames.publishHead(topic) + Frames.stringOfSize(size) + "}\n");
    int stampAt = Frames.publishHead(topic).length() + 1;
    ByteBuffer out = ByteBuffer.wrap(frame);
    try (Loop loop = new Loop(common.host(), common.port(), common.security)) {
      Subscriber sub = new Subscriber(this::record, Subscriber.messageFrameBytes(topic, size));
      sub.peer = loop.connect(common.subscriberPort(), 256 * 1024, sub, Frames.subscribe(topic));
      if (!Setup.await(loop, () -> sub.subscribed, Setup.SECONDS, "the subscriber to subscribe")) {
        return 2;
      }
      Publisher acks = new Publisher(frame, 1, 0); // used only to count replies; sending is paced here
      acks.peer = loop.connect(64 * 1024, acks, null);
      if (!Setup.ready(loop, Setup.SECONDS)) {
        return 2;
      }

      long periodNs = 1_000_000_000L / rate;
      long start = System.nanoTime();
      long capEnd = start + common.durationSeconds * 1_000_000_000L;
      long sent = 0;
      long[] maxLagNs = new long[2];
      long[] lastSendNs = {start, start};
      long windowStalls = 0;
      long drainEnd = Long.MAX_VALUE;
      boolean capped = false;
      Progress progress = new Progress("latency", common.quiet, start);
      Pacer pacer = new Pacer(loop, start, periodNs);
      pacer.start();
      cpu.startAt(start + warmup * periodNs); // when the first measured publish is due
      while (true) {
        loop.await();
        long now = System.nanoTime();
        if (drainEnd == Long.MAX_VALUE) {
          long due = Math.min(messages, (now - start) / periodNs + 1);
          while (sent < due && !acks.peer.busy() && !acks.peer.closed()) {
            if (sent - acks.acked >= window) {
              windowStalls++;
              break;
            }
            long t = System.nanoTime();
            int phase = (int) ((warmup - 1 - sent) >>> 63); // 1 once sent >= warmup
            maxLagNs[phase] = Math.max(maxLagNs[phase], now - (start + sent * periodNs));
            Frames.putDigits(frame, stampAt, STAMP_DIGITS, t - base);
            frame[stampAt + STAMP_DIGITS] = (byte) ('0' + phase);
            out.clear();
            acks.peer.write(out, null);
            sent++;
            lastSendNs[phase] = t;
            now = t;
          }
          if (sent == messages) {
            drainEnd = now + common.drainSeconds * 1_000_000_000L;
          } else if (now >= capEnd) {
            capped = true;
            drainEnd = now + common.drainSeconds * 1_000_000_000L;
          }
        }
        if (drainEnd != Long.MAX_VALUE && (sub.seqs.received >= acks.acked && acks.acked == sent) || now >= drainEnd
            || sub.peer.closed() || acks.peer.closed()) {
          break;
        }
        if (progress.due(now)) {
          long sentNow = sent;
          // Counts only: a percentile walks the whole histogram, and this runs on the measuring thread.
          progress.maybe(now, () -> {
            long n = histogram.getTotalCount() - shownCount;
            shownCount = histogram.getTotalCount();
            return String.format("sent=%,d received=%,d (%,d measured in the last second), over 1 ms so far %,d",
                sentNow, sub.seqs.received, n, slowCount[1]);
          });
        }
      }
      cpu.end();
      pacer.finish();
      // The measured sends span from the last warm-up send (or the start) to the last one.
      double sendSecs = (lastSendNs[1] - lastSendNs[0]) / 1e9;
      return report(sub, acks, Math.max(0, sent - warmup), sendSecs, maxLagNs[1], windowStalls, capped);
    }
  }

  /**
   * Wakes the loop when each publish is due; the loop itself does all the sending, so every counter stays on
   * one thread. Neither thread spins. A spinning generator was tried first: its core, always busy, was
   * preempted by the host for 1 to 8 ms several times a second, and every delivery that arrived meanwhile
   * was read late and counted as the broker's latency. A delivery now wakes the loop itself, from epoll, as
   * it would any client.
   */
  static final class Pacer extends Thread {
    private final Loop loop;
    private final long start;
    private final long periodNs;
    private volatile boolean done;

    Pacer(Loop loop, long start, long periodNs) {
      super("latency-pacer");
      setDaemon(true);
      this.loop = loop;
      this.start = start;
      this.periodNs = periodNs;
    }

    @Override
    public void run() {
      for (long due = start; !done; due += periodNs) {
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        loop.wakeup();
      }
    }

    void finish() {
      done = true;
      try {
        join(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void record(byte[] b, int from, int to) {
    long now = System.nanoTime() - base;
    int at = from + dataAt;
    long stamp = at + STAMP_DIGITS < to ? Frames.digits(b, at, STAMP_DIGITS) : -1;
    int phase = at + STAMP_DIGITS < to ? b[at + STAMP_DIGITS] - '0' : -1;
    if (stamp < 0 || stamp > now || (phase & ~1) != 0) {
      badStamps++;
      return;
    }
    histograms[phase].recordValue(Math.max(1, now - stamp));
    slowCount[phase] += (1_000_000 - (now - stamp)) >>> 63; // over 1 ms
    tails[phase].record(stamp, now - stamp);
  }

  private int report(Subscriber sub, Publisher acks, long sent, double sendSecs, long maxLagNs, long windowStalls,
      boolean capped) {
    long published = acks.acked - acks.errorCount();
    long loss = published - sub.seqs.received;
    var errors = new java.util.TreeMap<String, Integer>(sub.errors);
    acks.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum));
    boolean disconnected = sub.peer.closed() || acks.peer.closed();
    System.out.printf("latency: 1 publisher -> 1 subscriber, %d-byte messages at %,d msgs/s%s%s%n", size, rate,
        common.subscriberPort() != common.port()
            ? ", publisher on port " + common.port() + ", subscriber on port " + common.subscriberPort() : "",
        capped ? " (stopped by --duration-seconds)" : "");
    System.out.printf("  sent           %,d in %.3f s = %,.0f msgs/s; pacing fell behind by at most %.1f us%s%n", sent,
        sendSecs, sent / Math.max(sendSecs, 1e-9), maxLagNs / 1e3,
        windowStalls > 0 ? "; window full " + windowStalls + " times" : "");
    System.out.printf("  delivered      %,d of %,d published (warm-up included), loss %,d; subscriber %s%n",
        sub.seqs.received, published, loss, sub.seqs);
    System.out.printf("  latency (us)   p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  p99.99 %.1f  max %.1f  mean %.1f%n",
        pct(50), pct(90), pct(99), pct(99.9), pct(99.99), histogram.getMaxValue() / 1e3, histogram.getMean() / 1e3);
    Histogram warm = histograms[0];
    if (warm.getTotalCount() > 0) {
      System.out.printf("  warm-up (us)   p50 %.1f  p99 %.1f  max %.1f over the first %,d deliveries, %.2f %% over 1 ms "
              + "(not in the figures above)%n", warm.getValueAtPercentile(50) / 1e3, warm.getValueAtPercentile(99) / 1e3,
          warm.getMaxValue() / 1e3, warm.getTotalCount(), 100.0 * slowCount[0] / warm.getTotalCount());
    }
    tail.print(System.out, 1_000_000, 8);
    if (timeline != null) {
      try {
        tail.write(timeline);
        System.out.printf("  timeline       every delivery in %s%n", timeline);
      } catch (java.io.IOException e) {
        System.out.printf("  timeline       not written: %s%n", e.getMessage());
      }
    }
    System.out.printf("  errors         %s%s%n", errors.isEmpty() ? "none" : errors.toString(),
        badStamps > 0 ? "; unreadable stamps " + badStamps : "");
    if (disconnected) {
      System.out.printf("  DISCONNECTED   %s%n", List.of(String.valueOf(sub.peer.closedBecause), String.valueOf(acks.peer.closedBecause)));
    }
    System.out.printf("  security       TLS %s, auth %s%n", acks.peer.transport(),
        acks.peer.sentAuth ? "sent by both connections" : "none");
    if (cpu.enabled()) {
      System.out.printf("  server CPU     %s (%% of one core, from the first measured publish to the last delivery)%n",
          cpu.result().strip());
    }
    System.out.printf("RESULT scenario=latency rate=%d size=%d sent=%d measured=%d delivered=%d loss=%d p50_us=%.1f p99_us=%.1f "
            + "p999_us=%.1f max_us=%.1f in_order=%s errors=%d capped=%s tls=%s auth=%s%s%n", rate, size, sent,
        histogram.getTotalCount(), sub.seqs.received, loss, pct(50), pct(99), pct(99.9), histogram.getMaxValue() / 1e3,
        sub.seqs.clean(), errors.size(), capped, acks.peer.transport(), acks.peer.sentAuth, cpu.result());
    return loss == 0 && sub.seqs.clean() && errors.isEmpty() && !disconnected ? 0 : 1;
  }

  private double pct(double p) {
    return histogram.getValueAtPercentile(p) / 1e3;
  }
}
