package herald.topic;

import herald.codec.FrameEncoder;
import herald.store.CorruptLogException;
import herald.store.DiskLog;
import herald.store.FsyncPolicy;
import herald.store.LogRetention;
import herald.store.Recovery;
import herald.store.Store;
import herald.store.StoreException;
import herald.store.StorageWriteException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A single node's topic queues on disk: one {@link DiskLog} per topic under the data directory, with the newest
 * messages of each topic also kept in the heap (the hot cache, {@code cache_bytes} in all) for live delivery and
 * recent replay; older replay reads the log.
 *
 * <p>When a message counts as stored. {@link #appendBatch} hands its messages to the log at once (buffered,
 * seqs assigned) and the batches of one event-loop turn are committed together at the end of the turn: every log
 * written is flushed to the operating system (the message then survives a crash of the process) and, with
 * {@link FsyncPolicy#ALWAYS}, fsynced on a worker thread, one fsync per file for the whole group, while the loop
 * goes on. Only then are the messages visible: put in the cache, delivered to live subscribers, readable, and
 * their publishes answered. So no reader or subscriber sees a message that a failed write (or, with
 * {@code always}, a power loss) could take back and give its seq to another. With {@link FsyncPolicy#INTERVAL}
 * a worker fsyncs what was written every {@code fsync_interval_millis}.
 *
 * <p>A failed write (the disk is full, or failing) fails the publishes whose messages the log no longer holds,
 * makes visible those it still holds, and is reported by {@link #problem()} (readiness) until a write succeeds.
 * Reads go on. Confined to the topic verticle's event loop, but for {@link Store.SyncBatch#run()}.
 */
public final class DiskTopicStore implements LocalStore {

  private static final Logger LOG = Logger.getLogger(DiskTopicStore.class.getName());

  private final Store store;
  private final DataDirLock lock;
  private final Retention retention;
  private final FsyncPolicy fsync;
  private final long fsyncIntervalMillis;
  private final long cacheBytes;
  private final Predicate<String> inUse;
  private final LongSupplier clock;
  private final Map<String, Topic> topics = new HashMap<>();
  /** Topics appended to in this turn: committed together at its end. */
  private final LinkedHashSet<Topic> dirty = new LinkedHashSet<>();
  /** With {@code always}: written batches waiting for the fsync after the one in flight. */
  private final List<Batch> awaitingSync = new ArrayList<>();
  /** Every message in the hot cache, oldest first: the cache drops the oldest anywhere when over its bytes. */
  private final ArrivalQueue<Topic> hotArrivals = new ArrivalQueue<>();
  private long hotBytes;
  private long totalBytes;
  private long totalRecords;
  private Context context;
  private Visible visible;
  private long timer = -1;
  private boolean commitScheduled;
  private boolean syncing;
  private boolean closed;
  /** In {@link #close()}: the store's own close fsyncs, so no sync starts. */
  private boolean closing;
  /** Why the last write or fsync failed; null once one succeeds after it. Read by the health check's thread. */
  private volatile String problem;
  private long writeFailures;
  private long diskFullFailures;
  private long fsyncs;

  private final Path dataDir;

  private DiskTopicStore(Path dataDir, Store store, DataDirLock lock, Retention retention, FsyncPolicy fsync,
      long fsyncIntervalMillis, long cacheBytes, Predicate<String> inUse, LongSupplier clock) {
    this.dataDir = dataDir;
    this.store = store;
    this.lock = lock;
    this.retention = retention;
    this.fsync = fsync;
    this.fsyncIntervalMillis = fsyncIntervalMillis;
    this.cacheBytes = cacheBytes;
    this.inUse = inUse;
    this.clock = clock;
    for (String name : store.topics()) {
      Topic t = new Topic(name, store.existing(name));
      topics.put(name, t);
      account(t);
    }
  }

  /**
   * Locks {@code dataDir} for this process, opens every topic log in it and recovers each (a torn or corrupt tail
   * is cut back to the last valid record, and logged with what it dropped). Blocking: call it before the loop
   * takes the store over.
   */
  public static DiskTopicStore open(Path dataDir, Retention retention, FsyncPolicy fsync, long fsyncIntervalMillis,
      long cacheBytes, Predicate<String> inUse) {
    DataDirLock lock = DataDirLock.acquire(dataDir);
    try {
      LogRetention perTopic = new LogRetention(retention.maxMessagesPerTopic(), retention.maxBytesPerTopic(),
          retention.maxAgeMillis());
      Store store = Store.open(dataDir, new Store.Options(fsync, Store.Options.defaults(fsync).maxOpenFiles(),
          DiskLog.DEFAULT_SEGMENT_BYTES, perTopic));
      report(dataDir, store);
      return new DiskTopicStore(dataDir, store, lock, retention, fsync, fsyncIntervalMillis, cacheBytes, inUse,
          System::currentTimeMillis);
    } catch (RuntimeException e) {
      lock.release();
      throw e;
    }
  }

  private static void report(Path dataDir, Store store) {
    long records = 0;
    for (Recovery r : store.recovered()) {
      if (r.droppedAnything()) {
        LOG.warning(r.describe());
      }
    }
    for (String name : store.topics()) {
      records += store.existing(name).count();
    }
    store.failed().forEach((topic, e) -> LOG.severe("topic " + topic + " is not served: its log could not be opened: "
        + e.getMessage()));
    store.skipped().forEach(s -> LOG.warning("data directory: skipped " + s));
    LOG.info("storage: disk, " + dataDir.toAbsolutePath() + ", fsync " + store.options().fsync().name().toLowerCase()
        + "; " + store.topics().size() + " topic(s), " + records + " message(s) recovered");
  }

  /** Takes the store over on the verticle's loop: commits run there, fsyncs on workers, results come back there. */
  public void start(Context context, Visible visible) {
    this.context = context;
    this.visible = visible;
    if (fsync == FsyncPolicy.INTERVAL) {
      timer = context.owner().setPeriodic(fsyncIntervalMillis, id -> sync());
    }
  }

  @Override
  public boolean immediate() {
    return false;
  }

  // ---------------------------------------------------------------- appending

  @Override
  public StoredMessage append(String topic, Buffer data) {
    Topic t;
    try {
      t = topicOrRefuse(topic);
    } catch (StorageFailure refused) {
      return null;
    }
    if (t == null || t.failure != null) {
      return null;
    }
    try {
      return write(t, data);
    } catch (StoreException e) {
      t.failure = e; // the log may have dropped what this turn buffered: the commit sorts it out
      dirty(t);
      return null;
    }
  }

  /** With {@code interval} and {@code never} nothing waits for an fsync: the turn's writes end it. */
  @Override
  public boolean writesAtEndOfTurn() {
    return fsync != FsyncPolicy.ALWAYS;
  }

  /**
   * Buffers one message and gives the seq it will have, or {@link TopicLogs#FULL}; it is written, and visible, at
   * the end of the turn ({@link #commitTurn()}), which says if that failed.
   *
   * @throws StorageFailure when the topic's log cannot even be made (the disk is full)
   */
  public long appendNow(String topic, Buffer data) {
    Topic t = topicOrRefuse(topic);
    if (t == null) {
      return TopicLogs.FULL;
    }
    long seq = t.log.lastSeq() + 1;
    if (t.failure == null) {
      try {
        write(t, data); // marks the topic dirty
        return seq;
      } catch (StoreException e) {
        t.failure = e;
      }
    }
    dirty(t);
    return seq; // after a failure this turn: a seq commitTurn reports as not stored
  }

  @Override
  public Future<Long> appendBatch(String topic, List<Buffer> messages) {
    Topic t;
    try {
      t = topicOrRefuse(topic);
    } catch (StorageFailure refused) {
      return Future.failedFuture(refused);
    }
    if (t == null) {
      return Future.succeededFuture(TopicLogs.FULL);
    }
    Promise<Long> promise = Promise.promise();
    long first = t.log.lastSeq() + 1;
    t.waiting.add(new Waiter(promise, first, first + messages.size() - 1));
    if (t.failure == null) {
      try {
        for (Buffer data : messages) {
          write(t, data);
        }
      } catch (StoreException e) {
        t.failure = e;
      }
    }
    dirty(t);
    return promise.future();
  }

  /**
   * {@link #topic}, or the refusal of every publish to it when its log cannot even be made (the disk is full):
   * reported as any failed write is.
   */
  private Topic topicOrRefuse(String name) {
    try {
      return topic(name);
    } catch (StoreException | UncheckedIOException e) {
      StoreException se = e instanceof StoreException s ? s : new StoreException(e.getMessage(), e);
      failed(name, se);
      throw new StorageFailure(se, false);
    }
  }

  private StoredMessage write(Topic t, Buffer data) {
    long seq = t.log.lastSeq() + 1;
    long now = clock.getAsLong();
    byte[] frame = FrameEncoder.messageBytes(t.name, data, seq);
    t.log.append(seq, now, frame);
    StoredMessage m = new StoredMessage(seq, frame, now);
    t.fresh.add(m);
    dirty(t);
    return m;
  }

  /** The topic, made if it does not exist and the store holds fewer than {@code max_topics}; else null. */
  private Topic topic(String name) {
    Topic t = topics.get(name);
    if (t == null) {
      if (topics.size() >= retention.maxTopics() && !forgetOneEmpty()) {
        return null;
      }
      t = new Topic(name, store.log(name));
      topics.put(name, t);
    }
    return t;
  }

  private void dirty(Topic t) {
    dirty.add(t);
    if (!commitScheduled && context != null) {
      commitScheduled = true;
      context.runOnContext(v -> commitTurn()); // a no-op when the verticle's commitTurn came first
    }
  }

  /**
   * The end of a turn: writes every log appended to, then makes its messages visible (or, with {@code always},
   * fsyncs first); gives the topics whose write failed.
   */
  public Map<String, TopicLogs.WriteFailure> commitTurn() {
    commitScheduled = false;
    if (closed || dirty.isEmpty()) {
      return Map.of();
    }
    Map<String, TopicLogs.WriteFailure> failures = new HashMap<>();
    // Answering a publish can queue the next append (even to the same topic): that one is the next turn's.
    List<Topic> written = List.copyOf(dirty);
    dirty.clear();
    List<Batch> done = new ArrayList<>(written.size());
    for (Topic t : written) {
      if (t.failure == null) {
        try {
          t.log.flush();
        } catch (StoreException e) {
          t.failure = e;
        }
      }
      Batch b = new Batch(t, t.fresh, t.waiting);
      t.fresh = new ArrayList<>();
      t.waiting = new ArrayList<>();
      StoreException failure = t.failure;
      t.failure = null;
      if (failure != null) {
        b = b.cutTo(t.log.lastSeq(), failure); // fails the publishes the log does not hold
        failed(t.name, failure);
        failures.put(t.name, new TopicLogs.WriteFailure(t.log.lastSeq(), new StorageFailure(failure, false)));
      }
      account(t);
      done.add(b);
    }
    enforceTotalBytes();
    if (fsync == FsyncPolicy.ALWAYS) {
      awaitingSync.addAll(done);
      sync();
    } else {
      done.forEach(this::publish);
    }
    return failures;
  }

  /**
   * Fsyncs, on a worker, every file written since the last fsync, then (with {@code always}) makes the batches
   * that waited for it visible. One at a time: batches written meanwhile wait for the next, which is how a group
   * shares one fsync.
   */
  private void sync() {
    if (syncing || closed || closing || (awaitingSync.isEmpty() && !store.needsSync())) {
      return; // an idle node's interval timer costs no worker task
    }
    syncing = true;
    List<Batch> batches = List.copyOf(awaitingSync);
    awaitingSync.clear();
    Store.SyncBatch files = store.beginSync();
    context.owner().executeBlocking(files::run, false).onComplete(ar -> {
      syncing = false;
      if (closed) {
        return;
      }
      store.endSync(files, ar.succeeded());
      if (ar.succeeded()) {
        fsyncs += ar.result();
        batches.forEach(this::publish);
      } else {
        StoreException e = ar.cause() instanceof StoreException se ? se
            : new StoreException("fsync failed: " + ar.cause(), ar.cause());
        failed("(fsync)", e);
        // Written, so readable and kept: only the disk's confirmation is missing. Their publishes are refused,
        // saying the message may have been stored.
        for (Batch b : batches) {
          publish(b.refused(e));
        }
      }
      if (!awaitingSync.isEmpty()) {
        sync();
      }
    });
  }

  /** Makes a written batch visible: the cache, live subscribers, then its publishes' answers. */
  private void publish(Batch b) {
    Topic t = b.topic;
    List<Buffer> frames = new ArrayList<>(b.messages.size());
    for (StoredMessage m : b.messages) {
      if (m.seq() <= t.visibleLast) {
        continue; // made visible already (a batch cut by a failure, then refused after its fsync)
      }
      t.visibleLast = m.seq();
      cache(t, m);
      frames.add(m.frame());
    }
    trimCache(t);
    if (!frames.isEmpty() && visible != null) {
      visible.visible(t.name, t.visibleLast - frames.size() + 1, frames);
    }
    if (b.refusal == null && !b.messages.isEmpty()) {
      problem = null; // a write succeeded: the disk works again
    }
    for (Waiter w : b.waiting) {
      if (w.failure != null) {
        w.promise.fail(w.failure);
      } else if (b.refusal != null) {
        w.promise.fail(new StorageFailure(b.refusal, true));
      } else {
        w.promise.complete(w.first);
      }
    }
  }

  private void failed(String topic, StoreException e) {
    writeFailures++;
    boolean full = e instanceof StorageWriteException w && w.diskFull();
    if (full) {
      diskFullFailures++;
    }
    if (problem == null) {
      LOG.log(Level.SEVERE, "storage: " + (full ? "the disk is full; " : "") + "publishes to " + topic
          + " are refused: " + e.getMessage() + ". Subscriptions and replay go on.");
    }
    problem = (full ? "disk full: " : "write failed: ") + e.getMessage();
  }

  // ---------------------------------------------------------------- the hot cache

  private void cache(Topic t, StoredMessage m) {
    if (cacheBytes == 0) {
      return;
    }
    StoredMessage last = t.hot.size() == 0 ? null : t.hot.get(t.hot.size() - 1);
    if (last != null && last.seq() != m.seq() - 1) {
      dropCache(t); // the cache holds a run of seqs ending at the newest: never a gap
    }
    t.hot.addLast(m);
    t.hotBytes += m.length();
    hotBytes += m.length();
    hotArrivals.addLast(t, m.seq());
    while (hotBytes > cacheBytes && !hotArrivals.isEmpty()) {
      Topic oldest = hotArrivals.firstTopic();
      long seq = hotArrivals.firstSeq();
      hotArrivals.removeFirst();
      StoredMessage first = oldest.hot.first();
      if (first != null && first.seq() == seq) {
        uncacheFirst(oldest);
      }
    }
    if (hotArrivals.size() > 2 * (hotBytes / 64 + 1) + 1024) {
      hotArrivals.removeIf((topic, seq) -> topic.hot.first() == null || seq < topic.hot.first().seq());
    }
  }

  /** Drops from the cache what the log no longer holds (retention moved its start). */
  private void trimCache(Topic t) {
    long first = t.log.firstSeq();
    if (first == t.cacheTrimmedTo) {
      return; // the log's start has not moved since: nothing to drop (the common case, checked per batch)
    }
    t.cacheTrimmedTo = first;
    while (t.hot.first() != null && t.hot.first().seq() < first) {
      uncacheFirst(t);
    }
  }

  private void uncacheFirst(Topic t) {
    StoredMessage m = t.hot.removeFirst();
    t.hotBytes -= m.length();
    hotBytes -= m.length();
  }

  private void dropCache(Topic t) {
    while (t.hot.first() != null) {
      uncacheFirst(t);
    }
  }

  // ---------------------------------------------------------------- reading

  @Override
  public long firstSeq(String topic) {
    Topic t = topics.get(topic);
    return t == null ? 1 : Math.min(t.log.firstSeq(), t.visibleLast + 1);
  }

  @Override
  public long lastSeq(String topic) {
    Topic t = topics.get(topic);
    return t == null ? 0 : t.visibleLast;
  }

  @Override
  public long read(String topic, long fromSeq, int maxCount, int maxBytes, Consumer<StoredMessage> sink) {
    Topic t = topics.get(topic);
    if (t == null) {
      return Math.max(fromSeq, 1);
    }
    long next = Math.max(fromSeq, firstSeq(topic));
    int[] handed = {0, 0}; // bytes, messages
    StoredMessage hotFirst = t.hot.first();
    if (next <= t.visibleLast && (hotFirst == null || next < hotFirst.seq())) {
      long coldLast = hotFirst == null ? t.visibleLast : hotFirst.seq() - 1;
      int n = (int) Math.min(maxCount, coldLast - next + 1);
      try {
        next = t.log.read(next, n, maxBytes, r -> {
          handed[0] += r.payload().length;
          handed[1]++;
          sink.accept(new StoredMessage(r.seq(), r.payload(), r.storedAtMillis()));
        });
      } catch (CorruptLogException | UncheckedIOException e) {
        LOG.severe("reading topic " + topic + " from seq " + next + " failed: " + e.getMessage());
        return next;
      }
    }
    hotFirst = t.hot.first();
    while (hotFirst != null && next >= hotFirst.seq() && next <= t.visibleLast && handed[1] < maxCount && (handed[1] == 0 || handed[0] < maxBytes)) {
      StoredMessage m = t.hot.get((int) (next - hotFirst.seq()));
      sink.accept(m);
      handed[0] += m.length();
      handed[1]++;
      next++;
    }
    return next;
  }

  // ---------------------------------------------------------------- retention

  @Override
  public void expire(long nowMillis, Predicate<String> inUse) {
    long cutoff = nowMillis - retention.maxAgeMillis();
    for (Iterator<Topic> it = topics.values().iterator(); it.hasNext(); ) {
      Topic t = it.next();
      try {
        if (t.log.count() > 0 && t.log.firstStoredAt() < cutoff) {
          t.log.expire(nowMillis);
          account(t);
          trimCache(t);
        }
        if (t.log.count() == 0 && t.idle() && !dirty.contains(t) && !inUse.test(t.name)) {
          it.remove();
          dropCache(t);
          forget(t);
          store.delete(t.name);
        }
      } catch (StoreException | UncheckedIOException e) {
        LOG.warning("retention of topic " + t.name + ": " + e.getMessage());
      }
    }
    enforceTotalBytes();
  }

  /**
   * {@code max_total_bytes} over every log: the topic whose oldest message is oldest gives up enough of its oldest
   * messages to fit (at most half of them at a time, so that others' old messages go too), until the store fits.
   */
  private void enforceTotalBytes() {
    try {
      trimToTotalBytes();
    } catch (StoreException | UncheckedIOException e) {
      LOG.warning("retention (max_total_bytes): " + e.getMessage());
    }
  }

  private void trimToTotalBytes() {
    while (totalBytes > retention.maxTotalBytes()) {
      Topic oldest = null;
      long oldestAt = Long.MAX_VALUE;
      for (Topic t : topics.values()) {
        if (t.log.count() > 1 || (t.log.count() == 1 && totalRecords > 1)) {
          long at = t.log.firstStoredAt();
          if (at < oldestAt) {
            oldest = t;
            oldestAt = at;
          }
        }
      }
      if (oldest == null) {
        return;
      }
      long count = Math.min(oldest.log.count(), oldest.visibleLast - oldest.log.firstSeq() + 1);
      long perRecord = Math.max(1, oldest.log.bytes() / Math.max(1, oldest.log.count()));
      long drop = Math.max(1, Math.min((totalBytes - retention.maxTotalBytes()) / perRecord + 1, count / 2 + 1));
      if (count <= 0 || oldest.log.trimTo(oldest.log.firstSeq() + drop) == 0) {
        return;
      }
      account(oldest);
      trimCache(oldest);
    }
  }

  private void forget(Topic t) {
    totalBytes -= t.knownBytes;
    totalRecords -= t.knownRecords;
    t.knownBytes = 0;
    t.knownRecords = 0;
  }

  /** Brings the running totals up to date with a log's size. */
  private void account(Topic t) {
    long bytes = t.log.bytes();
    long records = t.log.count();
    totalBytes += bytes - t.knownBytes;
    totalRecords += records - t.knownRecords;
    t.knownBytes = bytes;
    t.knownRecords = records;
  }

  /** Forgets the topic that holds no message, is not used, and has nothing on its way in; false if none. */
  private boolean forgetOneEmpty() {
    for (Iterator<Topic> it = topics.values().iterator(); it.hasNext(); ) {
      Topic t = it.next();
      if (t.log.count() == 0 && t.idle() && !dirty.contains(t) && !inUse.test(t.name)) {
        it.remove();
        dropCache(t);
        forget(t);
        try {
          store.delete(t.name);
        } catch (UncheckedIOException e) {
          LOG.warning("forgetting topic " + t.name + ": " + e.getMessage());
        }
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- figures

  @Override
  public void summarize(Predicate<String> matches, long nowMillis, BiConsumer<String, TopicSummary> sink) {
    for (Topic t : topics.values()) {
      if (matches.test(t.name)) {
        long first = firstSeq(t.name);
        long held = t.visibleLast - first + 1;
        long recent = TopicSummary.of(t.hot, t.visibleLast, 0, nowMillis).recent();
        sink.accept(t.name, new TopicSummary(held, t.log.bytes(), first, t.visibleLast, recent));
      }
    }
  }

  @Override
  public int topicCount() {
    return topics.size();
  }

  @Override
  public long messageCount() {
    return totalRecords;
  }

  @Override
  public long byteCount() {
    return totalBytes;
  }

  @Override
  public void describe(JsonObject stats) {
    stats.put("storage", new JsonObject()
        .put("kind", "disk")
        .put("fsync", fsync.name().toLowerCase())
        .put("cache_bytes", hotBytes)
        .put("fsyncs", fsyncs)
        .put("write_failures", writeFailures)
        .put("disk_full_failures", diskFullFailures)
        .put("problem", problem));
  }

  public Path dataDir() {
    return dataDir;
  }

  public FsyncPolicy fsync() {
    return fsync;
  }

  /** Why the last write failed, or null when storage works (for {@code /health/ready}). Any thread. */
  public String problem() {
    return problem;
  }

  public long writeFailures() {
    return writeFailures;
  }

  public long fsyncCount() {
    return fsyncs;
  }

  public long cachedBytes() {
    return hotBytes;
  }

  /** Writes what is buffered and, unless {@code never}, fsyncs everything; closes the files and the lock. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closing = true;
    if (context != null && timer >= 0) {
      context.owner().cancelTimer(timer);
    }
    try {
      if (!dirty.isEmpty()) {
        commitTurn();
      }
      store.close(); // fsyncs what was written unless the policy is never: what waited for an fsync has it
      awaitingSync.forEach(this::publish);
      awaitingSync.clear();
    } catch (StoreException | UncheckedIOException e) {
      LOG.severe("storage: closing the data directory: " + e.getMessage());
    } finally {
      closed = true;
      lock.release();
    }
  }

  // ---------------------------------------------------------------- state

  /** A publish waiting for its messages (seqs {@code first} to {@code last}) to be stored. */
  private static final class Waiter {
    final Promise<Long> promise;
    final long first;
    final long last;
    Throwable failure;

    Waiter(Promise<Long> promise, long first, long last) {
      this.promise = promise;
      this.first = first;
      this.last = last;
    }
  }

  /** What one topic stored in one turn, and who waits for it; {@code refusal}: stored, but not confirmed. */
  private record Batch(Topic topic, List<StoredMessage> messages, List<Waiter> waiting, StoreException refusal) {

    Batch(Topic topic, List<StoredMessage> messages, List<Waiter> waiting) {
      this(topic, messages, waiting, null);
    }

    /** After a failed write: keeps the messages the log still holds; fails the publishes it does not. */
    Batch cutTo(long lastHeld, StoreException e) {
      List<StoredMessage> kept = messages.stream().filter(m -> m.seq() <= lastHeld).toList();
      for (Waiter w : waiting) {
        if (w.last > lastHeld) {
          w.failure = new StorageFailure(e, w.first <= lastHeld);
        }
      }
      return new Batch(topic, kept, waiting, null);
    }

    Batch refused(StoreException e) {
      return new Batch(topic, messages, waiting, e);
    }
  }

  private static final class Topic {
    final String name;
    final DiskLog log;
    final MessageRing hot = new MessageRing();
    long hotBytes;
    /** The newest seq readers may see: written (and, with {@code always}, fsynced). */
    long visibleLast;
    long knownBytes;
    long knownRecords;
    /** The log's start when the cache was last trimmed to it. */
    long cacheTrimmedTo = -1;
    List<StoredMessage> fresh = new ArrayList<>();
    List<Waiter> waiting = new ArrayList<>();
    StoreException failure;

    Topic(String name, DiskLog log) {
      this.name = name;
      this.log = log;
      this.visibleLast = log.lastSeq();
    }

    boolean idle() {
      return fresh.isEmpty() && waiting.isEmpty();
    }
  }

  /**
   * Why a publish was not acknowledged: the disk is full (nothing of it stored) or a write or fsync failed. The
   * broker answers {@code disk_full} or {@code storage_failed}.
   */
  public static final class StorageFailure extends RuntimeException {
    private final boolean diskFull;
    private final boolean mayBeStored;

    StorageFailure(StoreException cause, boolean mayBeStored) {
      super(cause.getMessage(), cause);
      this.diskFull = cause instanceof StorageWriteException w && w.diskFull() && !mayBeStored;
      this.mayBeStored = mayBeStored;
    }

    public boolean diskFull() {
      return diskFull;
    }

    public boolean mayBeStored() {
      return mayBeStored;
    }
  }
}
