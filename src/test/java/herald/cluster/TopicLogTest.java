package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import herald.codec.FrameEncoder;
import herald.topic.MemoryTopicStore;
import io.vertx.core.buffer.Buffer;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The entry processors on one topic's log, run as Hazelcast runs them on a primary and on a backup, without
 * a cluster: retention, replication to a backup, a retried append, reading, and when a log is idle.
 */
class TopicLogTest {

  private static final LogOps.Limits ROOMY = new LogOps.Limits(1_000, 1_000_000, 60_000);
  private static final UUID NODE = UUID.randomUUID();

  private final Map.Entry<String, TopicLog> primary = new AbstractMap.SimpleEntry<>("t", null);
  private final Map.Entry<String, TopicLog> backup = new AbstractMap.SimpleEntry<>("t", null);
  private long batches;

  @Test
  void anAppendToNoTopicStoresNothingUnlessAllowedToCreateIt() {
    assertThat(append(primary, ROOMY, false, "1")).isEqualTo(LogOps.ABSENT);
    assertThat(primary.getValue()).isNull();
    assertThat(append(primary, ROOMY, true, "1", "2")).isEqualTo(1);
    assertThat(append(primary, ROOMY, false, "3")).isEqualTo(3);
    assertThat(seqs(read(primary, 1))).containsExactly(1L, 2L, 3L);
  }

  @Test
  void theBackupHoldsWhatThePrimaryKeptWithThePrimarysSeqs() {
    LogOps.Limits three = new LogOps.Limits(3, 1_000_000, 60_000);
    for (int i = 0; i < 4; i++) {
      LogOps.Append a = new LogOps.Append(List.of(Buffer.buffer("" + i), Buffer.buffer("x")), true, three, batch());
      a.process(primary);
      a.getBackupProcessor().process(backup);
    }
    assertThat(seqs(read(primary, 1))).containsExactly(6L, 7L, 8L);
    assertThat(read(backup, 1).frames).isEqualTo(read(primary, 1).frames);
    assertThat(backup.getValue().end()).isEqualTo(9);
    assertThat(backup.getValue().bytes()).isEqualTo(primary.getValue().bytes());
  }

  @Test
  void theOldestGoFirstPastTheByteBoundButTheNewestStays() {
    long cost = FrameEncoder.message("t", Buffer.buffer("\"abc\""), 1).length() + MemoryTopicStore.MESSAGE_OVERHEAD_BYTES;
    LogOps.Limits twoFit = new LogOps.Limits(1_000, 2 * cost + 1, 60_000);
    for (int i = 0; i < 5; i++) {
      append(primary, twoFit, true, "\"abc\"");
    }
    assertThat(seqs(read(primary, 1))).containsExactly(4L, 5L);
    assertThat(primary.getValue().bytes()).isEqualTo(2 * cost);
    LogOps.Limits tiny = new LogOps.Limits(1_000, 1, 60_000);
    append(primary, tiny, true, "\"a message larger than the whole bound\"");
    assertThat(seqs(read(primary, 1))).containsExactly(6L);
  }

  @Test
  void aRetriedAppendIsAnsweredWithItsFirstSeqAndNotStoredTwice() {
    append(primary, ROOMY, true, "1");
    LogOps.Batch retried = batch();
    LogOps.Append first = new LogOps.Append(List.of(Buffer.buffer("2"), Buffer.buffer("3")), true, ROOMY, retried);
    assertThat(first.process(primary).first).isEqualTo(2);
    first.getBackupProcessor().process(backup);
    // The member died before answering: Hazelcast runs the same append on the promoted backup.
    LogOps.Append again = new LogOps.Append(List.of(Buffer.buffer("2"), Buffer.buffer("3")), true, ROOMY, retried);
    assertThat(again.process(backup).first).isEqualTo(2);
    assertThat(again.getBackupProcessor()).isNull();
    assertThat(backup.getValue().end()).isEqualTo(4);
    assertThat(new LogOps.Append(List.of(Buffer.buffer("2")), true, ROOMY, retried).process(primary).first).isEqualTo(2);
    assertThat(primary.getValue().end()).isEqualTo(4);
  }

  @Test
  void readsStartAtTheOldestHeldAndStopAtTheByteBudget() {
    LogOps.Limits three = new LogOps.Limits(3, 1_000_000, 60_000);
    for (int i = 1; i <= 5; i++) {
      append(primary, three, true, "" + i);
    }
    LogOps.Slice bounds = new LogOps.Read(0, 0, 0).process(primary);
    assertThat(bounds.start).isEqualTo(3);
    assertThat(bounds.end).isEqualTo(6);
    assertThat(seqs(read(primary, 1))).containsExactly(3L, 4L, 5L); // seq 1 is gone: from the oldest held
    assertThat(new LogOps.Read(4, 10, 1).process(primary).frames).hasSize(1); // at least one, then the budget
    assertThat(new LogOps.Read(9, 10, 1_000).process(primary).start).isEqualTo(6);
    assertThat(new LogOps.Read(1, 10, 1_000).process(new AbstractMap.SimpleEntry<>("none", null)).end).isEqualTo(1);
  }

  @Test
  void anEmptyLogIsIdleOnlyWhenNoLiveMemberReadsIt() {
    UUID reader = UUID.randomUUID();
    new LogOps.Watch(reader, 1, true).process(primary); // creates the log
    TopicLog log = primary.getValue();
    assertThat(log.idle(Set.of(reader))).isFalse();
    assertThat(log.idle(Set.of(NODE))).as("its reader has left the cluster").isTrue();
    // An older feed's unwatch does not undo a newer feed's watch.
    new LogOps.Watch(reader, 2, true).process(primary);
    new LogOps.Watch(reader, 1, false).process(primary);
    assertThat(log.idle(Set.of(reader))).isFalse();
    new LogOps.Watch(reader, 2, false).process(primary);
    assertThat(log.idle(Set.of(reader))).isTrue();
    append(primary, ROOMY, false, "1");
    assertThat(log.idle(Set.of())).as("it holds a message").isFalse();
  }

  @Test
  void expiryDropsWhatIsOlderThanTheCutoffAndProfilesCountBytesByAge() {
    append(primary, ROOMY, true, "1", "2");
    long stored = primary.getValue().oldestMillis();
    long[] older = new LogOps.Profile(new long[] {stored, stored + 1}).process(primary);
    assertThat(older[0]).isZero();
    assertThat(older[1]).isEqualTo(primary.getValue().bytes());
    long[] usage = new LogOps.Expire(stored + 1, Set.of()).process(primary);
    assertThat(usage).containsExactly(0, 0, 1, Long.MAX_VALUE);
    assertThat(primary.getValue().end()).as("the seq keeps counting").isEqualTo(3);
  }

  private long append(Map.Entry<String, TopicLog> entry, LogOps.Limits limits, boolean create, String... messages) {
    List<Buffer> buffers = java.util.Arrays.stream(messages).map(Buffer::buffer).toList();
    return new LogOps.Append(buffers, create, limits, batch()).process(entry).first;
  }

  private LogOps.Batch batch() {
    return new LogOps.Batch(NODE, ++batches);
  }

  private static LogOps.Slice read(Map.Entry<String, TopicLog> entry, long from) {
    return new LogOps.Read(from, 1_000, 1_000_000).process(entry);
  }

  private static List<Long> seqs(LogOps.Slice slice) {
    return java.util.stream.LongStream.range(slice.start, slice.next()).boxed().toList();
  }
}
