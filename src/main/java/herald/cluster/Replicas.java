package herald.cluster;

import com.hazelcast.core.HazelcastInstance;
import herald.store.DiskLog;
import herald.store.FsyncPolicy;
import herald.store.LogRecord;
import herald.store.StorageWriteException;
import herald.store.Store;
import herald.store.StoreException;
import herald.topic.DataDirLock;
import herald.topic.Group;
import herald.topic.StoredMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The copies of topic logs this node holds, primaries and backups alike, on its disk ({@code <data>/topics/}, the
 * single node's format with two more files per topic: its {@code incarnation} and its consumer {@code groups}).
 * The entry processors that change a {@link TopicLog} bring the node's copy up to it before they return
 * ({@link #write}, {@link #sync}), so an append is acknowledged only once the owner's and every backup's copy
 * reached the operating system (with {@code fsync always}: the disk).
 *
 * <p>At start-up every copy found is <i>pending</i>: nothing changes it until the node has offered it to the
 * cluster ({@link #take}, then the {@link Restore} entry processor), which decides by the merge rule whether it
 * becomes the topic's history.
 *
 * <p><b>Concurrency.</b> Entry processors run on Hazelcast's partition threads, several at once for topics in
 * different partitions; the store is not thread-safe, so every method holds this object's lock. A write is a
 * {@code write} call per append (the records of one batch together); with {@code always}, an fsync too.
 */
public final class Replicas implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Replicas.class.getName());

  /** Where {@link ClusterSetup} leaves this node's replicas in Hazelcast's user context, for the entry processors. */
  static final String CONTEXT_KEY = "herald.replicas";

  static final String INCARNATION_FILE = "incarnation";
  static final String GROUPS_FILE = "groups";

  /**
   * Records a copy may hold before its log's start before an append trims it: trimming moves the copy's checkpoint
   * and reads its head, which on every append of a topic at its retention limit cost more than the append (issue
   * 15's profile). The sweep's sync, each second, trims exactly; and an offer is cut to the limits before it is
   * taken ({@link LogOps.Restore}), so what the slack keeps never comes back.
   */
  static final long TRIM_SLACK = 4_096;

  /** A copy no entry processor brought up to date for this long is one this node no longer holds: it goes. */
  static final long UNHELD_AFTER_MS = 60_000;

  private final Path dataDir;
  private final Store store;
  private final DataDirLock lock;
  private final FsyncPolicy fsync;
  /** Copies found at start-up and not yet offered: left exactly as found. */
  private final Set<String> pending = new LinkedHashSet<>();
  /** Copies checked against the live log since start-up (their last record is the log's at that seq). */
  private final Set<String> verified = new HashSet<>();
  private final Map<String, Long> incarnations = new HashMap<>();
  /** When each copy was last brought up to its log: a copy not touched for a while is no longer held here. */
  private final Map<String, Long> touched = new HashMap<>();
  /** The consumer groups last written for each topic, so an unchanged state is not written again. */
  private final Map<String, byte[]> groupsWritten = new HashMap<>();
  private volatile String problem;
  private boolean closed;
  private long writeFailures;
  private long fsyncs;

  private Replicas(Path dataDir, Store store, DataDirLock lock, FsyncPolicy fsync) {
    this.dataDir = dataDir;
    this.store = store;
    this.lock = lock;
    this.fsync = fsync;
  }

  /** Opens (and recovers) the data directory; every copy in it is pending until offered. */
  public static Replicas open(Path dataDir, FsyncPolicy fsync) {
    DataDirLock lock = DataDirLock.acquire(dataDir);
    try {
      Store store = Store.open(dataDir, Store.Options.defaults(fsync));
      Replicas r = new Replicas(dataDir, store, lock, fsync);
      store.failed().forEach((topic, e) -> LOG.warning("storage: the copy of topic " + topic
          + " cannot be read and is not offered: " + e.getMessage()));
      for (String topic : store.topics()) {
        r.pending.add(topic);
        r.incarnations.put(topic, r.readIncarnation(topic));
      }
      long cut = 0;
      for (var rec : store.recovered()) {
        if (rec.droppedAnything()) {
          LOG.warning("storage: " + rec.describe() + "; the cluster's other copies may still hold what was cut");
          cut++;
        }
      }
      LOG.info("storage: disk, " + dataDir.toAbsolutePath() + ", fsync " + fsync.name().toLowerCase(java.util.Locale.ROOT)
          + "; " + r.pending.size() + " topic cop" + (r.pending.size() == 1 ? "y" : "ies") + " to offer to the cluster"
          + (cut > 0 ? ", " + cut + " with a torn tail cut" : ""));
      return r;
    } catch (RuntimeException e) {
      lock.release();
      throw e;
    }
  }

  /** This node's replicas, or null when the cluster keeps its logs in memory only. */
  public static Replicas of(HazelcastInstance hz) {
    return hz == null ? null : (Replicas) hz.getUserContext().get(CONTEXT_KEY);
  }

  // ---- written by the entry processors, on partition threads ---------------------------------------------

  /**
   * Before an append changes the owner's log: brings this node's copy up to {@code log}, then writes
   * {@code staged}. Throws if the write fails; the log is then left as it was, and the publishes are refused.
   */
  synchronized void write(String topic, TopicLog log, List<StoredMessage> staged) {
    if (pending.contains(topic)) {
      return; // not offered yet: it is written whole once it is (start-up only)
    }
    try {
      DiskLog disk = upTo(topic, log, false, false);
      for (StoredMessage m : staged) {
        disk.append(m.seq(), m.storedAtMillis(), m.bytes());
      }
      commit(disk);
      ok();
    } catch (StoreException | UncheckedIOException e) {
      failed(topic, e);
      store.delete(topic); // the next write rewrites the copy whole from the log
      verified.remove(topic);
      throw e instanceof StoreException se ? se
          : new StorageWriteException(topic, log.end() - 1, "write", ((UncheckedIOException) e).getCause());
    }
  }

  /**
   * Brings this node's copy up to {@code log} (a backup's append, retention, a replica that arrived by migration,
   * a merge). {@code verify}: compare the copy's newest record with the log's first, and rewrite it if they differ.
   * A failure is reported ({@link #problem()}) but not thrown: the copy in memory stands, and the next tick tries
   * again.
   */
  synchronized void sync(String topic, TopicLog log, boolean verify) {
    sync(topic, log, verify, true);
  }

  /** As {@link #sync(String, TopicLog, boolean)}; {@code exactStart} false lets the copy's start lag ({@link #TRIM_SLACK}). */
  synchronized void sync(String topic, TopicLog log, boolean verify, boolean exactStart) {
    if (pending.contains(topic)) {
      return;
    }
    try {
      commit(upTo(topic, log, verify, exactStart));
      saveGroups(topic, log);
      ok();
    } catch (StoreException | UncheckedIOException e) {
      failed(topic, e);
      try {
        store.delete(topic);
      } catch (RuntimeException ignored) {
        // the delete fails too: the next sync tries again
      }
      verified.remove(topic);
    }
  }

  /** The topic was forgotten (reclaimed): so is its copy. */
  synchronized void forget(String topic) {
    if (pending.contains(topic)) {
      return;
    }
    drop(topic);
  }

  private void drop(String topic) {
    store.delete(topic);
    verified.remove(topic);
    incarnations.remove(topic);
    touched.remove(topic);
    groupsWritten.remove(topic);
  }

  /** The copy on disk made to agree with {@code log} up to the copy's end, and extended to the log's end. */
  private DiskLog upTo(String topic, TopicLog log, boolean verify, boolean exactStart) {
    touched.put(topic, System.currentTimeMillis());
    DiskLog disk = store.existing(topic);
    long lastHeld = log.end() - 1;
    if (disk != null && (incarnations.getOrDefault(topic, 0L) != log.incarnation() || disk.lastSeq() > lastHeld
        || ((verify || !verified.contains(topic)) && !agrees(disk, log)))) {
      store.delete(topic); // another incarnation, or a history the cluster did not keep: rewritten whole
      disk = null;
    }
    verified.add(topic);
    if (disk == null) {
      disk = store.log(topic);
      writeIncarnation(topic, log.incarnation());
      groupsWritten.remove(topic);
    }
    if (disk.lastSeq() + 1 < log.first()) {
      disk.reset(log.first()); // the log starts past the copy's end: seqs go on from there
    }
    for (long seq = Math.max(disk.lastSeq() + 1, log.first()); seq <= lastHeld; seq++) {
      StoredMessage m = log.at(seq);
      disk.append(seq, m.storedAtMillis(), m.bytes());
    }
    if (disk.firstSeq() < log.first() && (exactStart || log.first() - disk.firstSeq() >= TRIM_SLACK)) {
      disk.trimTo(log.first());
    }
    return disk;
  }

  /** Whether the copy's newest record is the log's record at that seq (same bytes, same time). */
  private static boolean agrees(DiskLog disk, TopicLog log) {
    long seq = disk.lastSeq();
    if (disk.count() == 0 || seq < log.first()) {
      return true; // nothing both hold: the copy's records all lie before the log's start, and go
    }
    List<LogRecord> mine = disk.read(seq, 1, Long.MAX_VALUE);
    StoredMessage theirs = log.at(seq);
    return mine.size() == 1 && mine.get(0).storedAtMillis() == theirs.storedAtMillis()
        && Arrays.equals(mine.get(0).payload(), theirs.bytes());
  }

  private void commit(DiskLog disk) {
    if (fsync == FsyncPolicy.ALWAYS) {
      disk.sync();
      fsyncs++;
    } else {
      disk.flush();
    }
  }

  /** Whether a copy was written since the last {@link #syncDirty()}. */
  synchronized boolean needsSync() {
    return store.needsSync();
  }

  /** With {@code fsync interval}: fsyncs every file written since the last call (a timer calls it, on a worker). */
  public synchronized void syncDirty() {
    try {
      fsyncs += store.syncDirty();
    } catch (StoreException e) {
      failed("(fsync)", e);
    }
  }

  private void saveGroups(String topic, TopicLog log) {
    if (log.groups().isEmpty() && !groupsWritten.containsKey(topic)) {
      return;
    }
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(log.groups().size());
      for (Map.Entry<String, Group> g : log.groups().entrySet()) {
        out.writeUTF(g.getKey());
        g.getValue().write(out);
      }
      out.flush();
      byte[] now = bytes.toByteArray();
      if (Arrays.equals(now, groupsWritten.get(topic))) {
        return;
      }
      replaceFile(store.dir(topic).resolve(GROUPS_FILE), now);
      groupsWritten.put(topic, now);
    } catch (IOException e) {
      throw new UncheckedIOException("saving the groups of topic " + topic, e);
    }
  }

  private Map<String, Group> readGroups(String topic) {
    Path file = store.dir(topic).resolve(GROUPS_FILE);
    Map<String, Group> groups = new HashMap<>();
    if (!Files.exists(file)) {
      return groups;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
      for (int n = in.readInt(); n > 0; n--) {
        groups.put(in.readUTF(), Group.read(in));
      }
    } catch (IOException e) {
      LOG.warning("storage: the groups of topic " + topic + " cannot be read and start again: " + e.getMessage());
      groups.clear();
    }
    return groups;
  }

  private void writeIncarnation(String topic, long incarnation) {
    incarnations.put(topic, incarnation);
    replaceFile(store.dir(topic).resolve(INCARNATION_FILE), ByteBuffer.allocate(8).putLong(incarnation).array());
  }

  private long readIncarnation(String topic) {
    try {
      byte[] b = Files.readAllBytes(store.dir(topic).resolve(INCARNATION_FILE));
      return b.length == 8 ? ByteBuffer.wrap(b).getLong() : 0;
    } catch (IOException none) {
      return 0; // a single node's log, or one whose file was lost before it was written: the oldest incarnation
    }
  }

  /** Written to a temporary file, fsynced, then renamed over the old one: a crash leaves one or the other. */
  private static void replaceFile(Path file, byte[] content) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.write(tmp, content);
      try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }

  private void ok() {
    problem = null;
  }

  private void failed(String topic, RuntimeException e) {
    writeFailures++;
    boolean full = e instanceof StorageWriteException w && w.diskFull();
    String now = (full ? "the disk is full" : "writing to disk failed") + " (topic " + topic + "): " + e.getMessage();
    if (problem == null) {
      LOG.warning("storage: " + now);
    }
    problem = now;
  }

  // ---- start-up: offering what the disk holds ------------------------------------------------------------

  /** Topics whose copies are still to be offered. */
  public synchronized List<String> pending() {
    return new ArrayList<>(pending);
  }

  /**
   * Reads a pending copy into memory to offer it, and ends its pending state: from now on the entry processors
   * keep it up to date (the {@link Restore} that follows among them). Null if it holds nothing worth offering.
   */
  synchronized TopicLog take(String topic) {
    if (!pending.remove(topic)) {
      return null;
    }
    DiskLog disk = store.existing(topic);
    if (disk == null) {
      return null;
    }
    List<StoredMessage> messages = new ArrayList<>((int) Math.min(disk.count(), 1 << 20));
    long seq = disk.firstSeq();
    while (seq <= disk.lastSeq()) {
      List<LogRecord> read = disk.read(seq, 4096, 16L << 20);
      if (read.isEmpty()) {
        break;
      }
      for (LogRecord r : read) {
        messages.add(new StoredMessage(r.seq(), r.payload(), r.storedAtMillis()));
      }
      seq = read.get(read.size() - 1).seq() + 1;
    }
    touched.put(topic, System.currentTimeMillis());
    return TopicLog.of(incarnations.getOrDefault(topic, 0L), disk.firstSeq(), messages, readGroups(topic));
  }

  // ---- housekeeping ----------------------------------------------------------------------------------------

  /**
   * Deletes the copies no entry processor has brought up to date for {@link #UNHELD_AFTER_MS}: this node no
   * longer holds them (their partition moved away). Called only while the node is in the majority, since every
   * copy it holds is then synced each tick ({@link LogOps.Expire}).
   */
  synchronized int dropUnheld(long nowMillis) {
    int n = 0;
    for (String topic : new ArrayList<>(store.topics())) {
      Long last = touched.get(topic);
      if (!pending.contains(topic) && (last == null || nowMillis - last > UNHELD_AFTER_MS)) {
        if (last == null) {
          touched.put(topic, nowMillis); // first seen now: give it the full wait
          continue;
        }
        drop(topic);
        n++;
      }
    }
    return n;
  }

  /** Why the disk cannot be written, or null when it can. */
  public String problem() {
    return problem;
  }

  public synchronized long writeFailures() {
    return writeFailures;
  }

  public synchronized long fsyncs() {
    return fsyncs;
  }

  public synchronized int topics() {
    return store.topics().size();
  }

  public synchronized long bytes() {
    return store.totalBytes();
  }

  public FsyncPolicy fsync() {
    return fsync;
  }

  Path dataDir() {
    return dataDir;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      store.close();
    } finally {
      lock.release();
    }
  }
}
