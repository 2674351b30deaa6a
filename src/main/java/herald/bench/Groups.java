package herald.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A consumer group's throughput: P publishers flood one topic, M members of one group share its messages
 * and, with explicit acks, ack each one as it arrives. Reported: messages handed to the group per second
 * (each seq counted once) and acks answered per second, from the first publish to the last of each.
 *
 * <p>The publishers are held at most {@code backlog} messages ahead of the group (acked, or with
 * {@code "ack":"none"} delivered): a group reads the topic's log, and a message that retention drops before
 * the group reaches it is lost to the group (docs/protocol.md, "Consumer groups"), so an unbounded flood
 * would measure retention, not the group. The default backlog is half the default retention of 10,000
 * messages per topic. Plain fan-in (bench fanin) floods with no such bound.
 */
final class Groups {

  private final Common common;
  private final int publishers;
  private final int members;
  private final boolean acking;
  private final Integer maxInFlight;
  private final long messages;
  private final int size;
  private final int window;
  private final long backlog;
  private final long warmupMessages;

  Groups(Common common, int publishers, int members, boolean acking, Integer maxInFlight, long messages, int size,
      int window, long backlog, long warmupMessages) {
    this.common = common;
    this.publishers = publishers;
    this.members = members;
    this.acking = acking;
    this.maxInFlight = maxInFlight;
    this.messages = messages;
    this.size = size;
    this.window = window;
    this.backlog = backlog;
    this.warmupMessages = warmupMessages;
  }

  private String name() {
    return acking ? "groups" : "groups-ack-none";
  }

  int run() throws IOException {
    if (messages > Integer.MAX_VALUE - 1 || warmupMessages > Integer.MAX_VALUE - 1) {
      throw new IllegalArgumentException("--messages is limited to " + (Integer.MAX_VALUE - 1) + " (seqs are checked in a BitSet)");
    }
    if (warmupMessages > 0) {
      System.err.printf("%s: warm-up pass of %,d publishes (not reported)%n", name(), warmupMessages);
      int code = pass(warmupMessages, true);
      if (code == 2) {
        return code;
      }
    }
    return pass(messages, false);
  }

  private int pass(long messages, boolean warmup) throws IOException {
    String topic = Common.freshTopic("groups");
    String group = "g" + Long.toString(System.nanoTime(), 36);
    String options = (acking ? "" : ",\"ack\":\"none\"") + (maxInFlight == null ? "" : ",\"max_in_flight\":" + maxInFlight);
    byte[] frame = Frames.ascii(Frames.publishHead(topic) + Frames.stringOfSize(size) + "}\n");
    Member.Seen seen = new Member.Seen((int) messages);
    List<Member> team = new ArrayList<>();
    List<Publisher> pubs = new ArrayList<>();
    try (Loop loop = new Loop(common.host(), common.port(), common.security)) {
      for (int i = 0; i < members; i++) {
        Member m = new Member(topic, group, acking, seen);
        m.peer = loop.connect(common.subscriberPort(), 1 << 20, m, Frames.subscribeGroup(topic, group, options));
        team.add(m);
      }
      if (!Setup.await(loop, () -> team.stream().allMatch(m -> m.subscribed), Setup.SECONDS, "the members to join")) {
        return 2;
      }
      pubs.addAll(Publisher.connect(loop, frame, window, messages, publishers));
      if (!Setup.ready(loop, Setup.SECONDS)) {
        return 2;
      }

      long start = System.nanoTime();
      long capEnd = start + common.durationSeconds * 1_000_000_000L;
      long lastAckNs = start;
      long lastHandedNs = start;
      long lastPublishedNs = start;
      long prevHanded = 0;
      long prevAcked = 0;
      long prevPublished = 0;
      boolean capped = false;
      long drainEnd = Long.MAX_VALUE;
      Progress progress = new Progress(name(), common.quiet, start);
      limit(pubs, 0);
      pubs.forEach(Publisher::fill);
      while (true) {
        loop.poll();
        long now = System.nanoTime();
        long acked = 0;
        long handed = seen.distinct;
        for (Member m : team) {
          m.flush();
          acked += m.acked;
        }
        long consumed = acking ? acked : handed;
        limit(pubs, consumed);
        long published = 0;
        boolean sendingOver = true;
        boolean allAnswered = true;
        for (Publisher p : pubs) {
          p.fill();
          published += p.acked;
          sendingOver &= p.done() || p.peer.closed();
          allAnswered &= p.acked == p.sent || p.peer.closed();
        }
        if (published != prevPublished) {
          lastPublishedNs = now;
          prevPublished = published;
        }
        if (handed != prevHanded) {
          lastHandedNs = now;
          prevHanded = handed;
        }
        if (acked != prevAcked) {
          lastAckNs = now;
          prevAcked = acked;
        }
        boolean membersGone = team.stream().allMatch(m -> m.peer.closed());
        if (sendingOver && allAnswered && handed >= published && (!acking || acked >= published)) {
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
        if (now >= drainEnd || membersGone) {
          break;
        }
        if (progress.due(now)) {
          long publishedNow = published;
          long ackedNow = acked;
          progress.maybe(now, () -> String.format("published=%,d handed to the group=%,d acked=%,d",
              publishedNow, handed, ackedNow));
        }
      }
      if (warmup) {
        System.err.printf("%s: warm-up done, %,d handed to the group%n", name(), prevHanded);
        return 0;
      }
      return report(team, pubs, seen, start, lastPublishedNs, lastHandedNs, lastAckNs, capped);
    }
  }

  /** Lets the publishers, together, be at most {@code backlog} publishes ahead of what the group consumed. */
  private void limit(List<Publisher> pubs, long consumed) {
    long each = (consumed + backlog) / pubs.size();
    for (Publisher p : pubs) {
      p.limit = each;
    }
  }

  private int report(List<Member> group, List<Publisher> pubs, Member.Seen seen, long start, long lastPublishedNs,
      long lastHandedNs, long lastAckNs, boolean capped) {
    long sent = pubs.stream().mapToLong(p -> p.sent).sum();
    long published = pubs.stream().mapToLong(p -> p.acked).sum() - pubs.stream().mapToLong(Publisher::errorCount).sum();
    long handed = seen.distinct;
    long received = group.stream().mapToLong(m -> m.received).sum();
    long redelivered = group.stream().mapToLong(m -> m.redelivered).sum();
    long unparsable = group.stream().mapToLong(m -> m.unparsable).sum();
    long acked = group.stream().mapToLong(m -> m.acked).sum();
    long ackErrors = group.stream().mapToLong(Member::errorCount).sum();
    // Each of 1..published handed out at least once, and nothing beyond.
    long loss = published - seen.seqs.get(1, (int) published + 1).cardinality();
    boolean exact = loss == 0 && seen.seqs.nextSetBit((int) published + 1) < 0;
    double publishSecs = Math.max(1e-9, (lastPublishedNs - start) / 1e9);
    double handedSecs = Math.max(1e-9, (lastHandedNs - start) / 1e9);
    double ackSecs = Math.max(1e-9, (lastAckNs - start) / 1e9);
    Map<String, Integer> errors = new TreeMap<>();
    group.forEach(m -> m.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum)));
    pubs.forEach(p -> p.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum)));
    long disconnects = group.stream().filter(m -> m.peer.closed()).count() + pubs.stream().filter(p -> p.peer.closed()).count();

    System.out.printf("%s: %d publisher(s) -> group of %d member(s), %s, max_in_flight %s, %d-byte messages, "
            + "window %d, backlog %,d%s%n", name(), publishers, members, acking ? "explicit acks, one per message" : "ack none",
        maxInFlight == null ? "default" : maxInFlight, size, window, backlog, capped ? " (stopped by --duration-seconds)" : "");
    System.out.printf("  published      %,d of %,d sent in %.3f s = %,.0f msgs/s%n", published, sent, publishSecs,
        published / publishSecs);
    System.out.printf("  handed out     %,d distinct seqs in %.3f s = %,.0f msgs/s (%,d pushes, %,d of them redeliveries)%n",
        handed, handedSecs, handed / handedSecs, received, redelivered);
    if (acking) {
      System.out.printf("  acked          %,d of %,d acks sent, in %.3f s = %,.0f msgs/s%n", acked, 
          group.stream().mapToLong(m -> m.acksSent).sum(), ackSecs, acked / ackSecs);
    }
    for (int i = 0; i < group.size(); i++) {
      Member m = group.get(i);
      System.out.printf("  member %d       received=%,d acked=%,d%s%n", i, m.received, m.acked,
          m.peer.closed() ? " DISCONNECTED: " + m.peer.closedBecause : "");
    }
    System.out.printf("  every seq 1..%,d handed out once or more, none beyond: %s; loss %,d%n", published, exact, loss);
    System.out.printf("  errors         %s%s%n", errors.isEmpty() ? "none" : errors, unparsable > 0 ? "; unparsable pushes " + unparsable : "");
    System.out.printf("RESULT scenario=%s publishers=%d members=%d size=%d ack=%s published=%d handed=%d delivered_per_s=%.0f "
            + "acked=%d acked_per_s=%.0f published_per_s=%.0f redelivered=%d loss=%d exact=%s errors=%d disconnects=%d "
            + "capped=%s%n",
        name(), publishers, members, size, acking ? "explicit" : "none", published, handed, handed / handedSecs, acked,
        acking ? acked / ackSecs : 0.0, published / publishSecs, redelivered, loss, exact,
        errors.values().stream().mapToInt(Integer::intValue).sum() + unparsable, disconnects, capped);
    boolean allAcked = !acking || (acked == published && ackErrors == 0);
    return exact && allAcked && errors.isEmpty() && unparsable == 0 && disconnects == 0 ? 0 : 1;
  }
}
