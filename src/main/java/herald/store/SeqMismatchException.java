package herald.store;

/**
 * An append whose seq is not the log's last seq + 1. In a cluster the partition owner assigns seqs and backups
 * mirror them, so a gap or a repeat means the caller's view of the log is wrong; storing it would give one seq
 * two messages or leave a hole that replay could not explain.
 */
public final class SeqMismatchException extends StoreException {

  private final long expected;
  private final long given;

  public SeqMismatchException(String topic, long expected, long given) {
    super("append to topic " + topic + " with seq " + given + ", but the next seq is " + expected);
    this.expected = expected;
    this.given = given;
  }

  public long expected() {
    return expected;
  }

  public long given() {
    return given;
  }
}
