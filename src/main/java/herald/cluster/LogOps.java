package herald.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The operations on a {@link TopicLog}, as Hazelcast entry processors: each runs on the partition owner, on
 * the partition's thread, and those that change the log also run on its synchronous backups before the
 * caller's future completes. Each backup is given what the primary decided (seqs, time, what it kept), not
 * asked to decide again, so the copies cannot drift apart.
 */
final class LogOps {

  /** What {@link Append} returns when the topic does not exist and it was not allowed to create it. */
  static final long ABSENT = -1;

  private LogOps() {}

  /** The per-topic retention limits, carried by each append (every node has the same settings). */
  record Limits(long maxMessages, long maxBytes, long maxAgeMillis) {
    void write(ObjectDataOutput out) throws IOException {
      out.writeLong(maxMessages);
      out.writeLong(maxBytes);
      out.writeLong(maxAgeMillis);
    }

    static Limits read(ObjectDataInput in) throws IOException {
      return new Limits(in.readLong(), in.readLong(), in.readLong());
    }
  }

  /**
   * Frames read from a topic: {@code frames.get(i)} has seq {@code start + i}; {@code end} is the seq the
   * next append gets. With nothing asked for, {@code start} is the oldest held seq: the topic's bounds.
   */
  static final class Slice implements DataSerializable {
    long start;
    long end;
    List<Buffer> frames;

    public Slice() {}

    Slice(long start, long end, List<Buffer> frames) {
      this.start = start;
      this.end = end;
      this.frames = frames;
    }

    /** The seq to read next. */
    long next() {
      return start + frames.size();
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(start);
      out.writeLong(end);
      writeBuffers(out, frames);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      start = in.readLong();
      end = in.readLong();
      frames = readBuffers(in);
    }
  }

  /**
   * Appends a batch of messages (group commit) and returns the first one's seq; or, when the topic does not
   * exist and {@code create} is false, changes nothing and returns {@link #ABSENT}: creating a topic is
   * decided by the caller against {@code max_topics}. An append Hazelcast runs again (it retries an
   * operation whose member died before answering, and the backup it promoted may already hold the batch)
   * is recognised by its node and batch number and answered with the seq it got the first time.
   */
  static final class Append implements EntryProcessor<String, TopicLog, Long>, DataSerializable {
    private List<Buffer> messages;
    private boolean create;
    private Limits limits;
    private Batch batch;
    private transient EntryProcessor<String, TopicLog, Long> backup;

    public Append() {}

    Append(List<Buffer> messages, boolean create, Limits limits, Batch batch) {
      this.messages = messages;
      this.create = create;
      this.limits = limits;
      this.batch = batch;
    }

    @Override
    public Long process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue();
      if (log == null) {
        if (!create) {
          return ABSENT;
        }
        log = new TopicLog();
      }
      long stored = log.storedAs(batch);
      if (stored != ABSENT) {
        return stored; // a retry of an append that is already stored (and replicated)
      }
      long first = log.end();
      long now = System.currentTimeMillis();
      List<Buffer> frames = log.append(entry.getKey(), messages, now, limits);
      log.remember(batch, first);
      entry.setValue(log);
      // The backups need only the frames the primary kept (a batch may push out some of its own).
      long keepFrom = log.first();
      int skip = (int) Math.max(0, keepFrom - first);
      backup = new Replicate(first + skip, frames.subList(skip, frames.size()), now, keepFrom, batch, first);
      return first;
    }

    @Override
    public EntryProcessor<String, TopicLog, Long> getBackupProcessor() {
      return backup;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeBoolean(create);
      limits.write(out);
      batch.write(out);
      writeBuffers(out, messages);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      create = in.readBoolean();
      limits = Limits.read(in);
      batch = Batch.read(in);
      messages = readBuffers(in);
    }
  }

  /** Names one append: the node that sent it and its number among that node's appends. */
  record Batch(UUID member, long number) {
    void write(ObjectDataOutput out) throws IOException {
      out.writeLong(member.getMostSignificantBits());
      out.writeLong(member.getLeastSignificantBits());
      out.writeLong(number);
    }

    static Batch read(ObjectDataInput in) throws IOException {
      return new Batch(new UUID(in.readLong(), in.readLong()), in.readLong());
    }
  }

  /** An {@link Append} as its backups apply it. */
  static final class Replicate implements EntryProcessor<String, TopicLog, Long>, DataSerializable {
    private long firstSeq;
    private List<Buffer> frames;
    private long storedAt;
    private long keepFrom;
    private Batch batch;
    private long batchFirstSeq;

    public Replicate() {}

    Replicate(long firstSeq, List<Buffer> frames, long storedAt, long keepFrom, Batch batch, long batchFirstSeq) {
      this.firstSeq = firstSeq;
      this.frames = frames;
      this.storedAt = storedAt;
      this.keepFrom = keepFrom;
      this.batch = batch;
      this.batchFirstSeq = batchFirstSeq;
    }

    @Override
    public Long process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue() == null ? new TopicLog() : entry.getValue();
      log.replicate(firstSeq, frames, storedAt, keepFrom);
      log.remember(batch, batchFirstSeq);
      entry.setValue(log);
      return null;
    }

    @Override
    public EntryProcessor<String, TopicLog, Long> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(firstSeq);
      out.writeLong(storedAt);
      out.writeLong(keepFrom);
      batch.write(out);
      out.writeLong(batchFirstSeq);
      writeBuffers(out, frames);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      firstSeq = in.readLong();
      storedAt = in.readLong();
      keepFrom = in.readLong();
      batch = Batch.read(in);
      batchFirstSeq = in.readLong();
      frames = readBuffers(in);
    }
  }

  /** Reads a topic ({@link TopicLog#read}); changes nothing, so it needs no backup. */
  static final class Read implements EntryProcessor<String, TopicLog, Slice>, ReadOnly, DataSerializable {
    private long fromSeq;
    private int maxCount;
    private int maxBytes;

    public Read() {}

    Read(long fromSeq, int maxCount, int maxBytes) {
      this.fromSeq = fromSeq;
      this.maxCount = maxCount;
      this.maxBytes = maxBytes;
    }

    @Override
    public Slice process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue();
      // A topic that does not exist reads as one that never held a message: its first seq will be 1.
      return log == null ? new Slice(1, 1, List.of()) : log.read(fromSeq, maxCount, maxBytes);
    }

    @Override
    public EntryProcessor<String, TopicLog, Slice> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(fromSeq);
      out.writeInt(maxCount);
      out.writeInt(maxBytes);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      fromSeq = in.readLong();
      maxCount = in.readInt();
      maxBytes = in.readInt();
    }
  }

  /**
   * Starts (or ends) a node's reading of a topic. Starting creates an empty log if there is none, so that a
   * topic with subscribers is never reclaimed and its seq keeps counting under them. Returns the seq the
   * next append gets. Deterministic, so the backups run it as it is.
   */
  static final class Watch implements EntryProcessor<String, TopicLog, Long>, DataSerializable {
    private UUID member;
    private long epoch;
    private boolean on;
    private transient boolean changed;

    public Watch() {}

    Watch(UUID member, long epoch, boolean on) {
      this.member = member;
      this.epoch = epoch;
      this.on = on;
    }

    @Override
    public Long process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue();
      if (log == null && !on) {
        return 1L;
      }
      if (log == null) {
        log = new TopicLog();
      }
      changed = on ? log.watch(member, epoch) : log.unwatch(member, epoch);
      if (changed) {
        entry.setValue(log);
      }
      return log.end();
    }

    @Override
    public EntryProcessor<String, TopicLog, Long> getBackupProcessor() {
      return changed ? this : null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(member.getMostSignificantBits());
      out.writeLong(member.getLeastSignificantBits());
      out.writeLong(epoch);
      out.writeBoolean(on);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      member = new UUID(in.readLong(), in.readLong());
      epoch = in.readLong();
      on = in.readBoolean();
    }
  }

  /**
   * Age retention for many topics at once (one operation per partition): drops messages stored before
   * {@code cutoffMillis}. Returns {messages, bytes, idle, oldest} of the log, where idle (1) means it is
   * empty and none of the {@code live} members read it (a candidate for {@link Reclaim}), and oldest is when
   * its oldest message was stored. The backups run it as it is. Also trims for {@code max_total_bytes}.
   */
  static final class Expire implements EntryProcessor<String, TopicLog, long[]>, DataSerializable {
    private long cutoffMillis;
    private Set<UUID> live;

    public Expire() {}

    Expire(long cutoffMillis, Set<UUID> live) {
      this.cutoffMillis = cutoffMillis;
      this.live = live;
    }

    @Override
    public long[] process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue();
      if (log == null) {
        return null;
      }
      if (log.expire(cutoffMillis)) {
        entry.setValue(log);
      }
      return new long[] {log.messages(), log.bytes(), log.idle(live) ? 1 : 0, log.oldestMillis()};
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(cutoffMillis);
      writeMembers(out, live);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      cutoffMillis = in.readLong();
      live = readMembers(in);
    }
  }

  /**
   * For {@code max_total_bytes}: how many bytes of the log were stored before each of {@code cutoffs}
   * (ascending), so a node can find the time before which dropping everything frees what it must.
   */
  static final class Profile implements EntryProcessor<String, TopicLog, long[]>, ReadOnly, DataSerializable {
    private long[] cutoffs;

    public Profile() {}

    Profile(long[] cutoffs) {
      this.cutoffs = cutoffs;
    }

    @Override
    public long[] process(Map.Entry<String, TopicLog> entry) {
      long[] older = new long[cutoffs.length];
      if (entry.getValue() != null) {
        entry.getValue().bytesOlderThan(cutoffs, older);
      }
      return older;
    }

    @Override
    public EntryProcessor<String, TopicLog, long[]> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLongArray(cutoffs);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      cutoffs = in.readLongArray();
    }
  }

  /**
   * For listing topics: the {@link herald.topic.TopicSummary} (as {@code long[]}) of each log whose topic
   * matches {@code pattern} (every log when null), or null for the others. Read-only, run on each owner.
   */
  static final class Summarize implements EntryProcessor<String, TopicLog, long[]>, ReadOnly, DataSerializable {
    private String pattern;
    private long nowMillis;
    private transient java.util.function.Predicate<String> matches;

    public Summarize() {}

    Summarize(String pattern, long nowMillis) {
      this.pattern = pattern;
      this.nowMillis = nowMillis;
    }

    @Override
    public long[] process(Map.Entry<String, TopicLog> entry) {
      if (matches == null) {
        matches = herald.match.TopicPattern.matcher(pattern);
      }
      TopicLog log = entry.getValue();
      return log == null || !matches.test(entry.getKey()) ? null : log.summary(nowMillis).toArray();
    }

    @Override
    public EntryProcessor<String, TopicLog, long[]> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(pattern);
      out.writeLong(nowMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      pattern = in.readString();
      nowMillis = in.readLong();
    }
  }

  /**
   * Forgets the topic if it is idle: empty, and read by no member alive in the owner's view of the
   * cluster. Running on the partition thread, it cannot interleave with an append or a watch of the same
   * topic: an append that comes after it finds no topic and creates a new one (seq 1), and a watch that
   * came before it keeps the topic.
   */
  static final class Reclaim implements EntryProcessor<String, TopicLog, Boolean>, HazelcastInstanceAware,
      DataSerializable {
    private transient HazelcastInstance hz;
    private transient boolean removed;

    public Reclaim() {}

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
      this.hz = hz;
    }

    @Override
    public Boolean process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue();
      if (log == null || !log.idle(liveMembers(hz))) {
        return false;
      }
      entry.setValue(null);
      removed = true;
      return true;
    }

    @Override
    public EntryProcessor<String, TopicLog, Boolean> getBackupProcessor() {
      return removed ? new Remove() : null;
    }

    @Override
    public void writeData(ObjectDataOutput out) {}

    @Override
    public void readData(ObjectDataInput in) {}
  }

  /** A {@link Reclaim} as its backups apply it. */
  static final class Remove implements EntryProcessor<String, TopicLog, Boolean>, DataSerializable {
    public Remove() {}

    @Override
    public Boolean process(Map.Entry<String, TopicLog> entry) {
      entry.setValue(null);
      return true;
    }

    @Override
    public EntryProcessor<String, TopicLog, Boolean> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) {}

    @Override
    public void readData(ObjectDataInput in) {}
  }

  static Set<UUID> liveMembers(HazelcastInstance hz) {
    Set<UUID> live = new HashSet<>();
    hz.getCluster().getMembers().forEach(m -> live.add(m.getUuid()));
    return live;
  }

  static void writeBuffers(ObjectDataOutput out, List<Buffer> buffers) throws IOException {
    out.writeInt(buffers.size());
    for (Buffer f : buffers) {
      out.writeByteArray(f.getBytes());
    }
  }

  static List<Buffer> readBuffers(ObjectDataInput in) throws IOException {
    int n = in.readInt();
    List<Buffer> buffers = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      buffers.add(Buffer.buffer(in.readByteArray()));
    }
    return buffers;
  }

  private static void writeMembers(ObjectDataOutput out, Set<UUID> members) throws IOException {
    out.writeInt(members.size());
    for (UUID m : members) {
      out.writeLong(m.getMostSignificantBits());
      out.writeLong(m.getLeastSignificantBits());
    }
  }

  private static Set<UUID> readMembers(ObjectDataInput in) throws IOException {
    int n = in.readInt();
    Set<UUID> members = new HashSet<>();
    for (int i = 0; i < n; i++) {
      members.add(new UUID(in.readLong(), in.readLong()));
    }
    return members;
  }
}
