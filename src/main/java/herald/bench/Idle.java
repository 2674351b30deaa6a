package herald.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Many idle subscribers: what one connection costs the broker in resident memory. Connections are opened a
 * bounded number at a time (so the broker's accept backlog never overflows into SYN retries), each
 * subscribes, then all sit idle while the broker's RSS is read.
 */
final class Idle {

  /** Connections whose subscribe is still unanswered, at most: keeps the accept queue short. */
  private static final int IN_FLIGHT = 256;

  private final Common common;
  private final int connections;
  private final int topics;
  private final int holdSeconds;
  private final long brokerPid;

  Idle(Common common, int connections, int topics, int holdSeconds, long brokerPid) {
    this.common = common;
    this.connections = connections;
    this.topics = topics;
    this.holdSeconds = holdSeconds;
    this.brokerPid = brokerPid;
  }

  int run() throws IOException, InterruptedException {
    String prefix = Common.freshTopic("idle");
    long before = Rss.kib(brokerPid);
    List<Subscriber> subs = new ArrayList<>(connections);
    long start = System.nanoTime();
    long capEnd = start + common.durationSeconds * 1_000_000_000L;
    Progress progress = new Progress("idle", common.quiet, start);
    String failure = null;
    try (Loop loop = new Loop(common.host(), common.port(), common.security)) {
      int subscribed = 0;
      while (subscribed < connections && failure == null) {
        long now = System.nanoTime();
        if (now >= capEnd) {
          failure = "stopped by --duration-seconds with " + subscribed + " subscribed";
          break;
        }
        if (subs.size() < connections && subs.size() - subscribed < IN_FLIGHT) {
          try {
            Subscriber s = new Subscriber(null, 0);
            // Idle readers need only a small buffer on our side.
            s.peer = loop.connect(512, s, Frames.subscribe(prefix + "." + (subs.size() % topics)));
            subs.add(s);
          } catch (IOException e) {
            failure = "connect " + (subs.size() + 1) + " failed: " + e.getMessage() + " (ulimit -n?)";
          }
          continue;
        }
        loop.poll();
        subscribed = (int) subs.stream().filter(s -> s.subscribed).count();
        int subscribedNow = subscribed;
        progress.maybe(now, () -> String.format("subscribed=%,d of %,d broker_rss=%,d KiB", subscribedNow, connections,
            Rss.kib(brokerPid)));
      }
      long established = System.nanoTime();
      // Idle: no traffic at all, but keep reading so a close or error from the broker is seen.
      long holdEnd = established + holdSeconds * 1_000_000_000L;
      while (System.nanoTime() < holdEnd) {
        loop.poll();
        Thread.sleep(50);
        progress.maybe(System.nanoTime(), () -> String.format("holding %,d idle connections, broker_rss=%,d KiB",
            subs.stream().filter(s -> !s.peer.closed()).count(), Rss.kib(brokerPid)));
      }
      long after = Rss.kib(brokerPid);
      return report(subs, before, after, (established - start) / 1e9, failure);
    }
  }

  private int report(List<Subscriber> subs, long before, long after, double setupSecs, String failure) {
    long ok = subs.stream().filter(s -> s.subscribed && !s.peer.closed()).count();
    long closed = subs.stream().filter(s -> s.peer.closed()).count();
    Map<String, Integer> errors = new TreeMap<>();
    subs.forEach(s -> s.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum)));
    double perConnKib = before > 0 && after > 0 && ok > 0 ? (after - before) / (double) ok : Double.NaN;
    System.out.printf("idle: %,d connections, each subscribed to one of %,d topics, held %d s%n", connections, topics,
        holdSeconds);
    System.out.printf("  subscribed     %,d in %.2f s; %,d closed by the broker%s%n", ok, setupSecs, closed,
        failure == null ? "" : "; " + failure);
    if (before > 0) {
      System.out.printf("  broker RSS     before %,d KiB, after %,d KiB, delta %,d KiB%n", before, after, after - before);
      System.out.printf("  per connection %.2f KiB (%.0f bytes)%n", perConnKib, perConnKib * 1024);
    } else {
      System.out.println("  broker RSS     unknown (pass --broker-pid)");
    }
    System.out.printf("  errors         %s%n", errors.isEmpty() ? "none" : errors);
    System.out.printf("RESULT scenario=idle connections=%d subscribed=%d closed=%d rss_before_kib=%d rss_after_kib=%d "
        + "per_conn_kib=%.2f errors=%d%n", connections, ok, closed, before, after, perConnKib, errors.size());
    return ok == connections && failure == null && errors.isEmpty() ? 0 : 1;
  }
}
