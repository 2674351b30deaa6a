package herald.store;

import java.io.IOException;

/**
 * A write, a new segment or an fsync failed: the disk is full ({@link #diskFull()}) or failing. The broker maps
 * it to an error code for the publishes it could not store. The log stays consistent: what was buffered but not
 * written is dropped and {@link #lastSeq()} says what the log still holds, a partly written record has been cut
 * back (or, if even that failed, the next open cuts it), and reads keep working.
 */
public final class StorageWriteException extends StoreException {

  private final String topic;
  private final long lastSeq;
  private final boolean diskFull;

  public StorageWriteException(String topic, long lastSeq, String what, IOException cause) {
    super(what + " for topic " + topic + " failed" + (isDiskFull(cause) ? " (disk full)" : "") + ": "
        + cause.getMessage() + "; the log now ends at seq " + lastSeq, cause);
    this.topic = topic;
    this.lastSeq = lastSeq;
    this.diskFull = isDiskFull(cause);
  }

  public String topic() {
    return topic;
  }

  /** The last seq the log still holds: appends after it were not stored and must not be acknowledged. */
  public long lastSeq() {
    return lastSeq;
  }

  /** True for ENOSPC and EDQUOT: the operator frees space, nothing is broken. */
  public boolean diskFull() {
    return diskFull;
  }

  /**
   * Java reports ENOSPC only as the message of a plain IOException ("No space left on device"), and EDQUOT as
   * "Disk quota exceeded"; there is no subclass to catch.
   */
  static boolean isDiskFull(IOException e) {
    String m = e.getMessage();
    return m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"));
  }
}
