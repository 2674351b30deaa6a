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

  /**
   * An entry processor that keeps this node's disk copy ({@link Replicas}) up to the log it changes: Hazelcast
   * hands it the member's instance before it runs, on the owner and on each backup alike.
   */
  abstract static class OnDisk implements HazelcastInstanceAware {
    transient HazelcastInstance hz;
    transient Replicas replicas;

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
      this.hz = hz;
      this.replicas = Replicas.of(hz);
    }

    /** Brings this node's copy of {@code topic} up to {@code log}, if the node keeps copies on disk. */
    void sync(String topic, TopicLog log, boolean verify) {
      if (replicas != null) {
        replicas.sync(topic, log, verify);
      }
    }

    /** As {@link #sync}, on an append's path: the copy's start may lag the log's ({@link Replicas#TRIM_SLACK}). */
    void syncAppended(String topic, TopicLog log) {
      if (replicas != null) {
        replicas.sync(topic, log, false, false);
      }
    }

    /** The topic is gone: so is this node's copy. */
    void forget(String topic) {
      if (replicas != null) {
        replicas.forget(topic);
      }
    }
  }

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
  /**
   * What an {@link Append} gives back: the seq of its first message ({@link #ABSENT} if the topic did not exist and
   * could not be made), and the nodes that read the topic then, to which the appending node pushes the frames.
   */
  static final class Appended implements DataSerializable {
    long first;
    List<UUID> readers;

    public Appended() {}

    Appended(long first, List<UUID> readers) {
      this.first = first;
      this.readers = readers;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(first);
      out.writeInt(readers.size());
      for (UUID m : readers) {
        out.writeLong(m.getMostSignificantBits());
        out.writeLong(m.getLeastSignificantBits());
      }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      first = in.readLong();
      readers = new ArrayList<>(readMembers(in));
    }
  }

  static final class Append extends OnDisk implements EntryProcessor<String, TopicLog, Appended>, DataSerializable {
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
    public Appended process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue();
      if (log == null) {
        if (!create) {
          return new Appended(ABSENT, List.of());
        }
        log = new TopicLog(Incarnation.fresh());
      }
      long stored = log.storedAs(batch);
      if (stored != ABSENT) {
        return new Appended(stored, log.readers()); // a retry of an append that is already stored (and replicated)
      }
      long first = log.end();
      long now = System.currentTimeMillis();
      List<herald.topic.StoredMessage> staged = log.stage(entry.getKey(), messages, now);
      if (replicas != null) {
        replicas.write(entry.getKey(), log, staged); // on the owner's disk first: a failed write changes nothing
      }
      List<Buffer> frames = log.append(staged, limits);
      log.remember(batch, first);
      entry.setValue(log);
      // The backups need only the frames the primary kept (a batch may push out some of its own).
      long keepFrom = log.first();
      int skip = (int) Math.max(0, keepFrom - first);
      backup = new Replicate(first + skip, frames.subList(skip, frames.size()), now, keepFrom, batch, first,
          log.incarnation());
      return new Appended(first, log.readers());
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public EntryProcessor<String, TopicLog, Appended> getBackupProcessor() {
      return (EntryProcessor) backup; // its result is never read: a backup's is discarded
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
  static final class Replicate extends OnDisk implements EntryProcessor<String, TopicLog, Long>, DataSerializable {
    private long firstSeq;
    private long incarnation;
    private List<Buffer> frames;
    private long storedAt;
    private long keepFrom;
    private Batch batch;
    private long batchFirstSeq;

    public Replicate() {}

    Replicate(long firstSeq, List<Buffer> frames, long storedAt, long keepFrom, Batch batch, long batchFirstSeq,
        long incarnation) {
      this.firstSeq = firstSeq;
      this.incarnation = incarnation;
      this.frames = frames;
      this.storedAt = storedAt;
      this.keepFrom = keepFrom;
      this.batch = batch;
      this.batchFirstSeq = batchFirstSeq;
    }

    @Override
    public Long process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue() == null ? new TopicLog(incarnation) : entry.getValue();
      log.replicate(firstSeq, frames, storedAt, keepFrom);
      log.remember(batch, batchFirstSeq);
      entry.setValue(log);
      // A backup's failed write does not fail the append (the owner's disk has it): it is reported, and retried.
      syncAppended(entry.getKey(), log);
      return null;
    }

    @Override
    public EntryProcessor<String, TopicLog, Long> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(firstSeq);
      out.writeLong(incarnation);
      out.writeLong(storedAt);
      out.writeLong(keepFrom);
      batch.write(out);
      out.writeLong(batchFirstSeq);
      writeBuffers(out, frames);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      firstSeq = in.readLong();
      incarnation = in.readLong();
      storedAt = in.readLong();
      keepFrom = in.readLong();
      batch = Batch.read(in);
      batchFirstSeq = in.readLong();
      frames = readBuffers(in);
    }
  }

  /**
   * Reads a topic ({@link TopicLog#read}). It changes nothing, yet it is not {@link ReadOnly}: it has a backup
   * ({@link Confirm}) that does nothing, so that it completes only once the backups answered. They apply their
   * operations in order, so that answer says they hold every append the read saw. An owner applies an append
   * before its backup has it; without this, a read on an owner cut off from its backups could return messages
   * that are never acknowledged and whose seqs the majority gives to others (docs/architecture.md, "Two
   * histories of a topic"). {@link ClusterLog#read} also refuses a read completed outside the majority.
   */
  static final class Read implements EntryProcessor<String, TopicLog, Slice>, DataSerializable {
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
      return Confirm.INSTANCE;
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

  /** The backup of a {@link Read}: changes nothing; its answer is what the read waits for. */
  static final class Confirm implements EntryProcessor<String, TopicLog, Slice>, DataSerializable {
    static final Confirm INSTANCE = new Confirm();

    public Confirm() {}

    @Override
    public Slice process(Map.Entry<String, TopicLog> entry) {
      return null;
    }

    @Override
    public EntryProcessor<String, TopicLog, Slice> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) {}

    @Override
    public void readData(ObjectDataInput in) {}
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
    /** The incarnation a log made here gets: picked by the caller, so the backups make the same. */
    private long incarnation;
    private transient boolean changed;

    public Watch() {}

    Watch(UUID member, long epoch, boolean on) {
      this.member = member;
      this.epoch = epoch;
      this.on = on;
      this.incarnation = Incarnation.fresh();
    }

    @Override
    public Long process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue();
      if (log == null && !on) {
        return 1L;
      }
      if (log == null) {
        log = new TopicLog(incarnation);
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
      out.writeLong(incarnation);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      member = new UUID(in.readLong(), in.readLong());
      epoch = in.readLong();
      on = in.readBoolean();
      incarnation = in.readLong();
    }
  }

  /**
   * Age retention for many topics at once (one operation per partition): drops messages stored before
   * {@code cutoffMillis}. Returns {messages, bytes, idle, oldest} of the log, where idle (1) means it is
   * empty and none of the {@code live} members read it (a candidate for {@link Reclaim}), and oldest is when
   * its oldest message was stored. The backups run it as it is. Also trims for {@code max_total_bytes}.
   */
  static final class Expire extends OnDisk implements EntryProcessor<String, TopicLog, long[]>, DataSerializable {
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
      // Each tick every copy of every log passes here (owners and backups): a copy that arrived by migration,
      // or whose last write failed, is written now, and the groups' state is saved when it changed.
      sync(entry.getKey(), log, false);
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
  static final class Reclaim extends OnDisk implements EntryProcessor<String, TopicLog, Boolean>, DataSerializable {
    private transient boolean removed;

    public Reclaim() {}

    @Override
    public Boolean process(Map.Entry<String, TopicLog> entry) {
      TopicLog log = entry.getValue();
      if (log == null || !log.idle(liveMembers(hz))) {
        return false;
      }
      entry.setValue(null);
      removed = true;
      forget(entry.getKey());
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
  static final class Remove extends OnDisk implements EntryProcessor<String, TopicLog, Boolean>, DataSerializable {
    public Remove() {}

    @Override
    public Boolean process(Map.Entry<String, TopicLog> entry) {
      entry.setValue(null);
      forget(entry.getKey());
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

  /**
   * Offers a node's disk copy of a topic after a start ({@link Replicas#take}) and keeps the better history, by
   * the rule of docs/architecture.md, "Two histories of a topic":
   * <ol>
   *   <li>the later incarnation wins (a topic forgotten and made again is a new history);
   *   <li>of one incarnation, copies that agree on the newest record they both hold are one history: the longer
   *       is kept, from the later start (retention is never undone);
   *   <li>copies that disagree there have different messages under one seq: the one whose record there was
   *       stored later wins whole, since a history that went on after a failover (or on a partition's majority)
   *       wrote its record after the one that was lost with its node was.
   * </ol>
   * Messages older than the age limit are dropped from the offer first, and an offer left with nothing to keep
   * makes no topic: a stale copy never brings back what retention removed. Returns whether the offer was taken.
   */
  static final class Restore extends OnDisk implements EntryProcessor<String, TopicLog, Boolean>, DataSerializable {
    private TopicLog offered;
    private long cutoffMillis;
    private Limits limits;
    private transient EntryProcessor<String, TopicLog, Boolean> backup;

    public Restore() {}

    Restore(TopicLog offered, long cutoffMillis, Limits limits) {
      this.offered = offered;
      this.cutoffMillis = cutoffMillis;
      this.limits = limits;
    }

    @Override
    public Boolean process(Map.Entry<String, TopicLog> entry) {
      TopicLog live = entry.getValue();
      offered.expire(cutoffMillis);
      offered.trim(limits); // a copy's start may lag its log's by up to Replicas.TRIM_SLACK: cut it as the log was
      boolean taken;
      if (live == null) {
        if (offered.messages() == 0 && offered.groups().isEmpty()) {
          return false;
        }
        live = offered;
        taken = true;
      } else {
        long first = Math.max(live.first(), offered.first());
        taken = better(offered, live);
        if (taken) {
          live.takeHistory(offered);
        }
        if (live.first() < first && live.incarnation() == offered.incarnation() && !disagree(live, offered)) {
          live.dropBelow(first);
          taken = true; // the start moved: the backups take it too
        }
      }
      if (taken) {
        entry.setValue(live);
        backup = new Put(live);
        sync(entry.getKey(), live, true);
      }
      return taken;
    }

    /** Whether {@code a} is the better history of the topic than {@code b}. */
    static boolean better(TopicLog a, TopicLog b) {
      if (a.incarnation() != b.incarnation()) {
        return a.incarnation() > b.incarnation();
      }
      long common = Math.min(a.end(), b.end()) - 1;
      if (common >= Math.max(a.first(), b.first()) && disagree(a, b)) {
        return a.at(common).storedAtMillis() > b.at(common).storedAtMillis();
      }
      return a.end() > b.end();
    }

    /** Whether the two copies hold different records at the newest seq both hold (false when they share none). */
    static boolean disagree(TopicLog a, TopicLog b) {
      long common = Math.min(a.end(), b.end()) - 1;
      if (common < Math.max(a.first(), b.first())) {
        return false;
      }
      herald.topic.StoredMessage x = a.at(common);
      herald.topic.StoredMessage y = b.at(common);
      return x.storedAtMillis() != y.storedAtMillis() || !java.util.Arrays.equals(x.bytes(), y.bytes());
    }

    @Override
    public EntryProcessor<String, TopicLog, Boolean> getBackupProcessor() {
      return backup;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(cutoffMillis);
      limits.write(out);
      offered.writeData(out);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      cutoffMillis = in.readLong();
      limits = Limits.read(in);
      offered = new TopicLog();
      offered.readData(in);
    }
  }

  /** A {@link Restore} as its backups apply it: the log the owner decided on, whole. */
  static final class Put extends OnDisk implements EntryProcessor<String, TopicLog, Boolean>, DataSerializable {
    private TopicLog log;

    public Put() {}

    Put(TopicLog log) {
      this.log = log;
    }

    @Override
    public Boolean process(Map.Entry<String, TopicLog> entry) {
      entry.setValue(log);
      sync(entry.getKey(), log, true);
      return true;
    }

    @Override
    public EntryProcessor<String, TopicLog, Boolean> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      log.writeData(out);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      log = new TopicLog();
      log.readData(in);
    }
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
