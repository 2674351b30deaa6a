package herald.bench;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A consumer group member: counts the messages the group hands it and, with explicit acks, acks each one as
 * it arrives. Acks are collected while a read is handled and written together afterwards ({@link #flush}),
 * so a read of many pushes costs one write.
 */
final class Member implements Peer.Lines {

  /** Room for this many acks in a buffer before it grows; a read of 1 MiB holds a few thousand pushes. */
  private static final int ACKS_PER_BUFFER = 4_096;
  /** The longest ack frame's digits and ending: a seq of up to 19 digits, then "}\n". */
  private static final int SEQ_ROOM = 21;

  private final byte[] ackHead;
  private final byte[] tail;
  private final boolean acking;
  /** What the group as a whole was handed, shared by its members. */
  static final class Seen {
    /** Seqs handed to any member so far: a second delivery of one is a redelivery. */
    final BitSet seqs;
    /** Distinct seqs in {@link #seqs}, kept as they are set: a cardinality per poll would cost the loop. */
    long distinct;

    Seen(int maxSeq) {
      seqs = new BitSet(maxSeq + 1);
    }
  }

  private final Seen seen;
  private final int[] delivery = new int[1];
  private byte[] pending; // acks not yet written
  private int pendingBytes;
  private byte[] spare; // the buffer of the write in flight, reused once it is done
  final Map<String, Integer> errors = new LinkedHashMap<>();
  boolean subscribed;
  /** Pushes received, redeliveries included. */
  long received;
  /** Pushes the broker marks as a redelivery (delivery above 1), or of a seq the group was handed before. */
  long redelivered;
  long unparsable;
  /** Acks sent, and "acked" replies received. */
  long acksSent;
  long acked;
  Peer peer;

  /**
   * @param seen shared by the members of one group, sized for the seqs of the run
   * @param acking true for explicit acks; false for "ack":"none", where nothing is acked
   */
  Member(String topic, String group, boolean acking, Seen seen) {
    this.ackHead = Frames.ackHead(topic, group);
    this.tail = Frames.groupTail(group);
    this.acking = acking;
    this.seen = seen;
    this.pending = new byte[ACKS_PER_BUFFER * (ackHead.length + SEQ_ROOM)];
    this.spare = new byte[pending.length];
  }

  @Override
  public void line(Peer p, byte[] b, int from, int to) {
    switch (Frames.kind(b, from, to)) {
      case MESSAGE -> {
        received++;
        long seq = Frames.groupSeq(b, from, to, tail, delivery);
        if (seq < 1 || seq > Integer.MAX_VALUE) {
          unparsable++;
          return;
        }
        boolean again = seen.seqs.get((int) seq);
        if (again || delivery[0] > 1) {
          redelivered++;
        }
        if (!again) {
          seen.seqs.set((int) seq);
          seen.distinct++;
        }
        if (acking) {
          ack(seq);
        }
      }
      case ACKED -> acked++;
      case SUBSCRIBED -> subscribed = true;
      case ERROR -> p.error(Frames.errorCode(b, from, to), errors);
      case CONNECTED -> p.greeted = true;
      case AUTHENTICATED -> p.authenticated = true;
      default -> { }
    }
  }

  private void ack(long seq) {
    if (pendingBytes + ackHead.length + SEQ_ROOM > pending.length) {
      pending = java.util.Arrays.copyOf(pending, pending.length * 2);
    }
    System.arraycopy(ackHead, 0, pending, pendingBytes, ackHead.length);
    int at = Frames.putLong(pending, pendingBytes + ackHead.length, seq);
    pending[at] = '}';
    pending[at + 1] = '\n';
    pendingBytes = at + 2;
    acksSent++;
  }

  /** Writes the acks collected since the last write, unless that write is still going. */
  void flush() {
    if (pendingBytes == 0 || peer.busy() || peer.closed()) {
      return;
    }
    byte[] out = pending;
    int n = pendingBytes;
    pending = spare.length >= out.length ? spare : new byte[out.length]; // the last write is done with spare
    spare = out;
    pendingBytes = 0;
    peer.write(ByteBuffer.wrap(out, 0, n), this::flush);
  }

  int errorCount() {
    return errors.values().stream().mapToInt(Integer::intValue).sum();
  }
}
