package herald.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import herald.topic.Group;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The consumer-group operations on a {@link TopicLog}, as entry processors: they run on the topic's owner,
 * on its partition thread, one at a time with every append and read of the topic, which is what makes a
 * message go to one member at a time across the cluster. Each that changes a group also runs on the
 * synchronous backups before the caller's future completes; a backup is given the primary's decisions
 * (claims, deadline, the log's first seq, time), so the copies cannot drift.
 */
final class GroupOps {

  private GroupOps() {}

  static final int JOIN = 1, CLAIM = 2, ACK = 3, ACK_UPTO = 4, RELEASE = 5, ASSIGN = 6, DEAD_LETTERED = 7, EXPIRE = 8,
      INFO = 9;

  /**
   * One group operation. {@code a} and {@code b} carry its numbers: JOIN (start, max deliver; on the primary
   * {@code a} is the replay's code and {@code b} its value), CLAIM (deadline, max), ACK and ACK_UPTO (seq),
   * ASSIGN (deadline, first), EXPIRE (now). EXPIRE's {@code live} names the members' nodes still in the cluster.
   */
  static final class Op implements EntryProcessor<String, TopicLog, Object>, DataSerializable {
    int kind;
    String group;
    String member;
    long a;
    long b;
    boolean flag;
    List<Group.Claim> claims = List.of();
    List<Long> seqs = List.of();
    Set<String> live = Set.of();
    private transient Op backup;
    /**
     * The incarnation of a log a JOIN makes: picked by the caller ({@link #join}), and given to the backups as the
     * owner made it. Only a JOIN can make a log, so no other op (claims and acks, the hot ones) picks one.
     */
    private long incarnation;

    public Op() {}

    Op(int kind, String group, String member, long a, long b, boolean flag) {
      this.kind = kind;
      this.group = group;
      this.member = member;
      this.a = a;
      this.b = b;
      this.flag = flag;
    }

    @Override
    public Object process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue();
      backup = null;
      if (kind == JOIN) {
        if (log == null) {
          log = new TopicLog(incarnation); // a group on a topic no one has published to yet: its log starts now
        }
        if (log.group(group) == null) {
          long start = flag ? a : replay((int) a, b).startSeq(log.first(), log.end());
          log.joinGroup(group, start, (int) (flag ? b : maxDeliver));
          backup = new Op(JOIN, group, null, start, flag ? b : maxDeliver, true);
          backup.incarnation = log.incarnation();
        }
        entry.setValue(log);
        return null;
      }
      if (kind == EXPIRE) {
        return log == null || log.groups().isEmpty() ? null : expire(entry, log);
      }
      Group g = log == null ? null : log.group(group);
      if (g == null) {
        return kind == CLAIM ? new Claims() : kind == INFO ? null : 0;
      }
      Object result;
      switch (kind) {
        case CLAIM -> {
          long first = log.first();
          List<Group.Claim> claimed = g.claim(member, (int) b, a, flag, first, log.end());
          Claims out = new Claims();
          for (Group.Claim c : claimed) {
            out.add(c, log.frameAt(c.seq()));
          }
          Op assign = new Op(ASSIGN, group, member, a, first, flag);
          assign.claims = claimed;
          backup = assign;
          result = out;
        }
        case ASSIGN -> {
          g.assign(member, claims, a, flag, b);
          result = null;
        }
        case ACK -> {
          result = g.ack(member, a) || flag && g.done(a, log.first()) ? 1 : 0; // flag: a retry, maybe recorded
          backup = this;
        }
        case ACK_UPTO -> {
          result = g.ackUpto(member, a);
          backup = this;
        }
        case RELEASE -> {
          result = g.release(member);
          backup = this;
        }
        case DEAD_LETTERED -> {
          g.deadLettered(seqs);
          result = null;
          backup = this;
        }
        case EXPIRE -> throw new IllegalStateException("EXPIRE runs on every group of a topic"); // handled above
        case INFO -> {
          return herald.topic.GroupFigures.of(g, log.end()).encode();
        }
        default -> throw new IllegalStateException("unknown group operation " + kind);
      }
      entry.setValue(log);
      return result;
    }

    /**
     * Every group of the topic: retention's losses counted, messages past their ack wait or held by a member
     * whose node is gone given back, and those at {@code max_deliver} returned, to be dead-lettered.
     */
    private DeadLetters expire(Map.Entry<String, TopicLog> entry, TopicLog log) {
      DeadLetters letters = new DeadLetters();
      for (Map.Entry<String, Group> e : log.groups().entrySet()) {
        Group g = e.getValue();
        g.dropBelow(log.first());
        g.expire(a, m -> live.contains(m.substring(0, Math.max(0, m.indexOf('/')))));
        for (Map.Entry<Long, Integer> d : g.dead().entrySet()) {
          letters.add(e.getKey(), d.getKey(), d.getValue(), log.frameAt(d.getKey()));
        }
      }
      backup = this;
      entry.setValue(log);
      return letters;
    }

    /** The replay a JOIN carries: 0 live, 1 earliest, 2 from {@code value}, 3 last {@code value}. */
    private static herald.codec.Replay replay(int code, long value) {
      return switch (code) {
        case 1 -> herald.codec.Replay.EARLIEST;
        case 2 -> new herald.codec.Replay.From(value);
        case 3 -> new herald.codec.Replay.Last(value);
        default -> herald.codec.Replay.LIVE;
      };
    }

    /** Set on a primary JOIN, which carries the replay in {@code a}/{@code b}. */
    int maxDeliver;

    static Op join(String group, herald.codec.Replay replay, int maxDeliver) {
      int code = 0;
      long value = 0;
      if (replay instanceof herald.codec.Replay.Earliest) {
        code = 1;
      } else if (replay instanceof herald.codec.Replay.From f) {
        code = 2;
        value = f.seq();
      } else if (replay instanceof herald.codec.Replay.Last l) {
        code = 3;
        value = l.count();
      }
      Op op = new Op(JOIN, group, null, code, value, false);
      op.maxDeliver = maxDeliver;
      op.incarnation = Incarnation.fresh();
      return op;
    }

    @Override
    public EntryProcessor<String, TopicLog, Object> getBackupProcessor() {
      return kind == INFO ? null : backup;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeInt(kind);
      out.writeString(group);
      out.writeString(member);
      out.writeLong(a);
      out.writeLong(b);
      out.writeBoolean(flag);
      out.writeInt(maxDeliver);
      out.writeLong(incarnation);
      out.writeInt(claims.size());
      for (Group.Claim c : claims) {
        out.writeLong(c.seq());
        out.writeInt(c.delivery());
      }
      out.writeInt(seqs.size());
      for (long seq : seqs) {
        out.writeLong(seq);
      }
      out.writeInt(live.size());
      for (String node : live) {
        out.writeString(node);
      }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      kind = in.readInt();
      group = in.readString();
      member = in.readString();
      a = in.readLong();
      b = in.readLong();
      flag = in.readBoolean();
      maxDeliver = in.readInt();
      incarnation = in.readLong();
      List<Group.Claim> cs = new ArrayList<>();
      for (int n = in.readInt(); n > 0; n--) {
        cs.add(new Group.Claim(in.readLong(), in.readInt()));
      }
      claims = cs;
      List<Long> ss = new ArrayList<>();
      for (int n = in.readInt(); n > 0; n--) {
        ss.add(in.readLong());
      }
      seqs = ss;
      Set<String> ls = new java.util.HashSet<>();
      for (int n = in.readInt(); n > 0; n--) {
        ls.add(in.readString());
      }
      live = ls;
    }
  }

  /** What a claim hands out: seqs, deliveries and frames, in order. */
  static class Claims implements DataSerializable {
    final List<Long> seqs = new ArrayList<>();
    final List<Integer> deliveries = new ArrayList<>();
    List<Buffer> frames = new ArrayList<>();

    public Claims() {}

    void add(Group.Claim c, Buffer frame) {
      seqs.add(c.seq());
      deliveries.add(c.delivery());
      frames.add(frame);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeInt(seqs.size());
      for (int i = 0; i < seqs.size(); i++) {
        out.writeLong(seqs.get(i));
        out.writeInt(deliveries.get(i));
      }
      LogOps.writeBuffers(out, frames);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      for (int n = in.readInt(); n > 0; n--) {
        seqs.add(in.readLong());
        deliveries.add(in.readInt());
      }
      frames = LogOps.readBuffers(in);
    }
  }

  /** A topic's messages that reached {@code max_deliver}: groups, seqs, delivery counts and frames. */
  static final class DeadLetters extends Claims {
    final List<String> groups = new ArrayList<>();

    public DeadLetters() {}

    void add(String group, long seq, int deliveries, Buffer frame) {
      groups.add(group);
      add(new Group.Claim(seq, deliveries), frame);
    }

    boolean isEmpty() {
      return seqs.isEmpty();
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      super.writeData(out);
      for (String g : groups) {
        out.writeString(g);
      }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      super.readData(in);
      for (int i = 0; i < seqs.size(); i++) {
        groups.add(in.readString());
      }
    }
  }
}
