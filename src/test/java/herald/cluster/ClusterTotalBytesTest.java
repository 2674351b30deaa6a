package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import herald.wire.TestCluster;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * max_total_bytes in a cluster: each node keeps the topics whose partitions it owns within its share of
 * the limit, dropping its oldest messages first; the cluster as a whole stays within the limit.
 */
class ClusterTotalBytesTest {

  private static final long MAX_TOTAL_BYTES = 1_048_576;
  private static final int TOPICS = 12;
  private static final int MESSAGES = 192; // of about 16 KiB: three times the limit

  @Test
  void eachNodeDropsItsOldestMessagesOnceItHoldsMoreThanItsShare() {
    try (TestCluster cluster = TestCluster.of(3, new JsonObject().put("max_total_bytes", MAX_TOTAL_BYTES));
        WireClient pub = cluster.connect(0)) {
      // Each node's share, and which node trims a topic, follow partition ownership: start once the partitions
      // have settled after the joins, so that the owner asked at the end is the owner that trimmed.
      HazelcastInstance hz = ClusterSetup.manager(cluster.node(0).vertx()).getHazelcastInstance();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> hz.getPartitionService().isClusterSafe());
      String padding = "z".repeat(16_000);
      // One publisher, one message at a time: publication order is storage order, across topics.
      Map<String, List<Integer>> published = new HashMap<>(); // topic -> the publication number of each seq - 1
      for (int g = 0; g < MESSAGES; g++) {
        String topic = "total." + g % TOPICS;
        pub.send("{'action':'publish','topic':'" + topic + "','message':{'g':" + g + ",'pad':'" + padding + "'}}");
        assertThat(pub.next().getString("status")).isEqualTo("published");
        published.computeIfAbsent(topic, t -> new ArrayList<>()).add(g);
      }
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> total(cluster, "bytes") <= MAX_TOTAL_BYTES
          && total(cluster, "trimmed_bytes") > 0 && total(cluster, "messages") > 0);

      // Oldest first on each node: every message a node dropped is older than every message it kept.
      Map<UUID, Integer> newestDropped = new HashMap<>();
      Map<UUID, Integer> oldestKept = new HashMap<>();
      try (WireClient reader = cluster.connect(1)) {
        for (Map.Entry<String, List<Integer>> topic : published.entrySet()) {
          reader.send("{'action':'subscribe','topic':'" + topic.getKey() + "','from':1}");
          long first = subscribedReply(reader).getLong("from");
          reader.send("{'action':'unsubscribe','topic':'" + topic.getKey() + "'}");
          List<Integer> gs = topic.getValue();
          assertThat(first).as("%s keeps its newest message", topic.getKey()).isLessThanOrEqualTo(gs.size());
          UUID owner = hz.getPartitionService().getPartition(topic.getKey()).getOwner().getUuid();
          if (first > 1) {
            newestDropped.merge(owner, gs.get((int) first - 2), Math::max);
          }
          oldestKept.merge(owner, gs.get((int) first - 1), Math::min);
        }
      }
      assertThat(newestDropped).as("some node dropped messages").isNotEmpty();
      newestDropped.forEach((owner, dropped) ->
          assertThat(dropped).as("newest dropped vs oldest kept on %s", owner).isLessThan(oldestKept.get(owner)));
    }
  }

  /** The next {@code subscribed} reply, past the previous topic's replayed messages and unsubscribe reply. */
  private static JsonObject subscribedReply(WireClient reader) {
    while (true) {
      JsonObject frame = reader.next();
      if ("subscribed".equals(frame.getString("status"))) {
        return frame;
      }
    }
  }

  private static long total(TestCluster cluster, String figure) {
    long sum = 0;
    for (int i = 0; i < cluster.size(); i++) {
      sum += cluster.stats(i).getLong(figure);
    }
    return sum;
  }
}
