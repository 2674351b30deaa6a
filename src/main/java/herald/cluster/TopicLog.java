package herald.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import herald.codec.FrameEncoder;
import herald.topic.MemoryTopicStore;
import herald.topic.MessageRing;
import herald.topic.StoredMessage;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One topic's queue in a cluster: the value of the {@link ClusterSetup#TOPICS_MAP} entry named after the
 * topic. It is the single node's bounded queue ({@link MessageRing} of encoded frames, charged as
 * {@link MemoryTopicStore} charges them) plus the nodes that read it for their subscribers.
 *
 * <p><b>Concurrency.</b> A log is touched only by entry processors ({@link LogOps}), which Hazelcast runs on
 * the one partition thread that owns the entry, one at a time: that thread is the topic's single sequencer.
 * The map keeps values as objects ({@code in-memory-format OBJECT}), so an append changes the log in place
 * rather than deserialising and serialising the whole queue.
 */
public final class TopicLog implements DataSerializable {

  /** Nodes whose last append a log remembers, to recognise a retried one; far more than a cluster has. */
  static final int REMEMBERED_APPENDERS = 64;

  private MessageRing ring = new MessageRing();
  /**
   * Which creation of the topic this is ({@link Incarnation}): a topic forgotten and made again restarts at
   * seq 1, and a node's disk copy of the earlier one must never be taken for the later ({@link Restore}).
   */
  private long incarnation;
  private long lastSeq;
  private long bytes;
  /** Nodes (Hazelcast member ids) whose clients subscribe to this topic, each with the epoch of its feed. */
  private Map<UUID, Long> watchers = new HashMap<>();
  /** The last append of each node that published here: member id to {batch number, first seq}. */
  private Map<UUID, long[]> lastAppends = newLastAppends();
  /** The topic's consumer groups by name (see {@link herald.topic.Group}): replicated with the log. */
  private Map<String, herald.topic.Group> groups = new HashMap<>();

  public TopicLog() {}

  TopicLog(long incarnation) {
    this.incarnation = incarnation;
  }

  long incarnation() {
    return incarnation;
  }

  /** The message of {@code seq}, which must be held ({@link #first()} to {@code end() - 1}). */
  StoredMessage at(long seq) {
    return ring.get((int) (seq - first()));
  }

  /**
   * Takes {@code copy}'s messages, seqs and incarnation (a copy a node offered from its disk, found better by
   * {@link Restore}); what only the live log knows (its readers, its recent appenders) stays, and so do its
   * groups unless it has none.
   */
  void takeHistory(TopicLog copy) {
    incarnation = copy.incarnation;
    ring = copy.ring;
    bytes = copy.bytes;
    lastSeq = copy.lastSeq;
    if (groups.isEmpty()) {
      groups = copy.groups;
    }
  }

  /** A log of {@code incarnation} holding {@code messages} (contiguous seqs, oldest first), for an offer from disk. */
  static TopicLog of(long incarnation, long firstSeq, List<StoredMessage> messages,
      Map<String, herald.topic.Group> groups) {
    TopicLog log = new TopicLog(incarnation);
    log.lastSeq = firstSeq - 1;
    for (StoredMessage m : messages) {
      log.add(m);
      log.lastSeq = m.seq();
    }
    log.groups = new HashMap<>(groups);
    return log;
  }
  herald.topic.Group group(String name) {
    return groups.get(name);
  }

  /** Makes the group, starting at {@code start}, unless it exists. */
  void joinGroup(String name, long start, int maxDeliver) {
    groups.computeIfAbsent(name, n -> new herald.topic.Group(start, maxDeliver));
  }

  Map<String, herald.topic.Group> groups() {
    return groups;
  }

  /** The stored frame of {@code seq}, which must be held. */
  Buffer frameAt(long seq) {
    return ring.get((int) (seq - first())).frame();
  }

  /** The seq of the oldest message held, or {@link #end()} when none is. */
  long first() {
    StoredMessage m = ring.first();
    return m == null ? lastSeq + 1 : m.seq();
  }

  /** The seq the next append gets. */
  long end() {
    return lastSeq + 1;
  }

  int messages() {
    return ring.size();
  }

  /** For listing topics ({@code /api/topics}, the {@code topics} request). */
  herald.topic.TopicSummary summary(long nowMillis) {
    return herald.topic.TopicSummary.of(ring, lastSeq, bytes, nowMillis);
  }

  long bytes() {
    return bytes;
  }

  /**
   * The messages {@code messages} (JSON values) would be stored as: frames stamped {@code now}, the first with
   * seq {@code end()}. Changes nothing: the owner writes them to its disk first ({@link Replicas}), then
   * {@link #append}s them, so a failed write leaves the log as it was.
   */
  List<StoredMessage> stage(String topic, List<Buffer> messages, long now) {
    List<StoredMessage> staged = new ArrayList<>(messages.size());
    long seq = lastSeq;
    for (Buffer data : messages) {
      seq++;
      // a copy: the log pins no client read buffer
      staged.add(new StoredMessage(seq, FrameEncoder.messageBytes(topic, data, seq), now));
    }
    return staged;
  }

  /**
   * Appends what {@link #stage} made, then drops the oldest messages past the per-topic limits. Returns the
   * frames stored, the first with seq {@code end()} before the call.
   */
  List<Buffer> append(List<StoredMessage> staged, LogOps.Limits limits) {
    List<Buffer> frames = new ArrayList<>(staged.size());
    long now = staged.isEmpty() ? System.currentTimeMillis() : staged.get(0).storedAtMillis();
    for (StoredMessage m : staged) {
      lastSeq = m.seq();
      frames.add(m.frame());
      add(m);
    }
    expire(now - limits.maxAgeMillis());
    trim(limits);
    return frames;
  }

  /** Drops the oldest messages past the count and byte limits. */
  void trim(LogOps.Limits limits) {
    while (ring.size() > limits.maxMessages() || bytes > limits.maxBytes()) {
      if (ring.size() == 1) {
        break; // a single message larger than the topic limit is kept until the next one arrives, as on one node
      }
      removeOldest();
    }
  }

  /** {@link #stage} then {@link #append}: for a log no disk follows. */
  List<Buffer> append(String topic, List<Buffer> messages, long now, LogOps.Limits limits) {
    return append(stage(topic, messages, now), limits);
  }

  /**
   * What a backup does for an append: stores the primary's frames with the primary's seqs and time, then
   * keeps what the primary kept. {@code frames} are the newest stored; the first has seq {@code firstSeq}.
   */
  void replicate(long firstSeq, List<Buffer> frames, long storedAt, long keepFrom) {
    StoredMessage newest = ring.size() == 0 ? null : ring.get(ring.size() - 1);
    if (newest != null && newest.seq() != firstSeq - 1) {
      dropBelow(Long.MAX_VALUE); // cannot be contiguous (should not happen): keep the primary's frames only
    }
    long seq = firstSeq;
    for (Buffer frame : frames) {
      add(new StoredMessage(seq++, frame.getBytes(), storedAt));
    }
    lastSeq = Math.max(lastSeq, seq - 1);
    dropBelow(keepFrom);
  }

  /** When the oldest message held was stored; {@link Long#MAX_VALUE} when none is. */
  long oldestMillis() {
    StoredMessage m = ring.first();
    return m == null ? Long.MAX_VALUE : m.storedAtMillis();
  }

  /** Adds to {@code older[i]} the bytes of the messages stored before {@code cutoffs[i]} (ascending). */
  void bytesOlderThan(long[] cutoffs, long[] older) {
    int c = 0;
    long below = 0;
    for (int i = 0; i < ring.size() && c < cutoffs.length; i++) {
      StoredMessage m = ring.get(i);
      while (c < cutoffs.length && m.storedAtMillis() >= cutoffs[c]) {
        older[c++] += below;
      }
      below += cost(m);
    }
    while (c < cutoffs.length) {
      older[c++] += below;
    }
  }

  /** Drops messages stored before {@code cutoffMillis}; returns whether any was. */
  boolean expire(long cutoffMillis) {
    boolean dropped = false;
    while (ring.size() > 0 && ring.first().storedAtMillis() < cutoffMillis) {
      removeOldest();
      dropped = true;
    }
    return dropped;
  }

  void dropBelow(long seq) {
    while (ring.size() > 0 && ring.first().seq() < seq) {
      removeOldest();
    }
  }

  /**
   * Frames from {@code fromSeq} on (from the oldest held if retention dropped {@code fromSeq}): at most
   * {@code maxCount}, and no more once {@code maxBytes} are reached (at least one if any is held).
   */
  LogOps.Slice read(long fromSeq, int maxCount, int maxBytes) {
    long first = first();
    long start = Math.min(Math.max(fromSeq, first), end());
    List<Buffer> frames = new ArrayList<>();
    int handed = 0;
    for (long seq = start; seq <= lastSeq && frames.size() < maxCount && (handed == 0 || handed < maxBytes); seq++) {
      StoredMessage m = ring.get((int) (seq - first));
      frames.add(m.frame());
      handed += m.length();
    }
    return new LogOps.Slice(start, end(), frames);
  }

  /** The first seq {@code batch} was stored with, or {@link LogOps#ABSENT} if it was not stored here. */
  long storedAs(LogOps.Batch batch) {
    long[] last = lastAppends.get(batch.member());
    return last != null && last[0] == batch.number() ? last[1] : LogOps.ABSENT;
  }

  void remember(LogOps.Batch batch, long firstSeq) {
    lastAppends.put(batch.member(), new long[] {batch.number(), firstSeq});
  }

  /**
   * At most {@link #REMEMBERED_APPENDERS} nodes' last appends, the least recently appending forgotten
   * first: a retry follows its first attempt within seconds, and the map must not grow with every node
   * that ever published here (each restart is a new member id).
   */
  private static Map<UUID, long[]> newLastAppends() {
    return new LinkedHashMap<>(4, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<UUID, long[]> eldest) {
        return size() > REMEMBERED_APPENDERS;
      }
    };
  }

  /** Records that node {@code member} reads this topic, for its feed {@code epoch}; returns whether it changed. */
  boolean watch(UUID member, long epoch) {
    Long held = watchers.get(member);
    if (held != null && held >= epoch) {
      return false;
    }
    watchers.put(member, epoch);
    return true;
  }

  /** The nodes that read this topic now: an append's frames are pushed to them. */
  List<UUID> readers() {
    return watchers.isEmpty() ? List.of() : new ArrayList<>(watchers.keySet());
  }

  /** Forgets {@code member}'s feed {@code epoch} (a later feed of the same node stays); returns whether it changed. */
  boolean unwatch(UUID member, long epoch) {
    return watchers.remove(member, epoch);
  }

  /** Empty and read by none of {@code live} members: nothing is lost by forgetting it. */
  boolean idle(Set<UUID> live) {
    if (ring.size() > 0 || !groups.isEmpty()) {
      return false; // a group's position must survive: forgetting the topic would restart its seqs
    }
    for (UUID watcher : watchers.keySet()) {
      if (live.contains(watcher)) {
        return false;
      }
    }
    return true;
  }

  private void add(StoredMessage m) {
    ring.addLast(m);
    bytes += cost(m);
  }

  private void removeOldest() {
    bytes -= cost(ring.removeFirst());
  }

  private static long cost(StoredMessage m) {
    return m.length() + MemoryTopicStore.MESSAGE_OVERHEAD_BYTES;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(incarnation);
    out.writeLong(lastSeq);
    out.writeInt(ring.size());
    for (int i = 0; i < ring.size(); i++) {
      StoredMessage m = ring.get(i);
      out.writeLong(m.storedAtMillis());
      out.writeByteArray(m.bytes());
    }
    out.writeInt(watchers.size());
    for (Map.Entry<UUID, Long> w : watchers.entrySet()) {
      out.writeLong(w.getKey().getMostSignificantBits());
      out.writeLong(w.getKey().getLeastSignificantBits());
      out.writeLong(w.getValue());
    }
    out.writeInt(lastAppends.size());
    for (Map.Entry<UUID, long[]> a : lastAppends.entrySet()) {
      out.writeLong(a.getKey().getMostSignificantBits());
      out.writeLong(a.getKey().getLeastSignificantBits());
      out.writeLong(a.getValue()[0]);
      out.writeLong(a.getValue()[1]);
    }
    out.writeInt(groups.size());
    for (Map.Entry<String, herald.topic.Group> g : groups.entrySet()) {
      out.writeUTF(g.getKey());
      g.getValue().write(out);
    }
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    incarnation = in.readLong();
    lastSeq = in.readLong();
    int size = in.readInt();
    ring = new MessageRing();
    bytes = 0;
    for (long seq = lastSeq - size + 1; seq <= lastSeq; seq++) {
      long storedAt = in.readLong();
      add(new StoredMessage(seq, in.readByteArray(), storedAt));
    }
    int count = in.readInt();
    watchers = new HashMap<>();
    for (int i = 0; i < count; i++) {
      watchers.put(new UUID(in.readLong(), in.readLong()), in.readLong());
    }
    int appenders = in.readInt();
    lastAppends = newLastAppends();
    for (int i = 0; i < appenders; i++) {
      lastAppends.put(new UUID(in.readLong(), in.readLong()), new long[] {in.readLong(), in.readLong()});
    }
    groups = new HashMap<>();
    for (int n = in.readInt(); n > 0; n--) {
      groups.put(in.readUTF(), herald.topic.Group.read(in));
    }
  }
}
