package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A consumer group's ack as the topic's owner runs it, without a cluster. A node whose ack lost its answer with
 * the owner asks again, flagged as a retry: the new owner must then say whether the group is done with the seq,
 * not only whether the member still holds it, or an ack that was recorded reads as given back and the client
 * waits for a redelivery that never comes.
 */
class GroupOpsTest {

  private static final LogOps.Limits ROOMY = new LogOps.Limits(1_000, 1_000_000, 60_000);
  private static final String MEMBER = "node/m1";

  private final Map.Entry<String, TopicLog> entry = new AbstractMap.SimpleEntry<>("jobs", null);

  @Test
  void aRetriedAckOfARecordedAckIsAckedAndAPlainOneIsNotHeld() {
    join();
    append("a", "b", "c");
    assertThat(claim(3)).isEqualTo(3);
    assertThat(ack(1, false)).as("the first ack").isEqualTo(1);
    assertThat(ack(1, false)).as("a plain second ack: not held").isEqualTo(0);
    assertThat(ack(1, true)).as("a retry of an ack that was recorded: acked").isEqualTo(1);
  }

  @Test
  void aRetriedAckOfAMessageGivenBackIsNotHeldForItComesAgain() {
    join();
    append("a", "b");
    assertThat(claim(2)).isEqualTo(2);
    op(GroupOps.RELEASE, 0, 0, false);
    assertThat(ack(2, true)).as("given back, waiting to be handed out again").isEqualTo(0);
    assertThat(ack(3, true)).as("a seq not yet published").isEqualTo(0);
  }

  private void join() {
    op(GroupOps.JOIN, 1, 5, true); // as a backup applies it: start at seq 1, max deliver 5
  }

  private void append(String... messages) {
    new LogOps.Append(List.of(messages).stream().map(Buffer::buffer).toList(), true, ROOMY,
        new LogOps.Batch(UUID.randomUUID(), 1)).process(entry);
  }

  private int claim(int max) {
    return ((GroupOps.Claims) op(GroupOps.CLAIM, System.currentTimeMillis() + 60_000, max, false)).seqs.size();
  }

  private int ack(long seq, boolean retry) {
    return (Integer) op(GroupOps.ACK, seq, 0, retry);
  }

  private Object op(int kind, long a, long b, boolean flag) {
    return new GroupOps.Op(kind, "workers", MEMBER, a, b, flag).process(entry);
  }
}
