package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import herald.topic.StoredMessage;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The merge rule for two copies of a topic's log ("Two histories of a topic" in docs/architecture.md), as
 * {@link LogOps.Restore} applies it when a node offers its disk copy: pure, no cluster.
 */
class RestoreRuleTest {

  private static final long INCARNATION = 7L << 16;
  private static final LogOps.Limits ROOMY = new LogOps.Limits(10_000, 1 << 30, Long.MAX_VALUE / 2);

  /** Messages {@code first} to {@code last}, each stored at {@code time + seq}, named by {@code history}. */
  private static TopicLog log(long incarnation, long first, long last, String history, long time) {
    List<StoredMessage> messages = new ArrayList<>();
    for (long seq = first; seq <= last; seq++) {
      messages.add(new StoredMessage(seq, (history + seq).getBytes(), time + seq));
    }
    return TopicLog.of(incarnation, first, messages, Map.of());
  }

  private static TopicLog offer(TopicLog live, TopicLog offered, long cutoff) {
    Map.Entry<String, TopicLog> entry = new AbstractMap.SimpleEntry<>("t", live);
    new LogOps.Restore(offered, cutoff, ROOMY).process(entry);
    return entry.getValue();
  }

  @Test
  void ofOneHistoryTheLongerCopyWins() {
    TopicLog live = log(INCARNATION, 1, 10, "a", 1_000);
    TopicLog result = offer(live, log(INCARNATION, 1, 15, "a", 1_000), 0);
    assertThat(result.first()).isEqualTo(1);
    assertThat(result.end()).isEqualTo(16);
    assertThat(new String(result.at(15).bytes())).isEqualTo("a15");
  }

  @Test
  void aShorterCopyOfOneHistoryChangesNothing() {
    TopicLog live = log(INCARNATION, 1, 15, "a", 1_000);
    TopicLog result = offer(live, log(INCARNATION, 1, 10, "a", 1_000), 0);
    assertThat(result.end()).isEqualTo(16);
    assertThat(result.first()).isEqualTo(1);
  }

  @Test
  void theLaterStartIsKeptSoRetentionIsNeverUndone() {
    TopicLog live = log(INCARNATION, 6, 15, "a", 1_000); // retention dropped 1-5 from the live copy
    TopicLog result = offer(live, log(INCARNATION, 1, 20, "a", 1_000), 0); // a stale node's longer copy, from 1
    assertThat(result.first()).as("what retention dropped stays dropped").isEqualTo(6);
    assertThat(result.end()).isEqualTo(21);

    TopicLog trimmed = log(INCARNATION, 1, 15, "a", 1_000);
    TopicLog after = offer(trimmed, log(INCARNATION, 9, 12, "a", 1_000), 0); // the offer's start is later
    assertThat(after.first()).isEqualTo(9);
    assertThat(after.end()).isEqualTo(16);
  }

  @Test
  void copiesThatDisagreeKeepTheOneWrittenLaterWholeEvenIfShorter() {
    // The dead owner stored 11-14 ("x") that never reached its backup; the promoted backup went on with 11-12 ("y").
    TopicLog dead = log(INCARNATION, 1, 14, "x", 1_000);
    TopicLog promoted = log(INCARNATION, 1, 12, "y", 9_000);
    TopicLog result = offer(promoted, dead, 0);
    assertThat(result.end()).isEqualTo(13);
    assertThat(new String(result.at(12).bytes())).isEqualTo("y12");

    TopicLog other = offer(log(INCARNATION, 1, 14, "x", 1_000), log(INCARNATION, 1, 12, "y", 9_000), 0);
    assertThat(other.end()).as("the later history is taken when it is the offer").isEqualTo(13);
    assertThat(new String(other.at(11).bytes())).isEqualTo("y11");
  }

  @Test
  void theLaterIncarnationWinsWhateverItsLength() {
    TopicLog recreated = log(INCARNATION + (1 << 16), 1, 3, "new", 50_000);
    TopicLog result = offer(recreated, log(INCARNATION, 1, 500, "old", 1_000), 0);
    assertThat(result.end()).as("a copy of the topic before it was forgotten never comes back").isEqualTo(4);
    assertThat(new String(result.at(3).bytes())).isEqualTo("new3");
  }

  @Test
  void anOfferOfExpiredMessagesAloneMakesNoTopic() {
    Map.Entry<String, TopicLog> entry = new AbstractMap.SimpleEntry<>("t", null);
    boolean taken = new LogOps.Restore(log(INCARNATION, 1, 10, "a", 1_000), 2_000, ROOMY).process(entry);
    assertThat(taken).isFalse();
    assertThat(entry.getValue()).isNull();
  }

  @Test
  void anOfferToATopicTheClusterLacksIsTaken() {
    Map.Entry<String, TopicLog> entry = new AbstractMap.SimpleEntry<>("t", null);
    assertThat(new LogOps.Restore(log(INCARNATION, 1, 10, "a", 1_000), 0, ROOMY).process(entry)).isTrue();
    assertThat(entry.getValue().end()).isEqualTo(11);
  }

  @Test
  void anOfferIsCutToTheTopicLimitsFirst() {
    // A copy's start may lag its log's (Replicas.TRIM_SLACK): what retention dropped from the log stays dropped.
    Map.Entry<String, TopicLog> entry = new AbstractMap.SimpleEntry<>("t", null);
    new LogOps.Restore(log(INCARNATION, 1, 100, "a", 1_000), 0, new LogOps.Limits(30, 1 << 30, Long.MAX_VALUE / 2))
        .process(entry);
    assertThat(entry.getValue().first()).isEqualTo(71);
    assertThat(entry.getValue().end()).isEqualTo(101);
  }
}
