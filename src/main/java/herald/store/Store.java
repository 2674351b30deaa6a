package herald.store;

import herald.codec.TopicName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A node's topic logs under one data directory ({@code <data>/topics/<topic dir>/}): opens and recovers them all
 * at start-up, creates and deletes them, bounds the open files, and commits batches.
 *
 * <p>Group commit: the caller appends a batch across any number of topics, then calls {@link #commit()}: every
 * log written since the last commit is flushed to the OS and, with {@link FsyncPolicy#ALWAYS}, every file
 * written is fsynced once ({@link #syncDirty()}), however many records went into it. Then it acknowledges the
 * whole batch. With {@link FsyncPolicy#INTERVAL} it calls {@link #syncDirty()} every second instead.
 *
 * <p>Not thread-safe: one owning thread (the topic verticle's event loop) at a time. An fsync blocks for as
 * long as the disk takes, so a caller on an event loop should hand the whole store to a worker thread for
 * {@link #syncDirty()} and take it back before the next append, rather than share it.
 */
public final class Store implements AutoCloseable {

  static final String TOPICS_DIR = "topics";
  /** A deleted topic's directory is moved here first, so a crash part-way through a delete never leaves half a log. */
  static final String TRASH_DIR = "trash";

  /** The settings of a store. {@code maxOpenFiles} bounds the file descriptors it holds. */
  public record Options(FsyncPolicy fsync, int maxOpenFiles, int segmentBytes, LogRetention retention) {

    public static Options defaults(FsyncPolicy fsync) {
      return new Options(fsync, Handles.DEFAULT_LIMIT, DiskLog.DEFAULT_SEGMENT_BYTES, LogRetention.NONE);
    }
  }

  private final Path dataDir;
  private final Path topicsDir;
  private final Options options;
  private final Handles handles;
  private final BufferPool pool = new BufferPool();
  private final Fsyncer fsyncer;
  private final Map<String, DiskLog> logs = new HashMap<>();
  private final Map<String, StoreException> failed = new LinkedHashMap<>();
  private final List<Recovery> recovered = new ArrayList<>();
  private final List<String> skipped = new ArrayList<>();
  private final Set<DiskLog> toFlush = new LinkedHashSet<>();
  private final Set<DiskLog> toSync = new LinkedHashSet<>();
  private final DiskLog.Dirty dirty = new DiskLog.Dirty() {
    @Override
    public void needsFlush(DiskLog log) {
      toFlush.add(log);
    }

    @Override
    public void needsSync(DiskLog log) {
      toSync.add(log);
    }
  };

  private Store(Path dataDir, Options options, Fsyncer fsyncer) {
    this.dataDir = dataDir;
    this.topicsDir = dataDir.resolve(TOPICS_DIR);
    this.options = options;
    this.handles = new Handles(options.maxOpenFiles());
    this.fsyncer = fsyncer;
  }

  /**
   * Opens the store in {@code dataDir} (creating it if needed) and every topic log in it, recovering each:
   * {@link #recovered()} says what each one cut, {@link #failed()} which could not be opened and why, and
   * {@link #skipped()} which directories are not topic logs.
   */
  public static Store open(Path dataDir, Options options) {
    return open(dataDir, options, Fsyncer.DEFAULT);
  }

  static Store open(Path dataDir, Options options, Fsyncer fsyncer) {
    Store store = new Store(dataDir, options, fsyncer);
    try {
      store.start();
    } catch (IOException e) {
      store.handles.closeAll();
      throw new UncheckedIOException("cannot open the data directory " + dataDir, e);
    }
    return store;
  }

  private void start() throws IOException {
    Files.createDirectories(topicsDir);
    deleteTree(dataDir.resolve(TRASH_DIR));
    List<Path> dirs = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(topicsDir)) {
      ds.forEach(dirs::add);
    }
    dirs.sort(null);
    for (Path d : dirs) {
      Path nameFile = d.resolve(DiskLog.TOPIC_FILE);
      if (!Files.isDirectory(d) || !Files.exists(nameFile)) {
        skipped.add(d.getFileName() + ": no " + DiskLog.TOPIC_FILE + " file");
        continue;
      }
      String topic = new String(Files.readAllBytes(nameFile), StandardCharsets.UTF_8);
      String problem = TopicName.problem(topic);
      if (problem != null || !TopicDirs.dirName(topic).equals(d.getFileName().toString())) {
        skipped.add(d.getFileName() + ": its " + DiskLog.TOPIC_FILE + " file names "
            + (problem != null ? "no valid topic (" + problem + ")" : "another directory's topic"));
        continue;
      }
      try {
        DiskLog log = DiskLog.open(d, topic, options.segmentBytes(), options.retention(), handles, pool, fsyncer,
            dirty);
        logs.put(topic, log);
        recovered.add(log.recovery());
      } catch (StoreException | UncheckedIOException e) {
        failed.put(topic, e instanceof StoreException se ? se
            : new StoreException("cannot open topic " + topic + ": " + e.getMessage(), e));
      }
    }
    fsyncer.fsync(topicsDir);
  }

  /** The log of {@code topic}, created if there is none. */
  public DiskLog log(String topic) {
    DiskLog log = logs.get(topic);
    if (log != null) {
      return log;
    }
    StoreException failure = failed.get(topic);
    if (failure != null) {
      // Never start a fresh log over one that could not be read: its seqs would be given out again.
      throw failure;
    }
    log = DiskLog.open(topicsDir.resolve(TopicDirs.dirName(topic)), topic, options.segmentBytes(),
        options.retention(), handles, pool, fsyncer, dirty);
    logs.put(topic, log);
    return log;
  }

  /** The directory of {@code topic}'s log, where a caller may keep files of its own beside the segments. */
  public Path dir(String topic) {
    return topicsDir.resolve(TopicDirs.dirName(topic));
  }

  /** The log of {@code topic}, or null if it has none. */
  public DiskLog existing(String topic) {
    return logs.get(topic);
  }

  public Set<String> topics() {
    return Collections.unmodifiableSet(logs.keySet());
  }

  /** Removes a topic's log and its files (also one that failed to open). */
  public void delete(String topic) {
    DiskLog log = logs.remove(topic);
    failed.remove(topic);
    Path dir = topicsDir.resolve(TopicDirs.dirName(topic));
    if (log != null) {
      toFlush.remove(log);
      toSync.remove(log);
      log.abandon();
    }
    handles.closeUnder(dir);
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Path trash = dataDir.resolve(TRASH_DIR);
      Files.createDirectories(trash);
      Path moved = trash.resolve(dir.getFileName() + "." + System.nanoTime());
      Files.move(dir, moved);
      fsyncer.fsync(topicsDir);
      deleteTree(moved);
    } catch (IOException e) {
      throw new UncheckedIOException("deleting the log of topic " + topic, e);
    }
  }

  /** Flushes every log written since the last flush. */
  public void flushAll() {
    StoreException first = null;
    for (DiskLog log : List.copyOf(toFlush)) {
      try {
        log.flush();
        toFlush.remove(log);
      } catch (StoreException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * Flushes and fsyncs every file written since the last sync, each once. Returns how many files it fsynced.
   * If one fails, the others are still synced, and the first failure is thrown: acknowledge nothing.
   */
  public int syncDirty() {
    int n = 0;
    StoreException first = null;
    for (DiskLog log : List.copyOf(toSync)) {
      try {
        n += log.sync();
        toSync.remove(log);
        toFlush.remove(log);
      } catch (StoreException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
    return n;
  }

  /**
   * Flushes every log written since the last sync and takes the files to fsync, each once, counting them as
   * synced. {@link SyncBatch#run()} fsyncs them on any thread (so an event loop need not wait for the disk);
   * {@link #endSync} then hands back, on the owning thread, those of a batch that failed. Appends go on
   * meanwhile: a file written again after this is marked for the next sync.
   */
  public SyncBatch beginSync() {
    Map<DiskLog, List<Path>> byLog = new LinkedHashMap<>();
    StoreException first = null;
    for (DiskLog log : List.copyOf(toSync)) {
      try {
        byLog.put(log, log.takeUnsynced());
        toSync.remove(log);
        toFlush.remove(log);
      } catch (StoreException e) {
        first = first == null ? e : first;
      }
    }
    return new SyncBatch(byLog, fsyncer, first);
  }

  /** Whether a log was written since the last sync (so {@link #beginSync()} has something to take). */
  public boolean needsSync() {
    return !toSync.isEmpty();
  }

  /** After {@link SyncBatch#run()}: if it failed, its files wait for the next sync. */
  public void endSync(SyncBatch batch, boolean succeeded) {
    if (!succeeded) {
      batch.byLog.forEach(DiskLog::unsyncedAgain);
    }
  }

  /** Files to fsync, taken from the logs by {@link #beginSync()}. */
  public static final class SyncBatch {
    private final Map<DiskLog, List<Path>> byLog;
    private final Fsyncer fsyncer;
    private final StoreException flushFailure;

    private SyncBatch(Map<DiskLog, List<Path>> byLog, Fsyncer fsyncer, StoreException flushFailure) {
      this.byLog = byLog;
      this.fsyncer = fsyncer;
      this.flushFailure = flushFailure;
    }

    /**
     * Fsyncs every file, going on past a failure; returns how many it fsynced, or throws the first failure
     * (a flush's, met by {@link #beginSync()}, first of all): then acknowledge nothing that waited for it.
     */
    public int run() {
      int n = 0;
      StoreException first = flushFailure;
      for (Map.Entry<DiskLog, List<Path>> e : byLog.entrySet()) {
        for (Path p : e.getValue()) {
          try {
            fsyncer.fsync(p);
            n++;
          } catch (IOException io) {
            if (first == null) {
              first = new StorageWriteException(e.getKey().topic(), e.getKey().lastSeq(), "fsync", io);
            }
          }
        }
      }
      if (first != null) {
        throw first;
      }
      return n;
    }
  }

  /** Ends a batch of appends: flushes, and with {@link FsyncPolicy#ALWAYS} fsyncs too. Then acknowledge. */
  public void commit() {
    if (options.fsync() == FsyncPolicy.ALWAYS) {
      syncDirty();
    } else {
      flushAll();
    }
  }

  /** Applies every log's age limit (and the others). Returns how many records went. */
  public long expire(long nowMillis) {
    long n = 0;
    for (DiskLog log : logs.values()) {
      n += log.expire(nowMillis);
    }
    return n;
  }

  public long totalBytes() {
    long n = 0;
    for (DiskLog log : logs.values()) {
      n += log.bytes();
    }
    return n;
  }

  public long totalRecords() {
    long n = 0;
    for (DiskLog log : logs.values()) {
      n += log.count();
    }
    return n;
  }

  /** What opening each log found, cuts included (one entry per log opened at start-up). */
  public List<Recovery> recovered() {
    return Collections.unmodifiableList(recovered);
  }

  /** Topics whose logs could not be opened, with why. They are not served, and not recreated. */
  public Map<String, StoreException> failed() {
    return Collections.unmodifiableMap(failed);
  }

  /** Directories under {@code topics/} that are not topic logs, with why; left alone. */
  public List<String> skipped() {
    return Collections.unmodifiableList(skipped);
  }

  public Options options() {
    return options;
  }

  int openFiles() {
    return handles.openCount();
  }

  long fileOpens() {
    return handles.opens();
  }

  /** Flushes every log and, unless the policy is NEVER, fsyncs; then closes every file. */
  @Override
  public void close() {
    try {
      if (options.fsync() == FsyncPolicy.NEVER) {
        flushAll();
      } else {
        syncDirty();
      }
    } finally {
      for (DiskLog log : logs.values()) {
        log.abandon();
      }
      handles.closeAll();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
