package herald.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fan-out and fan-in: P publishers flood one topic with a bounded window each, S subscribers read it. Every
 * subscriber must get every acknowledged publish, in seq order; the rate is deliveries (summed over
 * subscribers) per second from the first publish to the last delivery.
 */
final class Throughput {

  private final Common common;
  private final String name;
  private final int publishers;
  private final int subscribers;
  private final long messages;
  private final int size;
  private final int window;
  private final long warmupMessages;

  Throughput(Common common, String name, int publishers, int subscribers, long messages, int size, int window,
      long warmupMessages) {
    this.warmupMessages = warmupMessages;
    this.common = common;
    this.name = name;
    this.publishers = publishers;
    this.subscribers = subscribers;
    this.messages = messages;
    this.size = size;
    this.window = window;
  }

  /**
   * Runs an unreported warm-up pass first when asked: a fresh JVM spends its first seconds compiling, and on
   * one core the compiler threads take time from the generator's own loop.
   */
  int run() throws IOException {
    if (warmupMessages > 0) {
      System.err.printf("%s: warm-up pass of %,d publishes (not reported)%n", name, warmupMessages);
      int code = pass(warmupMessages, true);
      if (code == 2) {
        return code;
      }
    }
    return pass(messages, false);
  }

  private int pass(long messages, boolean warmup) throws IOException {
    shownDelivered = 0;
    String topic = Common.freshTopic(name);
    byte[] frame = Frames.ascii(Frames.publishHead(topic) + Frames.stringOfSize(size) + "}\n");
    List<Subscriber> subs = new ArrayList<>();
    List<Publisher> pubs = new ArrayList<>();
    try (Loop loop = new Loop(common.host(), common.port(), common.security)) {
      for (int i = 0; i < subscribers; i++) {
        Subscriber s = new Subscriber(null, Subscriber.messageFrameBytes(topic, size));
        // A large read buffer: fewer read calls per delivered message.
        s.peer = loop.connect(common.subscriberPort(), 1 << 20, s, Frames.subscribe(topic));
        subs.add(s);
      }
      if (!Setup.await(loop, () -> subs.stream().allMatch(s -> s.subscribed), Setup.SECONDS, "subscribers to subscribe")) {
        return 2;
      }
      pubs.addAll(Publisher.connect(loop, frame, window, messages, publishers));
      if (!Setup.ready(loop, Setup.SECONDS)) {
        return 2;
      }

      long start = System.nanoTime();
      long capEnd = start + common.durationSeconds * 1_000_000_000L;
      long lastAckNs = start;
      long lastDeliveryNs = start;
      long prevAcked = 0;
      long prevDelivered = 0;
      boolean capped = false;
      long drainEnd = Long.MAX_VALUE;
      Progress progress = new Progress(name, common.quiet, start);
      pubs.forEach(Publisher::fill);
      while (true) {
        loop.poll();
        long now = System.nanoTime();
        long acked = 0;
        for (Publisher p : pubs) {
          p.fill();
          acked += p.acked;
        }
        long delivered = 0;
        for (Subscriber s : subs) {
          delivered += s.seqs.received;
        }
        if (acked != prevAcked) {
          lastAckNs = now;
          prevAcked = acked;
        }
        if (delivered != prevDelivered) {
          lastDeliveryNs = now;
          prevDelivered = delivered;
        }
        // Plain loops, not streams: this runs once per poll, often hundreds of thousands of times a second.
        boolean allAnswered = true;
        boolean sendingOver = true;
        for (Publisher p : pubs) {
          allAnswered &= p.acked == p.sent || p.peer.closed();
          sendingOver &= p.done() || p.peer.closed();
        }
        boolean subsGone = true;
        for (Subscriber s : subs) {
          subsGone &= s.peer.closed();
        }
        if (sendingOver && allAnswered && delivered >= acked * subscribers) {
          break;
        }
        if (now >= capEnd && drainEnd == Long.MAX_VALUE) {
          capped = true; // the time cap wins over --messages: stop sending, wait for what is in flight
          pubs.forEach(p -> p.stopped = true);
          drainEnd = now + common.drainSeconds * 1_000_000_000L;
        }
        if (sendingOver && drainEnd == Long.MAX_VALUE) {
          drainEnd = now + common.drainSeconds * 1_000_000_000L;
        }
        if (now >= drainEnd || subsGone) {
          break;
        }
        if (progress.due(now)) {
          long deliveredNow = delivered;
          long ackedNow = acked;
          progress.maybe(now, () -> {
            long lastSecond = deliveredNow - shownDelivered;
            shownDelivered = deliveredNow;
            return String.format("published=%,d delivered=%,d (%,d in the last second) closed=%d",
                ackedNow, deliveredNow, lastSecond, closedCount(subs, pubs));
          });
        }
      }
      if (warmup) {
        System.err.printf("%s: warm-up done, %,d delivered%n", name, prevDelivered);
        return 0;
      }
      return report(subs, pubs, start, lastAckNs, lastDeliveryNs, capped);
    }
  }

  private long shownDelivered; // deliveries at the last progress line

  private static int closedCount(List<Subscriber> subs, List<Publisher> pubs) {
    return (int) (subs.stream().filter(s -> s.peer.closed()).count() + pubs.stream().filter(p -> p.peer.closed()).count());
  }

  private int report(List<Subscriber> subs, List<Publisher> pubs, long start, long lastAckNs, long lastDeliveryNs,
      boolean capped) {
    long sent = pubs.stream().mapToLong(p -> p.sent).sum();
    long answered = pubs.stream().mapToLong(p -> p.acked).sum();
    long pubErrors = pubs.stream().mapToLong(Publisher::errorCount).sum();
    long published = answered - pubErrors;
    long expected = published * subscribers;
    long delivered = subs.stream().mapToLong(s -> s.seqs.received).sum();
    long loss = expected - delivered;
    double deliverSecs = Math.max(1e-9, (lastDeliveryNs - start) / 1e9); // never 0: nothing delivered reads as 0/s
    double publishSecs = Math.max(1e-9, (lastAckNs - start) / 1e9);
    Map<String, Integer> errors = new TreeMap<>();
    subs.forEach(s -> s.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum)));
    pubs.forEach(p -> p.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum)));
    boolean ordered = subs.stream().allMatch(s -> s.seqs.clean());
    long disconnects = closedCount(subs, pubs);

    System.out.printf("%s: %d publisher(s) -> %d subscriber(s), %d-byte messages, window %d%s%s%n", name, publishers,
        subscribers, size, window, common.subscriberPort() != common.port()
            ? ", publishers on port " + common.port() + ", subscribers on port " + common.subscriberPort() : "",
        capped ? " (stopped by --duration-seconds)" : "");
    System.out.printf("  published      %,d of %,d sent in %.3f s = %,.0f msgs/s%n", published, sent, publishSecs,
        published / publishSecs);
    System.out.printf("  delivered      %,d in %.3f s = %,.0f msgs/s (sum over subscribers)%n", delivered, deliverSecs,
        delivered / deliverSecs);
    System.out.printf("  expected       %,d  loss %,d%n", expected, loss);
    for (int i = 0; i < subs.size(); i++) {
      Subscriber s = subs.get(i);
      System.out.printf("  subscriber %d   %s%s%n", i, s.seqs,
          s.peer.closed() ? " DISCONNECTED: " + s.peer.closedBecause : "");
    }
    for (int i = 0; i < pubs.size(); i++) {
      Publisher p = pubs.get(i);
      if (p.peer.closed()) {
        System.out.printf("  publisher %d    DISCONNECTED: %s%n", i, p.peer.closedBecause);
      }
    }
    System.out.printf("  errors         %s%n", errors.isEmpty() ? "none" : errors);
    String tls = pubs.get(0).peer.transport();
    boolean auth = pubs.get(0).peer.sentAuth;
    System.out.printf("  security       TLS %s, auth %s%n", tls, auth ? "sent by every connection" : "none");
    System.out.printf("RESULT scenario=%s publishers=%d subscribers=%d size=%d published=%d delivered=%d "
            + "delivered_per_s=%.0f published_per_s=%.0f loss=%d in_order=%s errors=%d disconnects=%d capped=%s "
            + "tls=%s auth=%s%n",
        name, publishers, subscribers, size, published, delivered, delivered / deliverSecs, published / publishSecs,
        loss, ordered, errors.values().stream().mapToInt(Integer::intValue).sum(), disconnects, capped, tls, auth);
    return loss == 0 && ordered && errors.isEmpty() && disconnects == 0 ? 0 : 1;
  }
}
