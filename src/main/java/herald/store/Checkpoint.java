package herald.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The log's logical start ({@code firstSeq}), and its end as of the last flush ({@code lastSeq}, only to report
 * what a crash lost). Retention trims the head one record at a time but deletes only whole segments, so without
 * this file a restart would bring trimmed records back; and when retention has emptied a log, it keeps the next
 * seq from going back to 1.
 *
 * <p>Two slots, written in turn and each with its own checksum, overwritten in place (one small write, no
 * rename): a write torn by a crash spoils one slot at most, and the other still holds the previous value. The
 * reader takes the valid slot with the higher generation.
 */
final class Checkpoint {

  static final String FILE = "log.ckpt";

  /** Each slot starts a 512-byte sector of its own, the unit a disk writes whole. */
  static final int SLOT_STRIDE = 512;

  /** magic:int32 version:int16 reserved:int16 generation:int64 firstSeq:int64 lastSeq:int64 crc:int32 */
  static final int SLOT_BYTES = 36;

  record Value(long generation, long firstSeq, long lastSeq) {}

  private Checkpoint() {}

  /** The newest valid value, or null when the file is missing or neither slot is valid. */
  static Value read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    byte[] all = Files.readAllBytes(file);
    Value best = null;
    for (int slot = 0; slot < 2; slot++) {
      Value v = decode(all, slot * SLOT_STRIDE);
      if (v != null && (best == null || v.generation > best.generation)) {
        best = v;
      }
    }
    return best;
  }

  static void write(FileChannel ch, Value v) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(SLOT_BYTES);
    b.putInt(Format.MAGIC).putShort(Format.VERSION).putShort((short) 0)
        .putLong(v.generation).putLong(v.firstSeq).putLong(v.lastSeq);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, SLOT_BYTES - 4);
    b.putInt((int) crc.getValue()).flip();
    long at = (v.generation % 2) * SLOT_STRIDE;
    while (b.hasRemaining()) {
      at += ch.write(b, at);
    }
  }

  private static Value decode(byte[] all, int at) {
    if (all.length < at + SLOT_BYTES) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(all, at, SLOT_BYTES);
    CRC32C crc = new CRC32C();
    crc.update(all, at, SLOT_BYTES - 4);
    if (b.getInt() != Format.MAGIC) {
      return null;
    }
    short version = b.getShort();
    b.getShort();
    long gen = b.getLong();
    long first = b.getLong();
    long last = b.getLong();
    if (b.getInt() != (int) crc.getValue()) {
      return null;
    }
    if (version > Format.VERSION) {
      throw new CorruptLogException("checkpoint " + "has format version " + version + "; this Herald reads up to "
          + Format.VERSION);
    }
    return new Value(gen, first, last);
  }
}
