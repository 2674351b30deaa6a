package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestCluster;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Publishing to topics just as they become idle (their only message expired) races the reclaiming of those
 * topics. No acknowledged message may be lost: a topic may start again from seq 1 only once everything it
 * held has expired.
 */
class ReclaimRaceTest {

  private static final int AGE_SECONDS = 1;
  private static final int TOPICS = 6;
  private static final int ROUNDS = 48;
  /** Wall-clock (storage time) against monotonic (this test) time: allow for their granularity. */
  private static final long CLOCK_SLACK_MS = 10;

  @Test
  void aTopicIsReclaimedOnlyOnceItsAcknowledgedMessagesHaveExpired() throws Exception {
    Random random = new Random(42);
    try (TestCluster cluster = TestCluster.of(3, new JsonObject().put("retention_max_age_seconds", AGE_SECONDS));
        WireClient pub = cluster.connect(0)) {
      Map<String, Long> lastSeq = new HashMap<>();
      Map<String, Long> lastSentNanos = new HashMap<>();
      int restarts = 0;
      for (int round = 0; round < ROUNDS; round++) {
        // About 0.8 to 2.2 ages apart per topic: around the moment its message expires, when the
        // once-a-second sweep may be reclaiming it.
        TimeUnit.MILLISECONDS.sleep((800 + random.nextInt(1_400)) * AGE_SECONDS / TOPICS);
        String topic = "race." + round % TOPICS;
        long sent = System.nanoTime();
        pub.send("{'action':'publish','topic':'" + topic + "','message':" + round + "}");
        JsonObject reply = pub.next();
        long acked = System.nanoTime();
        assertThat(reply.getString("status")).as("%s", reply).isEqualTo("published");
        long seq = reply.getLong("seq");
        Long previous = lastSeq.get(topic);
        if (previous != null && seq == 1) {
          restarts++;
          // The topic was forgotten: legal only if the previous message (stored after it was sent) had
          // expired before this one was stored (before it was acknowledged).
          long sincePrevious = TimeUnit.NANOSECONDS.toMillis(acked - lastSentNanos.get(topic));
          assertThat(sincePrevious).as("%s restarted at seq 1 only %d ms after seq %d was sent", topic, sincePrevious, previous)
              .isGreaterThanOrEqualTo(AGE_SECONDS * 1_000L - CLOCK_SLACK_MS);
        } else {
          assertThat(seq).as("%s carries on with no gap", topic).isEqualTo(previous == null ? 1 : previous + 1);
        }
        // The acknowledged message is there to read, from another node, until it expires.
        try (WireClient reader = cluster.connect(1 + round % 2)) {
          reader.send("{'action':'subscribe','topic':'" + topic + "','from':" + seq + "}");
          JsonObject subscribed = reader.next();
          if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent) < AGE_SECONDS * 1_000L - CLOCK_SLACK_MS) {
            assertThat(subscribed.getLong("from")).as("%s", subscribed).isEqualTo(seq);
            reader.expect("{'type':'message','topic':'" + topic + "','data':" + round + ",'seq':" + seq + "}");
          }
        }
        lastSeq.put(topic, seq);
        lastSentNanos.put(topic, sent);
      }
      assertThat(restarts).as("topics were reclaimed while the test published").isPositive();
    }
  }
}
