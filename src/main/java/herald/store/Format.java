package herald.store;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The bytes on disk. Big-endian, as {@link ByteBuffer} writes them.
 *
 * <pre>
 * segment file  = header record*
 * header        = magic:int32 version:int16 reserved:int16 baseSeq:int64              (16 bytes)
 * record        = length:int32 crc:int32 seq:int64 storedAtMillis:int64 payload       (24 + length bytes)
 * crc           = CRC32C over length, seq, storedAtMillis and payload (every byte but the crc itself)
 * </pre>
 *
 * The length comes first so a reader can step over a record without decoding it; it is inside the checksum so
 * a flipped length is caught like any other flipped byte rather than sending the reader into the next record.
 */
final class Format {

  /** "HRLG": a file that does not start with it is not ours, or was torn before its header was written. */
  static final int MAGIC = 0x48524C47;

  /** Bumped on any change to the bytes above; an older Herald refuses newer files instead of misreading them. */
  static final short VERSION = 1;

  static final int FILE_HEADER_BYTES = 16;

  static final int RECORD_HEADER_BYTES = 24;

  /**
   * Twice the largest request line the broker accepts (MAX_FRAME_BYTES tops out at 64 MiB), so a pushed frame
   * with its envelope always fits. Recovery treats a larger length as damage rather than trying to read it.
   */
  static final int MAX_PAYLOAD_BYTES = 128 * 1024 * 1024;

  private Format() {}

  static ByteBuffer fileHeader(long baseSeq) {
    ByteBuffer b = ByteBuffer.allocate(FILE_HEADER_BYTES);
    b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(baseSeq).flip();
    return b;
  }

  /** Writes one record at {@code into}'s position. */
  static void putRecord(ByteBuffer into, long seq, long storedAtMillis, byte[] payload) {
    int start = into.position();
    into.putInt(payload.length).putInt(0).putLong(seq).putLong(storedAtMillis).put(payload);
    into.putInt(start + 4, crc(into, start, payload.length));
  }

  /** The checksum of the record that starts at {@code start} in {@code b} and has {@code length} payload bytes. */
  static int crc(ByteBuffer b, int start, int length) {
    CRC32C crc = new CRC32C();
    ByteBuffer view = b.duplicate();
    view.limit(start + 4).position(start);
    crc.update(view);
    view.limit(start + RECORD_HEADER_BYTES + length).position(start + 8);
    crc.update(view);
    return (int) crc.getValue();
  }
}
