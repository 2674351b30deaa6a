package herald.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One topic's log on disk: a directory of segment files named by their first seq, a checkpoint of the logical
 * start, and a {@code topic} file with the exact topic name. See {@code package-info} for the format and what
 * each fsync policy can lose.
 *
 * <p>Not thread-safe: one owning thread at a time (the topic verticle's event loop), like the rest of Herald's
 * state. Appends go into a buffer; {@link #flush()} hands them to the operating system, {@link #sync()} makes
 * them durable.
 */
public final class DiskLog {

  /**
   * Segment size at which a new segment starts, as NATS's largest message block. It bounds three things: the
   * newest segment, which every open scans whole (8 MiB is a few milliseconds), the disk held beyond the logical
   * start (retention deletes whole segments, so up to one segment per topic), and the unit of deletion.
   */
  public static final int DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;

  static final String TOPIC_FILE = "topic";

  private final String topic;
  private final Path dir;
  private final Handles handles;
  private final BufferPool pool;
  private final Fsyncer fsyncer;
  private final int segmentBytes;
  private LogRetention retention;
  /** Told when this log first has something to flush, or to sync, since it last did (the Store's dirty sets). */
  private final Dirty onDirty;

  private final ArrayList<Segment> segments = new ArrayList<>();
  private long firstSeq;
  private long lastSeq;
  /** File position of firstSeq in the first segment (the end of the newest segment when the log is empty). */
  private long headPosition;
  /** Record bytes in all segments, buffered ones included, from each file's header on. */
  private long segmentRecordBytes;

  private ByteBuffer pending;
  private int pendingCount;

  private final Set<Path> unsynced = new LinkedHashSet<>();
  private long checkpointGeneration;
  private long checkpointFirst = -1;
  private long checkpointLast = -1;
  private long syncedFirst;
  /** {@link #firstStoredAt()}, and the head seq it was read for. */
  private long firstStoredAt;
  private long firstStoredAtSeq = -1;
  private boolean needsFlush;
  private boolean needsSync;

  /** Set when a failed write could not even be cut back: the log takes no more appends until reopened. */
  private IOException broken;
  /** A write failure met by a read's flush, handed to the next append or flush so the caller hears of it. */
  private StorageWriteException deferred;
  private boolean closed;
  private Recovery recovery;

  private DiskLog(String topic, Path dir, Handles handles, BufferPool pool, Fsyncer fsyncer, int segmentBytes,
      LogRetention retention, Dirty onDirty) {
    this.topic = topic;
    this.dir = dir;
    this.handles = handles;
    this.pool = pool;
    this.fsyncer = fsyncer;
    this.segmentBytes = segmentBytes;
    this.retention = retention;
    this.onDirty = onDirty;
  }

  /**
   * Opens (creating if needed) the log of {@code topic} in {@code dir}, on its own: its own file handles,
   * buffers and real fsyncs. A node uses {@link Store} instead.
   */
  public static DiskLog open(Path dir, String topic, int segmentBytes, LogRetention retention) {
    return open(dir, topic, segmentBytes, retention, new Handles(Handles.MIN_LIMIT * 4), new BufferPool(),
        Fsyncer.DEFAULT, Dirty.NONE);
  }

  static DiskLog open(Path dir, String topic, int segmentBytes, LogRetention retention, Handles handles,
      BufferPool pool, Fsyncer fsyncer, Dirty onDirty) {
    if (segmentBytes < Format.FILE_HEADER_BYTES + Format.RECORD_HEADER_BYTES) {
      throw new IllegalArgumentException("segment size " + segmentBytes + " cannot hold a record");
    }
    DiskLog log = new DiskLog(topic, dir, handles, pool, fsyncer, segmentBytes, retention, onDirty);
    try {
      log.recover();
    } catch (IOException e) {
      handles.closeUnder(dir);
      throw new UncheckedIOException("cannot open the log of topic " + topic + " in " + dir, e);
    } catch (RuntimeException e) {
      handles.closeUnder(dir);
      throw e;
    }
    return log;
  }

  // ---------------------------------------------------------------- recovery

  private void recover() throws IOException {
    Files.createDirectories(dir);
    Path topicFile = dir.resolve(TOPIC_FILE);
    if (!Files.exists(topicFile)) {
      Files.write(topicFile, topic.getBytes(StandardCharsets.UTF_8));
      fsyncer.fsync(topicFile);
      fsyncer.fsync(dir);
      if (dir.getParent() != null) {
        fsyncer.fsync(dir.getParent());
      }
    }
    Checkpoint.Value ckpt = Checkpoint.read(dir.resolve(Checkpoint.FILE));
    if (ckpt != null) {
      checkpointGeneration = ckpt.generation();
    }

    List<Long> bases = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        long base = Segment.baseOf(f.getFileName().toString());
        if (base >= 0) {
          bases.add(base);
        }
      }
    }
    bases.sort(null);

    long droppedBytes = 0;
    long droppedInTail = 0;
    StringBuilder detail = new StringBuilder();
    for (int i = 0; i < bases.size(); i++) {
      long base = bases.get(i);
      Path p = dir.resolve(Segment.fileName(base));
      long size = Files.size(p);
      String bad = checkHeader(p, base, size);
      if (bad == null) {
        segments.add(Segment.existing(dir, base, size));
      } else if (i == bases.size() - 1) {
        // The newest segment was torn while being created: nothing in it was ever readable.
        droppedBytes += size;
        droppedInTail += size > Format.FILE_HEADER_BYTES ? 1 : 0;
        detail.append("removed segment ").append(p.getFileName()).append(" (").append(bad).append("); ");
        handles.close(p);
        Files.deleteIfExists(p);
        Files.deleteIfExists(dir.resolve(String.format("%020d.idx", base)));
      } else {
        throw new CorruptLogException("topic " + topic + ": sealed segment " + p + " " + bad
            + "; the log is not opened so that nothing after it is lost");
      }
    }
    removeStrays(bases);

    long ckptFirst = ckpt == null ? 1 : Math.max(1, ckpt.firstSeq());
    if (segments.isEmpty()) {
      segments.add(Segment.create(dir, ckptFirst, handles));
      unsynced.add(dir);
    }
    for (int i = 0; i < segments.size() - 1; i++) {
      segments.get(i).count = segments.get(i + 1).base - segments.get(i).base;
    }
    Segment last = segments.get(segments.size() - 1);
    RecordReader r = last.scan(handles, last.size);
    if (r.damage() != null) {
      long cut = r.position();
      droppedInTail += countRecordsFrom(last.path, cut, r.seq(), last.size);
      droppedBytes += last.size - cut;
      detail.append(r.damage()).append("; cut ").append(last.size - cut).append(" bytes");
      FileChannel ch = handles.channel(last.path, false);
      ch.truncate(cut);
      ch.force(true);
      last.size = cut;
    }

    lastSeq = last.base + last.count - 1;
    firstSeq = Math.max(ckptFirst, segments.get(0).base);
    if (firstSeq > lastSeq + 1) {
      // Trimmed past everything the files still hold (a power loss took records after the trim was durable):
      // start empty at the checkpoint, so neither trimmed seqs nor their numbers come back.
      for (Segment s : segments) {
        s.delete(handles);
      }
      segments.clear();
      segments.add(Segment.create(dir, firstSeq, handles));
      unsynced.add(dir);
      lastSeq = firstSeq - 1;
    }
    while (segments.size() > 1 && segments.get(1).base <= firstSeq) {
      segments.remove(0).delete(handles);
      unsynced.add(dir);
    }
    for (Segment s : segments) {
      segmentRecordBytes += s.size - Format.FILE_HEADER_BYTES;
    }
    headPosition = firstSeq > lastSeq ? last().size : segments.get(0).positionOf(firstSeq, handles);

    long before = Math.max(ckpt == null ? 0 : ckpt.lastSeq(), lastSeq + droppedInTail);
    recovery = new Recovery(topic, before - lastSeq, droppedBytes, before, lastSeq,
        detail.length() == 0 ? "clean" : detail.toString());
    writeCheckpoint();
    syncedFirst = ckpt == null ? -1 : ckpt.firstSeq();
    if (syncedFirst != firstSeq) {
      unsynced.add(dir.resolve(Checkpoint.FILE));
    }
    if (!unsynced.isEmpty()) {
      markDirty();
    }
  }

  private static String checkHeader(Path p, long base, long size) throws IOException {
    if (size < Format.FILE_HEADER_BYTES) {
      return "has a partial header (" + size + " bytes)";
    }
    ByteBuffer h = ByteBuffer.allocate(Format.FILE_HEADER_BYTES);
    try (FileChannel ch = FileChannel.open(p)) {
      while (h.hasRemaining() && ch.read(h, h.position()) >= 0) {
        // read the header whole
      }
    }
    h.flip();
    int magic = h.getInt();
    short version = h.getShort();
    h.getShort();
    long fileBase = h.getLong();
    if (magic != Format.MAGIC) {
      return "has no Herald header";
    }
    if (version > Format.VERSION) {
      throw new CorruptLogException(p + " has format version " + version + ", newer than this Herald's "
          + Format.VERSION + "; upgrade Herald rather than let it misread the log");
    }
    if (fileBase != base) {
      return "says it starts at seq " + fileBase;
    }
    return null;
  }

  /** Best effort: counts the records that start in the cut region, following lengths while they make sense. */
  private long countRecordsFrom(Path path, long at, long want, long end) throws IOException {
    long n = 0;
    while (at < end) {
      n++;
      if (end - at < Format.RECORD_HEADER_BYTES) {
        break;
      }
      RecordReader walk = new RecordReader(handles, path, at, end, want);
      int len = walk.rawLength();
      if (len < 0 || len > Format.MAX_PAYLOAD_BYTES || walk.rawSeq() != want) {
        break;
      }
      at += Format.RECORD_HEADER_BYTES + (long) len;
      want++;
    }
    return n;
  }

  private void removeStrays(List<Long> bases) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.idx")) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        long base = Segment.baseOf(n.substring(0, n.length() - 4) + ".seg");
        if (base < 0 || !Files.exists(dir.resolve(Segment.fileName(base)))) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  // ---------------------------------------------------------------- writing

  /**
   * Appends one record. {@code seq} must be {@link #lastSeq()} + 1: the caller (the partition owner, or a
   * backup mirroring it) assigns seqs. The record is buffered; {@link #flush()} writes it to the OS.
   *
   * @throws SeqMismatchException for any other seq
   * @throws StorageWriteException when a write or a new segment fails (see there for the log's state)
   */
  public void append(long seq, long storedAtMillis, byte[] payload) {
    checkWritable();
    if (seq != lastSeq + 1) {
      throw new SeqMismatchException(topic, lastSeq + 1, seq);
    }
    if (payload.length > Format.MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException("record of " + payload.length + " bytes; the limit is "
          + Format.MAX_PAYLOAD_BYTES);
    }
    int recordBytes = Format.RECORD_HEADER_BYTES + payload.length;
    Segment active = last();
    long end = active.size + pendingBytes();
    if (active.count + pendingCount > 0 && end + recordBytes > segmentBytes) {
      roll();
      active = last();
      end = active.size;
    }
    if (pending == null) {
      pending = pool.take();
    }
    if (pending.remaining() < recordBytes) {
      writePending();
    }
    if (recordBytes > pending.capacity()) {
      ByteBuffer one = ByteBuffer.allocate(recordBytes);
      Format.putRecord(one, seq, storedAtMillis, payload);
      one.flip();
      write(one, 1);
    } else {
      Format.putRecord(pending, seq, storedAtMillis, payload);
      pendingCount++;
    }
    boolean wasEmpty = firstSeq > lastSeq;
    active.noteAppend(seq, end, storedAtMillis);
    lastSeq = seq;
    segmentRecordBytes += recordBytes;
    if (wasEmpty) {
      headPosition = end;
    }
    markDirty();
  }

  /**
   * Writes buffered records to the operating system (they then survive a crash of the process), applies the
   * count and byte limits, and records a new start in the checkpoint.
   */
  public void flush() {
    throwDeferred();
    if (closed) {
      return;
    }
    writePending();
    if (pending != null) {
      pool.give(pending);
      pending = null;
    }
    trimHead(Long.MIN_VALUE);
    try {
      // The start, whenever it moved (a restart must not bring trimmed records back). The end only at a sync or
      // a close: it serves only to report what a power loss took, and only a synced end survives one, so
      // writing it at every flush would cost a write per batch for nothing.
      if (checkpointFirst != firstSeq) {
        writeCheckpoint();
      }
    } catch (IOException e) {
      throw new StorageWriteException(topic, lastSeq, "writing the checkpoint", e);
    }
    needsFlush = false;
  }

  /** Flushes, and records the end in the checkpoint too (before a sync or a close). */
  private void flushWithEnd() {
    flush();
    if (closed) {
      return;
    }
    try {
      writeCheckpoint();
    } catch (IOException e) {
      throw new StorageWriteException(topic, lastSeq, "writing the checkpoint", e);
    }
  }

  /**
   * Flushes, then fsyncs every file written since the last sync (the newest segment, the checkpoint if the start
   * moved, the directory if files came or went), each once. Returns how many it fsynced.
   */
  public int sync() {
    flushWithEnd();
    int n = 0;
    try {
      for (Path p : List.copyOf(unsynced)) {
        fsyncer.fsync(p);
        unsynced.remove(p);
        n++;
      }
    } catch (IOException e) {
      throw new StorageWriteException(topic, lastSeq, "fsync", e);
    }
    syncedFirst = firstSeq;
    needsSync = false;
    return n;
  }

  /**
   * Flushes, then hands over the files to fsync (as {@link #sync()} would fsync them) and counts them as synced:
   * the caller fsyncs them, on any thread ({@link Store#beginSync()}), and gives them back with
   * {@link #unsyncedAgain(List)} if that fails. A write after this marks its file again.
   */
  List<Path> takeUnsynced() {
    flushWithEnd();
    List<Path> paths = List.copyOf(unsynced);
    unsynced.clear();
    syncedFirst = firstSeq;
    needsSync = false;
    return paths;
  }

  /** An fsync of {@link #takeUnsynced()}'s files failed: they wait for the next sync. */
  void unsyncedAgain(List<Path> paths) {
    unsynced.addAll(paths);
    syncedFirst = -1; // the checkpoint's start may not be durable either
    if (!closed) {
      markDirty();
    }
  }

  /**
   * When the oldest record held was stored ({@link Long#MAX_VALUE} when none is): the total-bytes limit drops the
   * oldest records anywhere first. Read from the head of the log, and remembered until the head moves.
   */
  public long firstStoredAt() {
    if (firstSeq > lastSeq) {
      return Long.MAX_VALUE;
    }
    if (firstStoredAtSeq != firstSeq) {
      writePending();
      try {
        RecordReader r = new RecordReader(handles, segments.get(0).path, headPosition, segments.get(0).size, firstSeq);
        if (r.next() != RecordReader.Result.RECORD) {
          throw new CorruptLogException("topic " + topic + ": " + r.damage());
        }
        firstStoredAt = r.storedAt();
        firstStoredAtSeq = firstSeq;
      } catch (IOException e) {
        throw new UncheckedIOException("reading the head of topic " + topic, e);
      }
    }
    return firstStoredAt;
  }

  private void checkWritable() {
    if (closed) {
      throw new IllegalStateException("the log of topic " + topic + " is closed");
    }
    throwDeferred();
    if (broken != null) {
      throw new StorageWriteException(topic, lastSeq, "an earlier write left a partial record that could not be cut;"
          + " appending", broken);
    }
  }

  private void throwDeferred() {
    if (deferred != null) {
      StorageWriteException e = deferred;
      deferred = null;
      throw e;
    }
  }

  private long pendingBytes() {
    return pending == null ? 0 : pending.position();
  }

  private void writePending() {
    if (pending == null || pending.position() == 0) {
      return;
    }
    pending.flip();
    int n = pendingCount;
    pendingCount = 0;
    try {
      write(pending, n);
    } finally {
      pending.clear();
    }
  }

  /** Writes whole records at the end of the newest segment; on failure, cuts back to what was there before. */
  private void write(ByteBuffer records, int count) {
    Segment active = last();
    long at = active.size;
    try {
      FileChannel ch = handles.channel(active.path, false);
      while (records.hasRemaining()) {
        at += ch.write(records, at);
      }
    } catch (IOException e) {
      throw failWrite(e);
    }
    active.size = at;
    active.count += count;
    unsynced.add(active.path);
  }

  /**
   * A write failed: drop what was buffered, cut the file back to its last whole record, and put the log's
   * numbers back to what the file holds. Returns the exception to throw.
   */
  private StorageWriteException failWrite(IOException e) {
    Segment active = last();
    if (pending != null) {
      pending.clear();
    }
    pendingCount = 0;
    try {
      handles.channel(active.path, false).truncate(active.size);
    } catch (IOException t) {
      broken = t;
    }
    active.dropIndexFrom(active.size);
    active.lastStoredAt = -1;
    lastSeq = active.base + active.count - 1;
    if (firstSeq > lastSeq + 1) {
      firstSeq = lastSeq + 1;
    }
    if (firstSeq > lastSeq) {
      headPosition = active.size;
    }
    segmentRecordBytes = 0;
    for (Segment s : segments) {
      segmentRecordBytes += s.size - Format.FILE_HEADER_BYTES;
    }
    return new StorageWriteException(topic, lastSeq, "writing records", e);
  }

  /**
   * Starts a new segment. The old one is fsynced first whatever the policy: only the newest segment can then
   * have a torn tail after a power loss, which is the one every open scans.
   */
  private void roll() {
    writePending();
    Segment old = last();
    old.writeIndexFile();
    try {
      fsyncer.fsync(old.path);
    } catch (IOException e) {
      throw new StorageWriteException(topic, lastSeq, "fsync of a full segment", e);
    }
    unsynced.remove(old.path);
    handles.close(old.path);
    Segment next;
    try {
      next = Segment.create(dir, lastSeq + 1, handles);
    } catch (IOException e) {
      throw new StorageWriteException(topic, lastSeq, "creating a segment", e);
    }
    segments.add(next);
    unsynced.add(next.path);
    unsynced.add(dir);
  }

  private void writeCheckpoint() throws IOException {
    if (checkpointFirst == firstSeq && checkpointLast == lastSeq) {
      return;
    }
    Path file = dir.resolve(Checkpoint.FILE);
    checkpointGeneration++;
    Checkpoint.write(handles.channel(file, true),
        new Checkpoint.Value(checkpointGeneration, firstSeq, lastSeq));
    checkpointFirst = firstSeq;
    checkpointLast = lastSeq;
    if (firstSeq != syncedFirst) {
      unsynced.add(file);
    }
  }

  private void markDirty() {
    if (!needsFlush) {
      needsFlush = true;
      onDirty.needsFlush(this);
    }
    if (!needsSync) {
      needsSync = true;
      onDirty.needsSync(this);
    }
  }

  /** How a log tells its owner that it has something to flush or to fsync. */
  interface Dirty {
    void needsFlush(DiskLog log);

    void needsSync(DiskLog log);

    Dirty NONE = new Dirty() {
      @Override
      public void needsFlush(DiskLog log) {}

      @Override
      public void needsSync(DiskLog log) {}
    };
  }

  // ---------------------------------------------------------------- retention

  /** The log's retention from now on; applied at the next flush or expire. */
  public void retention(LogRetention retention) {
    this.retention = retention;
  }

  public LogRetention retention() {
    return retention;
  }

  /**
   * Drops records stored before {@code nowMillis - maxAgeMillis} from the head, and any over the count and byte
   * limits. Returns how many records it dropped. Called periodically (the broker's expiry timer).
   */
  public long expire(long nowMillis) {
    throwDeferred();
    writePending();
    long cutoff = retention.maxAgeMillis() == LogRetention.UNLIMITED ? Long.MIN_VALUE
        : nowMillis - retention.maxAgeMillis();
    long dropped = trimHead(cutoff);
    try {
      writeCheckpoint();
    } catch (IOException e) {
      throw new StorageWriteException(topic, lastSeq, "writing the checkpoint", e);
    }
    return dropped;
  }

  /**
   * Drops every record before {@code newFirstSeq} (at most up to {@link #lastSeq()} + 1). The merge rule of a
   * cluster uses it to follow the owner's start. Returns how many it dropped.
   */
  public long trimTo(long newFirstSeq) {
    throwDeferred();
    writePending();
    long before = firstSeq;
    long target = Math.min(newFirstSeq, lastSeq + 1);
    if (target > firstSeq) {
      advanceHead(target, Long.MIN_VALUE);
    }
    try {
      writeCheckpoint();
    } catch (IOException e) {
      throw new StorageWriteException(topic, lastSeq, "writing the checkpoint", e);
    }
    return firstSeq - before;
  }

  /** Applies the count and byte limits, and the age cutoff (Long.MIN_VALUE for none). */
  private long trimHead(long ageCutoff) {
    long before = firstSeq;
    long byCount = retention.maxRecords() == LogRetention.UNLIMITED ? Long.MIN_VALUE
        : lastSeq - retention.maxRecords() + 1;
    if (byCount > firstSeq || bytes() > retention.maxBytes() || ageCutoff != Long.MIN_VALUE) {
      advanceHead(byCount, ageCutoff);
    }
    return firstSeq - before;
  }

  /**
   * Moves the head forward while a record is before {@code minFirst}, over the byte limit or older than
   * {@code ageCutoff}. Whole segments that then lie before the head are deleted, except the newest: it carries
   * the next seq across a restart.
   */
  private void advanceHead(long minFirst, long ageCutoff) {
    try {
      // Whole segments first, without reading them, when every record in them must go.
      while (segments.size() > 1 && firstSeq <= lastSeq) {
        Segment s = segments.get(0);
        long next = segments.get(1).base;
        long bytesFromHead = s.size - headPosition;
        boolean all = next <= minFirst
            || bytes() - bytesFromHead >= retention.maxBytes()
            || (ageCutoff != Long.MIN_VALUE && s.lastStoredAt(handles) < ageCutoff);
        if (!all) {
          break;
        }
        firstSeq = next;
        headPosition = Format.FILE_HEADER_BYTES;
        segmentRecordBytes -= s.size - Format.FILE_HEADER_BYTES;
        segments.remove(0);
        deleteAfterCheckpoint(s);
      }
      // Then record by record from the head.
      while (firstSeq <= lastSeq) {
        Segment s = segments.get(0);
        RecordReader r = new RecordReader(handles, s.path, headPosition, s.size, firstSeq);
        while (firstSeq <= lastSeq && r.next() == RecordReader.Result.RECORD) {
          boolean drop = firstSeq < minFirst || bytes() > retention.maxBytes()
              || (ageCutoff != Long.MIN_VALUE && r.storedAt() < ageCutoff);
          if (!drop) {
            return;
          }
          r.advance();
          firstSeq++;
          headPosition = r.position();
        }
        if (firstSeq > lastSeq) {
          // Everything went; the head rests at the end of the newest segment, which stays.
          while (segments.size() > 1) {
            Segment gone = segments.remove(0);
            segmentRecordBytes -= gone.size - Format.FILE_HEADER_BYTES;
            deleteAfterCheckpoint(gone);
          }
          headPosition = last().size;
          return;
        }
        if (r.damage() != null) {
          throw new CorruptLogException("topic " + topic + ": " + r.damage());
        }
        if (segments.size() == 1) {
          throw new IllegalStateException("topic " + topic + ": the newest segment ends before seq " + lastSeq);
        }
        // The first segment is used up; the head moves to the next one.
        segments.remove(0);
        segmentRecordBytes -= s.size - Format.FILE_HEADER_BYTES;
        deleteAfterCheckpoint(s);
        headPosition = Format.FILE_HEADER_BYTES;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the head of topic " + topic, e);
    }
  }

  /**
   * Deletes a segment that now lies wholly before the head. The new start goes to the checkpoint first, so
   * that if the process dies between the two, the next open still knows where the log starts.
   */
  private void deleteAfterCheckpoint(Segment s) throws IOException {
    writeCheckpoint();
    s.delete(handles);
    unsynced.remove(s.path);
    unsynced.add(dir);
    markDirty();
  }

  /**
   * Empties the log so that the next append takes {@code nextSeq}, which must be past {@link #lastSeq()}: seqs
   * only move forward, so a crash part-way through cannot bring an old record back under a reused seq. A
   * backup that joins a topic part-way uses it to start at the owner's seq.
   */
  public void reset(long nextSeq) {
    checkWritable();
    if (nextSeq <= lastSeq) {
      throw new IllegalArgumentException("reset of topic " + topic + " to seq " + nextSeq
          + " would reuse seqs up to " + lastSeq);
    }
    writePending();
    try {
      firstSeq = nextSeq;
      lastSeq = nextSeq - 1;
      writeCheckpoint();
      fsyncer.fsync(dir.resolve(Checkpoint.FILE));
      syncedFirst = firstSeq;
      for (Segment s : segments) {
        s.delete(handles);
        unsynced.remove(s.path);
      }
      segments.clear();
      segmentRecordBytes = 0;
      segments.add(Segment.create(dir, nextSeq, handles));
      headPosition = Format.FILE_HEADER_BYTES;
      unsynced.add(last().path);
      unsynced.add(dir);
      markDirty();
    } catch (IOException e) {
      throw new StorageWriteException(topic, lastSeq, "reset", e);
    }
  }

  // ---------------------------------------------------------------- reading

  /**
   * Hands {@code sink} the records from {@code fromSeq} on (from {@link #firstSeq()} if that is later), oldest
   * first, at most {@code maxRecords} of them and no more than {@code maxBytes} of payload, but always at least
   * one if any is held. Returns the seq to read next.
   *
   * @throws CorruptLogException when a record on the way fails its checksum
   */
  public long read(long fromSeq, int maxRecords, long maxBytes, Consumer<LogRecord> sink) {
    long seq = Math.max(fromSeq, firstSeq);
    if (seq > lastSeq || maxRecords <= 0) {
      return seq;
    }
    if (pendingCount > 0) {
      try {
        writePending();
      } catch (StorageWriteException e) {
        // The buffered records are gone; the appender hears it from its next append or flush.
        deferred = e;
        if (seq > lastSeq) {
          return seq;
        }
      }
    }
    try {
      int i = segmentIndexOf(seq);
      int handed = 0;
      long bytes = 0;
      while (i < segments.size() && seq <= lastSeq) {
        Segment s = segments.get(i);
        long from = s.positionOf(seq, handles);
        RecordReader r = new RecordReader(handles, s.path, from, s.size, seq);
        while (seq <= lastSeq) {
          RecordReader.Result res = r.next();
          if (res == RecordReader.Result.END) {
            break;
          }
          if (res == RecordReader.Result.DAMAGED) {
            throw new CorruptLogException("topic " + topic + ": " + r.damage());
          }
          if (handed > 0 && bytes + r.recordBytes() - Format.RECORD_HEADER_BYTES > maxBytes) {
            return seq;
          }
          sink.accept(new LogRecord(seq, r.storedAt(), r.payload()));
          handed++;
          bytes += r.recordBytes() - Format.RECORD_HEADER_BYTES;
          seq++;
          r.advance();
          if (handed >= maxRecords) {
            return seq;
          }
        }
        i++;
      }
      return seq;
    } catch (IOException e) {
      throw new UncheckedIOException("reading topic " + topic + " at seq " + seq, e);
    }
  }

  /** {@link #read(long, int, long, Consumer)} into a list. */
  public List<LogRecord> read(long fromSeq, int maxRecords, long maxBytes) {
    List<LogRecord> out = new ArrayList<>();
    read(fromSeq, maxRecords, maxBytes, out::add);
    return out;
  }

  private int segmentIndexOf(long seq) {
    int lo = 0;
    int hi = segments.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (segments.get(mid).base <= seq) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  // ---------------------------------------------------------------- state

  public String topic() {
    return topic;
  }

  Path dir() {
    return dir;
  }

  /** The oldest seq held, or {@code lastSeq() + 1} when none is. */
  public long firstSeq() {
    return firstSeq;
  }

  /** The newest seq ever stored (0 when none was): the next append takes lastSeq + 1. */
  public long lastSeq() {
    return lastSeq;
  }

  public long count() {
    return lastSeq - firstSeq + 1;
  }

  /** Bytes of the records held, as on disk: each record's payload and its 24-byte header. */
  public long bytes() {
    return firstSeq > lastSeq ? 0
        : segmentRecordBytes - (headPosition - Format.FILE_HEADER_BYTES);
  }

  /** Bytes of the payloads held (what the in-memory store counts). */
  public long payloadBytes() {
    return bytes() - count() * Format.RECORD_HEADER_BYTES;
  }

  /** Bytes the log's segment files take, trimmed records not yet deleted included. */
  public long diskBytes() {
    return segmentRecordBytes + (long) segments.size() * Format.FILE_HEADER_BYTES;
  }

  public int segmentCount() {
    return segments.size();
  }

  /** What opening this log found and cut. */
  public Recovery recovery() {
    return recovery;
  }

  /** Writes what is buffered (best effort) and closes the log's files. */
  public void close() {
    if (closed) {
      return;
    }
    try {
      flushWithEnd();
    } finally {
      closed = true;
      handles.closeUnder(dir);
    }
  }

  /** Closes without writing: the directory is about to be deleted. */
  void abandon() {
    closed = true;
    pending = null;
    handles.closeUnder(dir);
  }

  private Segment last() {
    return segments.get(segments.size() - 1);
  }
}
