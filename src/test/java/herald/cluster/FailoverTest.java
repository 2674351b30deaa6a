package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.NodeProcess;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Nodes in separate JVMs, one killed with {@code kill -9} mid-stream: nothing acknowledged is lost,
 * survivors carry on without a gap, and a client of the dead node resumes elsewhere with
 * {@code from: last_seq + 1}, without a gap or a duplicate. Then a new node joins and serves at once.
 */
@org.junit.jupiter.api.Timeout(value = 6, unit = TimeUnit.MINUTES)
class FailoverTest {

  /** Twelve topics spread over the partitions, so the killed node owns some of them with near certainty. */
  private static final int TOPICS = 12;
  private static final int PER_TOPIC = 60;
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @Test
  void killingAnyNodeLosesNothingAcknowledgedAndClientsResumeElsewhere() throws Exception {
    String name = "herald-failover-" + Long.toHexString(System.nanoTime());
    List<Integer> hzPorts = new ArrayList<>();
    List<NodeProcess> nodes = new ArrayList<>(NodeProcess.cluster(3, 3, name, hzPorts));
    try {
      WireClient survivorSub = nodes.get(0).connect();
      WireClient victimSub = nodes.get(2).connect();
      for (WireClient sub : List.of(survivorSub, victimSub)) {
        for (int t = 0; t < TOPICS; t++) {
          sub.send("{'action':'subscribe','topic':'t" + t + "'}").expect("{'status':'subscribed','topic':'t" + t + "'}");
        }
      }
      Received survivor = new Received();
      Received victim = new Received();
      CompletableFuture<Void> survivorReading = CompletableFuture.runAsync(() -> survivor.readUntil(survivorSub, TOPICS * PER_TOPIC));
      CompletableFuture<Void> victimReading = CompletableFuture.runAsync(() -> victim.readUntilClosed(victimSub));

      // The publisher, on node 1, publishes one message at a time and keeps what was acknowledged.
      Map<String, List<Long>> acked = new HashMap<>();
      try (WireClient pub = nodes.get(1).connect()) {
        for (int n = 0; n < PER_TOPIC; n++) {
          if (n == PER_TOPIC / 2) {
            nodes.get(2).kill();
          }
          for (int t = 0; t < TOPICS; t++) {
            String topic = "t" + t;
            JsonObject reply = publishUntilStored(pub, topic, n);
            acked.computeIfAbsent(topic, k -> new ArrayList<>()).add(reply.getLong("seq"));
          }
        }
      }
      // Every acknowledged message was stored exactly once, with consecutive seqs per topic.
      for (List<Long> seqs : acked.values()) {
        assertThat(seqs).hasSize(PER_TOPIC);
        for (int i = 0; i < seqs.size(); i++) {
          assertThat(seqs.get(i)).isEqualTo(i + 1L);
        }
      }

      // The survivor's subscriber carried on with no gap.
      survivorReading.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      survivor.assertExactly(PER_TOPIC);

      // The dead node's subscriber resumes on node 0 from last_seq + 1 of each topic.
      victimReading.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      try (WireClient resumed = nodes.get(0).connect()) {
        int missing = 0;
        Map<String, Long> froms = new HashMap<>();
        for (int t = 0; t < TOPICS; t++) {
          String topic = "t" + t;
          long from = victim.last(topic) + 1;
          froms.put(topic, from);
          resumed.send("{'action':'subscribe','topic':'" + topic + "','from':" + from + "}");
          missing += PER_TOPIC - (int) (from - 1);
        }
        victim.readWithReplies(resumed, missing, froms);
        victim.assertExactly(PER_TOPIC);
      }

      // A node that joins now serves at once, and replays everything acknowledged.
      NodeProcess joined = NodeProcess.cluster(1, 3, name, hzPorts).get(0);
      nodes.add(joined);
      for (NodeProcess replayFrom : List.of(nodes.get(1), joined)) {
        Received replayed = new Received();
        try (WireClient late = replayFrom.connect()) {
          Map<String, Long> froms = new HashMap<>();
          for (int t = 0; t < TOPICS; t++) {
            late.send("{'action':'subscribe','topic':'t" + t + "','from':'earliest'}");
            froms.put("t" + t, 1L);
          }
          replayed.readWithReplies(late, TOPICS * PER_TOPIC, froms);
          replayed.assertExactly(PER_TOPIC);
        }
      }
      survivorSub.close();
    } finally {
      nodes.forEach(NodeProcess::kill);
    }
  }

  /** Publishes message {@code n}; retries only when the broker says it stored nothing (during failover). */
  private static JsonObject publishUntilStored(WireClient pub, String topic, int n) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      pub.send("{'action':'publish','topic':'" + topic + "','message':" + n + "}");
      JsonObject reply = pub.next();
      if ("published".equals(reply.getString("status"))) {
        return reply;
      }
      assertThat(reply.getString("error")).as("%s", reply).isEqualTo("unavailable");
      assertThat(System.nanoTime()).as("still unavailable after %s", PATIENCE).isLessThan(deadline);
    }
  }

  /** What one subscriber has received, per topic, checked for gaps and duplicates as it arrives. */
  private static final class Received {
    private final Map<String, List<Long>> seqs = new LinkedHashMap<>();
    private int count;

    synchronized long last(String topic) {
      List<Long> got = seqs.get(topic);
      return got == null || got.isEmpty() ? 0 : got.get(got.size() - 1);
    }

    void readUntil(WireClient client, int messages) {
      for (int i = 0; i < messages; i++) {
        add(client.next());
      }
    }

    /**
     * Reads {@code messages} messages and one {@code subscribed} reply per topic of {@code froms}, in
     * whatever interleaving they come (a topic's replay may start before the next topic's reply); each
     * reply must announce the expected start.
     */
    void readWithReplies(WireClient client, int messages, Map<String, Long> froms) {
      int replies = 0;
      int got = 0;
      while (replies < froms.size() || got < messages) {
        JsonObject frame = client.next();
        if ("subscribed".equals(frame.getString("status"))) {
          assertThat(frame.getLong("from")).as("%s", frame).isEqualTo(froms.get(frame.getString("topic")));
          replies++;
        } else {
          add(frame);
          got++;
        }
      }
    }

    void readUntilClosed(WireClient client) {
      JsonObject frame;
      while ((frame = client.nextOrNull()) != null) {
        add(frame);
      }
    }

    private synchronized void add(JsonObject m) {
      assertThat(m.getString("type")).as("%s", m).isEqualTo("message");
      List<Long> got = seqs.computeIfAbsent(m.getString("topic"), k -> new ArrayList<>());
      long expected = got.isEmpty() ? 1 : got.get(got.size() - 1) + 1;
      assertThat(m.getLong("seq")).as("next seq of %s (no gap, no duplicate)", m.getString("topic")).isEqualTo(expected);
      assertThat(m.getLong("data")).isEqualTo(expected - 1); // message n has seq n + 1
      got.add(m.getLong("seq"));
      count++;
    }

    synchronized void assertExactly(int perTopic) {
      assertThat(seqs).hasSize(TOPICS);
      seqs.values().forEach(s -> assertThat(s).hasSize(perTopic));
      assertThat(count).isEqualTo(TOPICS * perTopic);
    }
  }
}
