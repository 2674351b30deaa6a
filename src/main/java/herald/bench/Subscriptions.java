package herald.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What many subscriptions, mostly wildcard patterns, cost a publish. The broker is given N subscriptions;
 * then one publisher floods a few "hot" topics, and afterwards publishes to them at a fixed rate, stamping
 * each message, so both throughput and publish-to-delivery latency are measured with N in the broker.
 *
 * <p>Every publish matches exactly {@link #HOT_READERS} subscriptions, however large N is, each on a
 * connection of its own (a connection gets a message once, however many of its subscriptions match), so
 * only the number of subscriptions that do not match changes between runs. With T hot topics
 * {@code P.h<k>.v}, the hot subscriptions are: the T topics themselves on one connection, {@code P.h<k>.*}
 * on a second, {@code P.*.v} on a third and {@code P.>} on a fourth (2T + 2 subscriptions). The other
 * N - 2T - 2 are spread over {@code --per-connection} per connection, patterns ({@code P.c<i>.*},
 * {@code P.c<i>.>}, {@code P.*.w<i>}, {@code P.c<i mod 1000>.*.x<i>}, in turn) and exact topics
 * ({@code P.c<i>.e}) mixed so that patterns are {@code --pattern-share} of all N; none of them matches a
 * hot topic, and nothing is published to them.
 */
final class Subscriptions {

  /** Connections that read the hot topics: exact, P.h<k>.*, P.*.v and P.>. */
  static final int HOT_READERS = 4;
  /** Hot topics are named with one digit, so all their publish frames have one length. */
  static final int MAX_TOPICS = 10;
  /** The stamp is a fixed-width decimal at the start of the message, followed by the phase digit. */
  private static final int STAMP_DIGITS = 19;

  private final Common common;
  private final int subscriptions;
  private final double patternShare;
  private final int perConnection;
  private final int topics;
  private final long messages;
  private final long warmupMessages;
  private final int window;
  private final int size;
  private final int rate;
  private final long latencyMessages;
  private final long latencyWarmup;
  private final int setupSeconds;
  private final long brokerPid;

  Subscriptions(Common common, int subscriptions, double patternShare, int perConnection, int topics, long messages,
      long warmupMessages, int window, int size, int rate, long latencyMessages, long latencyWarmup,
      int setupSeconds, long brokerPid) {
    if (topics < 1 || topics > MAX_TOPICS) {
      throw new IllegalArgumentException("--topics must be 1 to " + MAX_TOPICS);
    }
    if (subscriptions < 2 * topics + 2) {
      throw new IllegalArgumentException("--subscriptions must be at least " + (2 * topics + 2)
          + ", the subscriptions that match the " + topics + " hot topic(s)");
    }
    if (perConnection < topics) {
      throw new IllegalArgumentException("--per-connection must be at least --topics");
    }
    if (size < STAMP_DIGITS + 3) {
      throw new IllegalArgumentException("--size must be at least " + (STAMP_DIGITS + 3));
    }
    this.common = common;
    this.subscriptions = subscriptions;
    this.patternShare = patternShare;
    this.perConnection = perConnection;
    this.topics = topics;
    this.messages = messages;
    this.warmupMessages = warmupMessages;
    this.window = window;
    this.size = size;
    this.rate = rate;
    this.latencyMessages = latencyMessages;
    this.latencyWarmup = latencyWarmup;
    this.setupSeconds = setupSeconds;
    this.brokerPid = brokerPid;
  }

  /** A connection that holds subscriptions: counts the replies, and any message (none is expected for cold ones). */
  static final class Holder implements Peer.Lines {
    final Map<String, Integer> errors = new TreeMap<>();
    long subscribed;
    long stray;
    Peer peer;

    @Override
    public void line(Peer p, byte[] b, int from, int to) {
      switch (Frames.kind(b, from, to)) {
        case SUBSCRIBED -> subscribed++;
        case MESSAGE -> stray++;
        case ERROR -> p.error(Frames.errorCode(b, from, to), errors);
        case CONNECTED -> p.greeted = true;
        case AUTHENTICATED -> p.authenticated = true;
        default -> { }
      }
    }
  }

  /** A hot reader: checks each hot topic's seqs apart, and hands stamped messages to the latency record. */
  final class Reader implements Peer.Lines {
    final Holder holder = new Holder();
    final SeqCheck[] seqs = new SeqCheck[topics];
    private final int topicDigitAt;

    Reader(String hotTopic0) {
      for (int i = 0; i < topics; i++) {
        seqs[i] = new SeqCheck();
      }
      topicDigitAt = ("{\"type\":\"message\",\"topic\":\"" + hotTopic0).length() - ".v".length() - 1;
    }

    long received() {
      long n = 0;
      for (SeqCheck s : seqs) {
        n += s.received;
      }
      return n;
    }

    boolean clean() {
      for (SeqCheck s : seqs) {
        if (!s.clean()) {
          return false;
        }
      }
      return true;
    }

    @Override
    public void line(Peer p, byte[] b, int from, int to) {
      if (Frames.kind(b, from, to) != Frames.Kind.MESSAGE) {
        holder.line(p, b, from, to);
        return;
      }
      int k = from + topicDigitAt < to ? b[from + topicDigitAt] - '0' : -1;
      if (k < 0 || k >= topics) {
        holder.stray++;
        return;
      }
      seqs[k].seq(Frames.trailingSeq(b, from, to));
      record(b, from, to);
    }
  }

  private final Histogram[] histograms = {new Histogram(1, 60_000_000_000L, 3), new Histogram(1, 60_000_000_000L, 3)};
  private final long base = System.nanoTime();
  private int dataAt;
  private long badStamps;

  /** Records a stamped message's latency in its phase's histogram (0 warm-up, 1 measured); others are ignored. */
  private void record(byte[] b, int from, int to) {
    long now = System.nanoTime() - base;
    int at = from + dataAt;
    if (at + STAMP_DIGITS >= to || b[at] == 'x') {
      return; // a throughput message: not stamped
    }
    long stamp = Frames.digits(b, at, STAMP_DIGITS);
    int phase = b[at + STAMP_DIGITS] - '0';
    if (stamp < 0 || stamp > now || (phase & ~1) != 0) {
      badStamps++;
      return;
    }
    histograms[phase].recordValue(Math.max(1, now - stamp));
  }

  int run() throws IOException {
    String prefix = Common.freshTopic("subs");
    String[] hot = new String[topics];
    for (int k = 0; k < topics; k++) {
      hot[k] = prefix + ".h" + k + ".v";
    }
    dataAt = Frames.dataOffset(hot[0]) + 1; // past the string's opening quote
    long rssBefore = Rss.kib(brokerPid);
    try (Loop loop = new Loop(common.host(), common.port(), common.security)) {
      // The hot readers.
      List<Reader> readers = new ArrayList<>();
      StringBuilder exact = new StringBuilder();
      StringBuilder perTopic = new StringBuilder();
      for (String t : hot) {
        exact.append(new String(Frames.subscribe(t), java.nio.charset.StandardCharsets.US_ASCII));
        perTopic.append(new String(Frames.subscribe(t.substring(0, t.length() - 1) + "*"), java.nio.charset.StandardCharsets.US_ASCII));
      }
      byte[][] hotRequests = {Frames.ascii(exact.toString()), Frames.ascii(perTopic.toString()),
          Frames.subscribe(prefix + ".*.v"), Frames.subscribe(prefix + ".>")};
      long[] hotCounts = {topics, topics, 1, 1};
      for (byte[] request : hotRequests) {
        Reader r = new Reader(hot[0]);
        readers.add(r);
        r.holder.peer = loop.connect(common.subscriberPort(), 1 << 20, r, request);
      }
      // The cold ones.
      int hotSubs = 2 * topics + 2;
      int cold = subscriptions - hotSubs;
      int patterns = (int) Math.round(patternShare * subscriptions);
      int coldPatterns = Math.max(0, Math.min(cold, patterns - (topics + 2)));
      List<Holder> holders = new ArrayList<>();
      List<Integer> holderCounts = new ArrayList<>();
      StringBuilder batch = new StringBuilder();
      int inBatch = 0;
      int madePatterns = topics + 2;
      for (int i = 0; i < cold; i++) {
        // Patterns and exact topics interleaved evenly, so every connection holds the same mix.
        boolean pattern = cold > 0 && (long) (i + 1) * coldPatterns / cold > (long) i * coldPatterns / cold;
        String topic = pattern ? switch (i % 4) {
          case 0 -> prefix + ".c" + i + ".*";
          case 1 -> prefix + ".c" + i + ".>";
          case 2 -> prefix + ".*.w" + i;
          default -> prefix + ".c" + (i % 1000) + ".*.x" + i;
        } : prefix + ".c" + i + ".e";
        madePatterns += pattern ? 1 : 0;
        batch.append("{\"action\":\"subscribe\",\"topic\":\"").append(topic).append("\"}\n");
        if (++inBatch == perConnection || i == cold - 1) {
          Holder h = new Holder();
          holders.add(h);
          holderCounts.add(inBatch);
          h.peer = loop.connect(common.subscriberPort(), 64 * 1024, h, Frames.ascii(batch.toString()));
          batch.setLength(0);
          inBatch = 0;
        }
      }
      long setupStart = System.nanoTime();
      boolean allIn = Setup.await(loop, () -> {
        for (int i = 0; i < readers.size(); i++) {
          if (readers.get(i).holder.subscribed < hotCounts[i]) {
            return false;
          }
        }
        for (int i = 0; i < holders.size(); i++) {
          if (holders.get(i).subscribed + holders.get(i).errors.size() < holderCounts.get(i)) {
            return false;
          }
        }
        return true;
      }, setupSeconds, "the " + subscriptions + " subscriptions to be answered");
      double setupSecs = (System.nanoTime() - setupStart) / 1e9;
      if (!allIn) {
        return 2;
      }
      Map<String, Integer> errors = new TreeMap<>();
      holders.forEach(h -> h.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum)));
      readers.forEach(r -> r.holder.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum)));
      if (!errors.isEmpty()) {
        System.err.println("herald bench: subscribing failed: " + errors + " (--per-connection above the broker's "
            + "max_subscriptions_per_connection?)");
        return 2;
      }
      long rssSubscribed = Rss.kib(brokerPid);

      // Throughput: an unreported pass first, then the measured one, each on its own publishing connection.
      byte[][] frames = new byte[topics][];
      for (int k = 0; k < topics; k++) {
        frames[k] = Frames.ascii(Frames.publishHead(hot[k]) + "\"" + "x".repeat(size - 2) + "\"}\n");
      }
      if (warmupMessages > 0) {
        System.err.printf("subscriptions: warm-up pass of %,d publishes (not reported)%n", warmupMessages);
        if (flood(loop, frames, readers, warmupMessages, true) == null) {
          return 2;
        }
      }
      double[] flood = flood(loop, frames, readers, messages, false);
      if (flood == null) {
        return 2;
      }

      // Latency: paced publishes, stamped, the first latencyWarmup recorded apart.
      double[] paced = paced(loop, hot, readers);
      if (paced == null) {
        return 2;
      }
      long rssAfter = Rss.kib(brokerPid);
      return report(readers, holders, setupSecs, madePatterns, rssBefore, rssSubscribed, rssAfter, flood, paced);
    }
  }

  /** Published, delivered (sum over the hot readers), their rates, loss, capped; null if setup failed. */
  private double[] flood(Loop loop, byte[][] frames, List<Reader> readers, long quota, boolean warmup) throws IOException {
    Publisher pub = new Publisher(frames, window, quota);
    pub.peer = loop.connect(64 * 1024, pub, null);
    if (!Setup.ready(loop, Setup.SECONDS)) {
      return null;
    }
    long receivedBefore = readers.stream().mapToLong(Reader::received).sum();
    long start = System.nanoTime();
    long capEnd = start + common.durationSeconds * 1_000_000_000L;
    long drainEnd = Long.MAX_VALUE;
    long lastAckNs = start;
    long lastDeliveryNs = start;
    long prevAcked = 0;
    long prevDelivered = 0;
    boolean capped = false;
    Progress progress = new Progress("subscriptions", common.quiet || warmup, start);
    pub.fill();
    while (true) {
      loop.poll();
      long now = System.nanoTime();
      pub.fill();
      long delivered = -receivedBefore;
      boolean readerGone = false;
      for (Reader r : readers) {
        delivered += r.received();
        readerGone |= r.holder.peer.closed();
      }
      if (pub.acked != prevAcked) {
        lastAckNs = now;
        prevAcked = pub.acked;
      }
      if (delivered != prevDelivered) {
        lastDeliveryNs = now;
        prevDelivered = delivered;
      }
      boolean over = pub.done() || pub.peer.closed();
      if (over && pub.acked == pub.sent && delivered >= (pub.acked - pub.errorCount()) * HOT_READERS) {
        break;
      }
      if (now >= capEnd && drainEnd == Long.MAX_VALUE) {
        capped = true;
        pub.stopped = true;
        drainEnd = now + common.drainSeconds * 1_000_000_000L;
      }
      if (over && drainEnd == Long.MAX_VALUE) {
        drainEnd = now + common.drainSeconds * 1_000_000_000L;
      }
      if (now >= drainEnd || readerGone) {
        break;
      }
      if (progress.due(now)) {
        long d = delivered;
        long a = pub.acked;
        progress.maybe(now, () -> String.format("published=%,d delivered=%,d", a, d));
      }
    }
    long published = pub.acked - pub.errorCount();
    double publishSecs = Math.max(1e-9, (lastAckNs - start) / 1e9);
    double deliverSecs = Math.max(1e-9, (lastDeliveryNs - start) / 1e9);
    if (warmup) {
      System.err.printf("subscriptions: warm-up done, %,d delivered%n", prevDelivered);
    }
    return new double[] {published, prevDelivered, published / publishSecs, prevDelivered / deliverSecs,
        published * HOT_READERS - prevDelivered, capped ? 1 : 0, pub.errorCount()};
  }

  /** Sent, published, delivered, loss, capped, windowStalls; null if setup failed. */
  private double[] paced(Loop loop, String[] hot, List<Reader> readers) throws IOException {
    long total = latencyWarmup + latencyMessages;
    byte[][] frames = new byte[topics][];
    ByteBuffer[] outs = new ByteBuffer[topics];
    int stampAt = Frames.publishHead(hot[0]).length() + 1;
    for (int k = 0; k < topics; k++) {
      frames[k] = Frames.ascii(Frames.publishHead(hot[k]) + Frames.stringOfSize(size) + "}\n");
      outs[k] = ByteBuffer.wrap(frames[k]);
    }
    Publisher acks = new Publisher(frames[0], 1, 0); // counts replies only; sending is paced here
    acks.peer = loop.connect(64 * 1024, acks, null);
    if (!Setup.ready(loop, Setup.SECONDS)) {
      return null;
    }
    long receivedBefore = readers.stream().mapToLong(Reader::received).sum();
    long periodNs = 1_000_000_000L / rate;
    long start = System.nanoTime();
    long capEnd = start + common.durationSeconds * 1_000_000_000L;
    long drainEnd = Long.MAX_VALUE;
    long sent = 0;
    long windowStalls = 0;
    boolean capped = false;
    Latency.Pacer pacer = new Latency.Pacer(loop, start, periodNs);
    pacer.start();
    try {
      while (true) {
        loop.await();
        long now = System.nanoTime();
        if (drainEnd == Long.MAX_VALUE) {
          long due = Math.min(total, (now - start) / periodNs + 1);
          while (sent < due && !acks.peer.busy() && !acks.peer.closed()) {
            if (sent - acks.acked >= window) {
              windowStalls++;
              break;
            }
            int k = (int) (sent % topics);
            int phase = (int) ((latencyWarmup - 1 - sent) >>> 63); // 1 once sent >= latencyWarmup
            long t = System.nanoTime();
            Frames.putDigits(frames[k], stampAt, STAMP_DIGITS, t - base);
            frames[k][stampAt + STAMP_DIGITS] = (byte) ('0' + phase);
            outs[k].clear();
            acks.peer.write(outs[k], null);
            sent++;
          }
          if (sent == total) {
            drainEnd = now + common.drainSeconds * 1_000_000_000L;
          } else if (now >= capEnd) {
            capped = true;
            drainEnd = now + common.drainSeconds * 1_000_000_000L;
          }
        }
        long delivered = readers.stream().mapToLong(Reader::received).sum() - receivedBefore;
        if (drainEnd != Long.MAX_VALUE && acks.acked == sent && delivered >= acks.acked * HOT_READERS
            || now >= drainEnd || acks.peer.closed() || readers.stream().anyMatch(r -> r.holder.peer.closed())) {
          break;
        }
      }
    } finally {
      pacer.finish();
    }
    long published = acks.acked - acks.errorCount();
    long delivered = readers.stream().mapToLong(Reader::received).sum() - receivedBefore;
    return new double[] {sent, published, delivered, published * HOT_READERS - delivered, capped ? 1 : 0, windowStalls,
        acks.errorCount()};
  }

  private int report(List<Reader> readers, List<Holder> holders, double setupSecs, int patterns, long rssBefore,
      long rssSubscribed, long rssAfter, double[] flood, double[] paced) {
    int connections = readers.size() + holders.size();
    long stray = holders.stream().mapToLong(h -> h.stray).sum() + readers.stream().mapToLong(r -> r.holder.stray).sum();
    boolean ordered = readers.stream().allMatch(Reader::clean);
    long disconnects = holders.stream().filter(x -> x.peer.closed()).count()
        + readers.stream().filter(r -> r.holder.peer.closed()).count();
    long errors = (long) flood[6] + (long) paced[6] + badStamps;
    Histogram h = histograms[1];
    double perSubBytes = rssBefore > 0 && rssSubscribed > 0 ? (rssSubscribed - rssBefore) * 1024.0 / subscriptions : Double.NaN;
    System.out.printf("subscriptions: %,d subscriptions (%,d patterns) on %,d connections, %d hot topic(s), each publish "
        + "matching %d of them%n", subscriptions, patterns, connections, topics, HOT_READERS);
    System.out.printf("  subscribed     in %.2f s; broker RSS before %,d KiB, subscribed %,d KiB (%.0f bytes per "
        + "subscription), at the end %,d KiB%n", setupSecs, rssBefore, rssSubscribed, perSubBytes, rssAfter);
    System.out.printf("  flood          published %,.0f at %,.0f msgs/s; delivered %,.0f at %,.0f msgs/s (sum over %d "
        + "readers); loss %,.0f%s%n", flood[0], flood[2], flood[1], flood[3], HOT_READERS, flood[4],
        flood[5] > 0 ? " (stopped by --duration-seconds)" : "");
    System.out.printf("  paced          %,.0f sent at %,d msgs/s (%,d warm-up), %,.0f deliveries, loss %,.0f%s%s%n",
        paced[0], rate, latencyWarmup, paced[2], paced[3], paced[5] > 0 ? "; window full " + (long) paced[5] + " times" : "",
        paced[4] > 0 ? " (stopped by --duration-seconds)" : "");
    System.out.printf("  latency (us)   p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f over %,d measured deliveries%n",
        pct(50), pct(90), pct(99), pct(99.9), h.getMaxValue() / 1e3, h.getTotalCount());
    System.out.printf("  readers        %s%n", readers.stream().map(r -> java.util.Arrays.toString(r.seqs)).toList());
    if (disconnects > 0) {
      System.out.printf("  DISCONNECTED   %d connection(s), e.g. %s%n", disconnects, java.util.stream.Stream.concat(
            holders.stream(), readers.stream().map(r -> r.holder)).filter(x -> x.peer.closed())
            .map(x -> x.peer.closedBecause).findFirst().orElse(""));
    }
    System.out.printf("  errors         %d%s%s%n", errors, stray > 0 ? "; messages where none was expected " + stray : "",
        badStamps > 0 ? "; unreadable stamps " + badStamps : "");
    System.out.printf("RESULT scenario=subscriptions subscriptions=%d patterns=%d connections=%d topics=%d subscribe_s=%.2f "
            + "rss_before_kib=%d rss_subscribed_kib=%d rss_after_kib=%d per_sub_bytes=%.0f published_per_s=%.0f "
            + "delivered_per_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f measured=%d loss=%.0f in_order=%s "
            + "errors=%d stray=%d disconnects=%d capped=%s%n",
        subscriptions, patterns, connections, topics, setupSecs, rssBefore, rssSubscribed, rssAfter, perSubBytes, flood[2],
        flood[3], pct(50), pct(99), pct(99.9), h.getMaxValue() / 1e3, h.getTotalCount(), flood[4] + paced[3], ordered,
        errors, stray, disconnects, flood[5] > 0 || paced[4] > 0);
    return flood[4] == 0 && paced[3] == 0 && ordered && errors == 0 && stray == 0 && disconnects == 0 ? 0 : 1;
  }

  private double pct(double p) {
    return histograms[1].getValueAtPercentile(p) / 1e3;
  }
}
