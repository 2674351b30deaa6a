package herald.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Publish-to-delivery latency at a fixed rate. Publishes are paced by the clock (a due count from the start
 * time, not sleeps between sends), so a slow reply never delays later sends; each message carries the
 * nanoTime of its write, and the subscriber, in the same process, records now minus that.
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
  private final java.nio.file.Path timeline;
  private int dataAt;
  private long badStamps;
  private long slowCount;
  private long shownCount; // histogram count at the last progress line

  private final long warmupMessages;
  /** Deliveries of messages sent before this stamp (relative to {@code base}) are warm-up, not recorded. */
  private long measureFrom;

  Latency(Common common, long messages, int rate, int size, int window, long warmupMessages,
      java.nio.file.Path timeline) {
    this.tail = new TailWindows(messages, base);
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
   * deliveries are not recorded, so neither JVM is still compiling when measured. (A separate warm-up pass
   * on other connections was tried first: the switch made the generator's compiled code deoptimize, and
   * its recompilation, on the generator's own core, showed up as stalls of several milliseconds in the
   * first seconds measured.)
   */
  int run() throws IOException {
    if (warmupMessages > 0) {
      System.err.printf("latency: the first %,d publishes warm up and are not reported%n", warmupMessages);
    }
    return pass(warmupMessages, messages);
  }

  private int pass(long warmup, long measured) throws IOException {
    long messages = warmup + measured;
    if (size < STAMP_DIGITS + 2) {
      throw new IllegalArgumentException("--size must be at least " + (STAMP_DIGITS + 2) + " to hold the timestamp");
    }
    String topic = Common.freshTopic("latency");
    dataAt = Frames.dataOffset(topic) + 1; // past the string's opening quote
    byte[] frame = Frames.ascii(Frames.publishHead(topic) + Frames.stringOfSize(size) + "}\n");
    int stampAt = Frames.publishHead(topic).length() + 1;
    ByteBuffer out = ByteBuffer.wrap(frame);
    try (Loop loop = new Loop(common.host(), common.port())) {
      Subscriber sub = new Subscriber(this::record, Subscriber.messageFrameBytes(topic, size));
      sub.peer = loop.connect(common.subscriberPort(), 256 * 1024, sub);
      sub.peer.write(ByteBuffer.wrap(Frames.subscribe(topic)), null);
      if (!Setup.await(loop, () -> sub.subscribed, 10, "the subscriber to subscribe")) {
        return 2;
      }
      Publisher acks = new Publisher(frame, 1, 0); // used only to count replies; sending is paced here
      acks.peer = loop.connect(64 * 1024, acks);

      long periodNs = 1_000_000_000L / rate;
      long start = System.nanoTime();
      long capEnd = start + common.durationSeconds * 1_000_000_000L;
      long sent = 0;
      long maxLagNs = 0;
      long windowStalls = 0;
      long lastSendNs = start;
      long measureStartNs = start;
      measureFrom = warmup > 0 ? Long.MAX_VALUE : 0;
      long drainEnd = Long.MAX_VALUE;
      boolean capped = false;
      Progress progress = new Progress("latency", common.quiet, start);
      while (true) {
        loop.poll(true);
        long now = System.nanoTime();
        if (drainEnd == Long.MAX_VALUE) {
          long due = Math.min(messages, (now - start) / periodNs + 1);
          while (sent < due && !acks.peer.busy() && !acks.peer.closed()) {
            if (sent - acks.acked >= window) {
              windowStalls++;
              break;
            }
            long t = System.nanoTime();
            if (sent == warmup && warmup > 0) {
              measureFrom = t - base; // from this message on, deliveries are measured
              measureStartNs = t;
              maxLagNs = 0;
              windowStalls = 0;
              System.err.printf("latency: warm-up done, %,d delivered; measuring%n", sub.seqs.received);
            }
            maxLagNs = Math.max(maxLagNs, now - (start + sent * periodNs));
            Frames.putDigits(frame, stampAt, STAMP_DIGITS, t - base);
            out.clear();
            acks.peer.write(out, null);
            sent++;
            lastSendNs = t;
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
                sentNow, sub.seqs.received, n, slowCount);
          });
        }
      }
      double sendSecs = (lastSendNs - measureStartNs) / 1e9;
      return report(sub, acks, Math.max(0, sent - warmup), sendSecs, maxLagNs, windowStalls, capped);
    }
  }

  private void record(byte[] b, int from, int to) {
    long now = System.nanoTime() - base;
    long stamp = from + dataAt + STAMP_DIGITS <= to ? Frames.digits(b, from + dataAt, STAMP_DIGITS) : -1;
    if (stamp < 0 || stamp > now) {
      badStamps++;
      return;
    }
    if (stamp < measureFrom) {
      return;
    }
    histogram.recordValue(Math.max(1, now - stamp));
    if (now - stamp > 1_000_000) {
      slowCount++;
    }
    tail.record(stamp, now - stamp);
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
    System.out.printf("RESULT scenario=latency rate=%d size=%d sent=%d measured=%d delivered=%d loss=%d p50_us=%.1f p99_us=%.1f "
            + "p999_us=%.1f max_us=%.1f in_order=%s errors=%d capped=%s%n", rate, size, sent, histogram.getTotalCount(), sub.seqs.received, loss,
        pct(50), pct(99), pct(99.9), histogram.getMaxValue() / 1e3, sub.seqs.clean(), errors.size(), capped);
    return loss == 0 && sub.seqs.clean() && errors.isEmpty() && !disconnected ? 0 : 1;
  }

  private double pct(double p) {
    return histogram.getValueAtPercentile(p) / 1e3;
  }
}
