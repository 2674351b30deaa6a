package herald.store;

/**
 * What opening a topic's log found and cut. {@code droppedBytes} is exact (the bytes cut from the newest
 * segment, or a torn segment file removed); {@code droppedRecords} counts the records that started in the cut
 * region, or, if more, those the checkpoint says were written before the stop ({@code lastSeqBefore}). The
 * caller logs it with these counts.
 */
public record Recovery(String topic, long droppedRecords, long droppedBytes, long lastSeqBefore, long lastSeqAfter,
    String detail) {

  public boolean droppedAnything() {
    return droppedRecords > 0 || droppedBytes > 0;
  }

  /** What was cut, for the log: the counts and where the log now ends. */
  public String describe() {
    return "topic " + topic + ": its log had a torn or corrupt tail, cut back to the last valid record:"
        + " dropped " + droppedRecords + " record(s), " + droppedBytes + " byte(s); it ended at seq "
        + lastSeqBefore + " and now ends at seq " + lastSeqAfter + " (" + detail + ")";
  }

  static Recovery clean(String topic, long lastSeq) {
    return new Recovery(topic, 0, 0, lastSeq, lastSeq, "clean");
  }
}
