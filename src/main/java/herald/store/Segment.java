package herald.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One segment file, named by its first seq, and its sparse index. Seqs in a segment have no gaps (appends are
 * always last + 1), so a sealed segment's record count is the next segment's base minus its own and need not be
 * stored anywhere.
 *
 * <p>The index is sparse: one entry (seq offset, file position) per {@link #INDEX_INTERVAL_BYTES} of records,
 * as Kafka does. A dense one (4 bytes per record) would cost 1.4 MiB of heap per full segment of 64-byte
 * records, which for 20 GB retained on disk is more than the 1 GiB heap; sparse costs 16 KiB per segment, and
 * a lookup reads at most one interval forward, which replay reads anyway. Only sealed segments have an index
 * file ({@code .idx}), written when they are sealed: the newest segment is scanned at every open, which
 * rebuilds its index for free. A missing or inconsistent index file is rebuilt from the segment.
 */
final class Segment {

  /** Kafka's default index.interval.bytes: a lookup reads at most this much past an entry. */
  static final int INDEX_INTERVAL_BYTES = 4096;

  final long base;
  final Path path;
  final Path indexPath;

  /** Bytes written to the file (header included); the store's own buffer may hold more. */
  long size;
  /** Records written to the file. */
  long count;
  /** When the last record was stored, or -1 when not known yet (sealed segments, until asked). */
  long lastStoredAt = -1;

  private int[] rel = new int[16];
  private int[] pos = new int[16];
  private int entries;
  private long lastIndexed = -1;
  private boolean indexReady;

  private Segment(Path dir, long base) {
    this.base = base;
    this.path = dir.resolve(fileName(base));
    this.indexPath = dir.resolve(String.format("%020d.idx", base));
  }

  static String fileName(long base) {
    return String.format("%020d.seg", base);
  }

  /** The base of a segment file name, or -1 if the name is not one. */
  static long baseOf(String fileName) {
    if (fileName.length() != 24 || !fileName.endsWith(".seg")) {
      return -1;
    }
    for (int i = 0; i < 20; i++) {
      if (!Character.isDigit(fileName.charAt(i))) {
        return -1;
      }
    }
    return Long.parseLong(fileName.substring(0, 20));
  }

  /** Creates the file with its header. On failure the half-made file is removed if possible. */
  static Segment create(Path dir, long base, Handles handles) throws IOException {
    Segment s = new Segment(dir, base);
    try {
      FileChannel ch = handles.channel(s.path, true);
      ByteBuffer h = Format.fileHeader(base);
      long at = 0;
      while (h.hasRemaining()) {
        at += ch.write(h, at);
      }
    } catch (IOException e) {
      handles.close(s.path);
      Files.deleteIfExists(s.path);
      throw e;
    }
    s.size = Format.FILE_HEADER_BYTES;
    s.indexReady = true;
    return s;
  }

  static Segment existing(Path dir, long base, long size) {
    Segment s = new Segment(dir, base);
    s.size = size;
    return s;
  }

  /** Notes a record appended at {@code position} (which may still be in the log's buffer). */
  void noteAppend(long seq, long position, long storedAt) {
    if (lastIndexed < 0 || position - lastIndexed >= INDEX_INTERVAL_BYTES) {
      addEntry((int) (seq - base), (int) position);
    }
    lastStoredAt = storedAt;
  }

  private void addEntry(int relSeq, int position) {
    if (entries == rel.length) {
      rel = Arrays.copyOf(rel, entries * 2);
      pos = Arrays.copyOf(pos, entries * 2);
    }
    rel[entries] = relSeq;
    pos[entries] = position;
    entries++;
    lastIndexed = position;
  }

  /** Forgets index entries at or past {@code position}: those records were cut. */
  void dropIndexFrom(long position) {
    while (entries > 0 && pos[entries - 1] >= position) {
      entries--;
    }
    lastIndexed = entries == 0 ? -1 : pos[entries - 1];
  }

  /** Scans the whole segment, rebuilding the index; returns the reader stopped at the first damage or the end. */
  RecordReader scan(Handles handles, long end) throws IOException {
    entries = 0;
    lastIndexed = -1;
    count = 0;
    RecordReader r = new RecordReader(handles, path, Format.FILE_HEADER_BYTES, end, base);
    while (r.next() == RecordReader.Result.RECORD) {
      noteAppend(r.seq(), r.position(), r.storedAt());
      count++;
      r.advance();
    }
    indexReady = true;
    return r;
  }

  /** The file position of {@code seq}, which this segment holds. */
  long positionOf(long seq, Handles handles) throws IOException {
    ensureIndex(handles);
    try {
      return walkTo(seq, handles);
    } catch (CorruptLogException e) {
      // An index file is only a hint: a stale one (torn by a power loss) sends the walk to a wrong place.
      // Rebuild it from the records and try once more; if the records themselves are bad, that throws again.
      rebuildIndex(handles);
      return walkTo(seq, handles);
    }
  }

  private long walkTo(long seq, Handles handles) throws IOException {
    int want = (int) (seq - base);
    int lo = 0;
    int hi = entries - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (rel[mid] <= want) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    long from = entries == 0 ? Format.FILE_HEADER_BYTES : pos[lo];
    long fromSeq = entries == 0 ? base : base + rel[lo];
    RecordReader r = new RecordReader(handles, path, from, size, fromSeq);
    while (r.seq() < seq) {
      if (r.next() != RecordReader.Result.RECORD) {
        throw new CorruptLogException("cannot find seq " + seq + " in " + path + ": "
            + (r.damage() != null ? r.damage() : "the segment ends first"));
      }
      r.advance();
    }
    return r.position();
  }

  /** Loads the index file of a sealed segment, or rebuilds it if the file is missing or inconsistent. */
  private void ensureIndex(Handles handles) throws IOException {
    if (indexReady) {
      return;
    }
    if (!loadIndexFile()) {
      rebuildIndex(handles);
    }
    indexReady = true;
  }

  private void rebuildIndex(Handles handles) throws IOException {
    long keepCount = count;
    RecordReader r = scan(handles, size);
    count = keepCount;
    if (r.damage() != null) {
      // Index what is readable; reads past the damage will report it.
      lastStoredAt = -1;
    }
    writeIndexFile();
  }

  private boolean loadIndexFile() {
    try {
      if (!Files.exists(indexPath)) {
        return false;
      }
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(indexPath));
      if (b.remaining() == 0 || b.remaining() % 8 != 0) {
        return false;
      }
      int n = b.remaining() / 8;
      int[] r = new int[n];
      int[] p = new int[n];
      for (int i = 0; i < n; i++) {
        r[i] = b.getInt();
        p[i] = b.getInt();
        boolean ordered = i == 0 ? r[0] == 0 && p[0] == Format.FILE_HEADER_BYTES : r[i] > r[i - 1] && p[i] > p[i - 1];
        if (!ordered || r[i] >= count || p[i] >= size) {
          return false;
        }
      }
      rel = r;
      pos = p;
      entries = n;
      lastIndexed = p[n - 1];
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Best effort: an index file that cannot be written is rebuilt when next needed. */
  void writeIndexFile() {
    ByteBuffer b = ByteBuffer.allocate(entries * 8);
    for (int i = 0; i < entries; i++) {
      b.putInt(rel[i]).putInt(pos[i]);
    }
    try {
      Files.write(indexPath, b.array());
    } catch (IOException e) {
      try {
        Files.deleteIfExists(indexPath);
      } catch (IOException ignored) {
        // loadIndexFile checks every entry, so a partial file is rejected and rebuilt.
      }
    }
  }

  /** When the last record was stored, reading it if not known. */
  long lastStoredAt(Handles handles) throws IOException {
    if (lastStoredAt < 0 && count > 0) {
      long at = positionOf(base + count - 1, handles);
      RecordReader r = new RecordReader(handles, path, at, size, base + count - 1);
      if (r.next() != RecordReader.Result.RECORD) {
        throw new CorruptLogException(r.damage());
      }
      lastStoredAt = r.storedAt();
    }
    return lastStoredAt;
  }

  void delete(Handles handles) throws IOException {
    handles.close(path);
    Files.deleteIfExists(indexPath);
    Files.deleteIfExists(path);
  }
}
