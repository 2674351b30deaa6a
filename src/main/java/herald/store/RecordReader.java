package herald.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads a segment's records forward from a position, checking each one: a plausible length that fits in the
 * file, its checksum, and the seq that must come next. Recovery, index rebuilds, replay and retention all read
 * through this, so every record that leaves the store has been checked the same way.
 */
final class RecordReader {

  /** Read size: large enough that a replay of small records costs one read per few hundred of them. */
  static final int CHUNK_BYTES = 64 * 1024;

  enum Result { RECORD, END, DAMAGED }

  private final Handles handles;
  private final Path path;
  private final long end;
  private ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES);
  private long bufStart = 0;

  private long pos;
  private long expectedSeq;
  private int payloadLength;
  private long storedAt;
  private String damage;

  RecordReader(Handles handles, Path path, long from, long end, long expectedSeq) {
    this.handles = handles;
    this.path = path;
    this.pos = from;
    this.end = end;
    this.expectedSeq = expectedSeq;
    buf.limit(0);
  }

  /** Checks the record at the current position; on {@link Result#RECORD} its fields are readable until advance. */
  Result next() throws IOException {
    if (pos >= end) {
      return Result.END;
    }
    if (end - pos < Format.RECORD_HEADER_BYTES) {
      return damaged("a partial record header (" + (end - pos) + " bytes)");
    }
    load(Format.RECORD_HEADER_BYTES);
    int at = (int) (pos - bufStart);
    int length = buf.getInt(at);
    if (length < 0 || length > Format.MAX_PAYLOAD_BYTES) {
      return damaged("an impossible record length " + length);
    }
    if (pos + Format.RECORD_HEADER_BYTES + length > end) {
      return damaged("a partial record (length " + length + ", only " + (end - pos - Format.RECORD_HEADER_BYTES)
          + " payload bytes present)");
    }
    load(Format.RECORD_HEADER_BYTES + length);
    at = (int) (pos - bufStart);
    if (buf.getInt(at + 4) != Format.crc(buf, at, length)) {
      return damaged("a record that fails its checksum");
    }
    long seq = buf.getLong(at + 8);
    if (seq != expectedSeq) {
      return damaged("seq " + seq + " where " + expectedSeq + " was due");
    }
    payloadLength = length;
    storedAt = buf.getLong(at + 16);
    return Result.RECORD;
  }

  void advance() {
    pos += Format.RECORD_HEADER_BYTES + payloadLength;
    expectedSeq++;
  }

  long position() {
    return pos;
  }

  long seq() {
    return expectedSeq;
  }

  long storedAt() {
    return storedAt;
  }

  int recordBytes() {
    return Format.RECORD_HEADER_BYTES + payloadLength;
  }

  byte[] payload() {
    byte[] out = new byte[payloadLength];
    buf.get((int) (pos - bufStart) + Format.RECORD_HEADER_BYTES, out);
    return out;
  }

  String damage() {
    return damage;
  }

  /** Reads the length of the record at the position without checking it: recovery's count of what it cuts. */
  int rawLength() throws IOException {
    load(Format.RECORD_HEADER_BYTES);
    return buf.getInt((int) (pos - bufStart));
  }

  long rawSeq() throws IOException {
    load(Format.RECORD_HEADER_BYTES);
    return buf.getLong((int) (pos - bufStart) + 8);
  }

  private Result damaged(String what) {
    damage = what + " at byte " + pos + " of " + path.getFileName();
    return Result.DAMAGED;
  }

  /** Makes sure bytes [pos, pos + n) are in the buffer; the caller has checked they lie before {@code end}. */
  private void load(int n) throws IOException {
    if (pos >= bufStart && pos + n <= bufStart + buf.limit()) {
      return;
    }
    if (n > buf.capacity()) {
      buf = ByteBuffer.allocate(n);
    }
    buf.clear();
    buf.limit((int) Math.min(buf.capacity(), end - pos));
    bufStart = pos;
    long at = pos;
    while (buf.position() < n) {
      int r = handles.channel(path, false).read(buf, at);
      if (r < 0) {
        throw new IOException(path.getFileName() + " is shorter than expected (" + at + " bytes)");
      }
      at += r;
    }
    buf.flip();
  }
}
