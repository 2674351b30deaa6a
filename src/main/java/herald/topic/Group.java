package herald.topic;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * One consumer group of one topic: how far it has handed messages out, and which of them its members hold
 * unacknowledged. A pure data structure, kept with the topic's log and changed only by whoever orders that
 * log (the {@code LocalLogs} loop on a single node; the partition thread of the topic's owner, and the same
 * decisions replayed on its backups, in a cluster). That single owner is why each message is handed to one
 * member at a time: exactly one, until its ack wait runs out.
 *
 * <p>Every method that depends on time or on the log takes it as an argument, so a backup given the
 * primary's arguments reaches the same state.
 */
public final class Group {

  /** A message handed to a member: its seq, and which delivery this is (1 the first time). */
  public record Claim(long seq, int delivery) {}

  /** An unacked message: who holds it, how often it was delivered, and when it goes back to the group. */
  record Held(String member, int deliveries, long deadline) {}

  private long next;
  private int maxDeliver;
  /** Messages handed out and not acked, by seq. */
  private final TreeMap<Long, Held> held = new TreeMap<>();
  /** Messages handed out before and back in the group (ack wait ran out, member left), with their delivery count. */
  private final TreeMap<Long, Integer> ready = new TreeMap<>();
  /** Messages delivered {@code maxDeliver} times: waiting to be written to the dead-letter topic. */
  private final TreeMap<Long, Integer> dead = new TreeMap<>();
  private long acked;
  private long redelivered;
  private long deadLettered;
  /** Messages retention dropped before the group had them acked: counted, never silent. */
  private long expired;

  public Group(long next, int maxDeliver) {
    this.next = next;
    this.maxDeliver = maxDeliver;
  }

  /**
   * Hands {@code member} at most {@code max} messages among the log's {@code [first, end)}: redeliveries
   * first, oldest first, then new ones. With {@code ackNone} they count as acked at once.
   */
  public List<Claim> claim(String member, int max, long deadline, boolean ackNone, long first, long end) {
    dropBelow(first);
    List<Claim> claims = new ArrayList<>();
    for (Iterator<Map.Entry<Long, Integer>> it = ready.entrySet().iterator(); it.hasNext() && claims.size() < max; ) {
      Map.Entry<Long, Integer> e = it.next();
      it.remove();
      claims.add(new Claim(e.getKey(), e.getValue() + 1));
      redelivered++;
    }
    while (claims.size() < max && next < end) {
      claims.add(new Claim(next++, 1));
    }
    take(member, claims, deadline, ackNone);
    return claims;
  }

  /** What a backup does for a claim: the primary's claims, with its deadline. */
  public void assign(String member, List<Claim> claims, long deadline, boolean ackNone, long first) {
    dropBelow(first);
    for (Claim c : claims) {
      if (c.delivery() > 1) {
        ready.remove(c.seq());
        redelivered++;
      } else {
        next = Math.max(next, c.seq() + 1);
      }
    }
    take(member, claims, deadline, ackNone);
  }

  private void take(String member, List<Claim> claims, long deadline, boolean ackNone) {
    for (Claim c : claims) {
      if (ackNone) {
        acked++;
      } else {
        held.put(c.seq(), new Held(member, c.delivery(), deadline));
      }
    }
  }

  /** Acks {@code seq} for {@code member}; false when the member does not hold it. */
  public boolean ack(String member, long seq) {
    Held h = held.get(seq);
    if (h == null || !h.member().equals(member)) {
      return false;
    }
    held.remove(seq);
    acked++;
    return true;
  }

  /** Whether the group is done with {@code seq} (acked or dead-lettered): what a retried ack checks. Read-only. */
  public boolean done(long seq, long first) {
    return seq >= first && seq < next && !held.containsKey(seq) && !ready.containsKey(seq) && !dead.containsKey(seq);
  }

  /** Acks every message {@code member} holds up to {@code upto}; returns how many. */
  public int ackUpto(String member, long upto) {
    int count = 0;
    for (Iterator<Map.Entry<Long, Held>> it = held.headMap(upto, true).entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getValue().member().equals(member)) {
        it.remove();
        count++;
      }
    }
    acked += count;
    return count;
  }

  /** Gives everything {@code member} holds back to the group at once (it left); returns how many. */
  public int release(String member) {
    return requeue(h -> h.member().equals(member));
  }

  /**
   * Gives back what waited past its deadline or is held by a member that is gone ({@code alive} false);
   * what has been delivered {@code maxDeliver} times goes to {@link #dead()} instead. Returns how many moved.
   */
  public int expire(long now, Predicate<String> alive) {
    return requeue(h -> h.deadline() <= now || !alive.test(h.member()));
  }

  private int requeue(Predicate<Held> due) {
    int moved = 0;
    for (Iterator<Map.Entry<Long, Held>> it = held.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Held> e = it.next();
      Held h = e.getValue();
      if (due.test(h)) {
        it.remove();
        if (h.deliveries() >= maxDeliver) {
          dead.put(e.getKey(), h.deliveries());
        } else {
          ready.put(e.getKey(), h.deliveries());
        }
        moved++;
      }
    }
    return moved;
  }

  /** Messages waiting to be dead-lettered, by seq, with their delivery counts (a view). */
  public Map<Long, Integer> dead() {
    return dead;
  }

  /** The dead letters {@code seqs} have been written to the dead-letter topic: forget them. */
  public void deadLettered(List<Long> seqs) {
    for (long seq : seqs) {
      if (dead.remove(seq) != null) {
        deadLettered++;
      }
    }
  }

  /** Retention dropped everything below {@code first}: what the group had not had acked is counted as expired. */
  public void dropBelow(long first) {
    if (next < first) {
      expired += first - next;
      next = first;
    }
    expired += dropBelow(held, first) + dropBelow(ready, first) + dropBelow(dead, first);
  }

  private static int dropBelow(TreeMap<Long, ?> map, long first) {
    Map<Long, ?> below = map.headMap(first);
    int n = below.size();
    below.clear();
    return n;
  }

  /** Messages waiting for a member: never handed out (up to {@code end}) or given back. */
  public long pending(long end) {
    return Math.max(0, end - next) + ready.size();
  }

  public int unacked() {
    return held.size();
  }

  public long acked() {
    return acked;
  }

  public long redelivered() {
    return redelivered;
  }

  public long deadLetteredCount() {
    return deadLettered;
  }

  public long expired() {
    return expired;
  }

  public void write(DataOutput out) throws IOException {
    out.writeLong(next);
    out.writeInt(maxDeliver);
    out.writeInt(held.size());
    for (Map.Entry<Long, Held> e : held.entrySet()) {
      out.writeLong(e.getKey());
      out.writeUTF(e.getValue().member());
      out.writeInt(e.getValue().deliveries());
      out.writeLong(e.getValue().deadline());
    }
    writeCounts(out, ready);
    writeCounts(out, dead);
    out.writeLong(acked);
    out.writeLong(redelivered);
    out.writeLong(deadLettered);
    out.writeLong(expired);
  }

  public static Group read(DataInput in) throws IOException {
    Group g = new Group(in.readLong(), in.readInt());
    for (int i = in.readInt(); i > 0; i--) {
      g.held.put(in.readLong(), new Held(in.readUTF(), in.readInt(), in.readLong()));
    }
    readCounts(in, g.ready);
    readCounts(in, g.dead);
    g.acked = in.readLong();
    g.redelivered = in.readLong();
    g.deadLettered = in.readLong();
    g.expired = in.readLong();
    return g;
  }

  private static void writeCounts(DataOutput out, TreeMap<Long, Integer> counts) throws IOException {
    out.writeInt(counts.size());
    for (Map.Entry<Long, Integer> e : counts.entrySet()) {
      out.writeLong(e.getKey());
      out.writeInt(e.getValue());
    }
  }

  private static void readCounts(DataInput in, TreeMap<Long, Integer> counts) throws IOException {
    for (int i = in.readInt(); i > 0; i--) {
      counts.put(in.readLong(), in.readInt());
    }
  }
}
