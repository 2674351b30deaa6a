package herald.store;

/**
 * How much one topic's log keeps: at most {@code maxRecords} records, {@code maxBytes} bytes of records (header
 * included, as on disk) and nothing stored more than {@code maxAgeMillis} ago. {@link #UNLIMITED} turns a limit
 * off. The oldest records go first; see {@link DiskLog#flush()} and {@link DiskLog#expire(long)}.
 */
public record LogRetention(long maxRecords, long maxBytes, long maxAgeMillis) {

  public static final long UNLIMITED = Long.MAX_VALUE;

  public static final LogRetention NONE = new LogRetention(UNLIMITED, UNLIMITED, UNLIMITED);

  public LogRetention {
    if (maxRecords < 0 || maxBytes < 0 || maxAgeMillis < 0) {
      throw new IllegalArgumentException("retention limits must not be negative");
    }
  }
}
