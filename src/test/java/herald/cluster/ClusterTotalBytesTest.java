package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.Partition;
import herald.wire.TestCluster;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * max_total_bytes in a cluster (docs/architecture.md, "Retention and reclaiming"): each node keeps the
 * topics whose partitions it owns within its share of the limit, and each sweep drops every message stored
 * before one cutoff time, so once the sweeps have finished every message a node dropped is older than every
 * message it holds. A sweep trims one partition at a time, so this is checked once the trimming has
 * settled, not while a sweep may be half done.
 */
class ClusterTotalBytesTest {

  private static final long MAX_TOTAL_BYTES = 1_048_576;
  private static final int TOPICS = 12;
  private static final int MESSAGES = 192; // of about 16 KiB: three times the limit

  /**
   * A node over its share trims at its next sweep, one interval away: every node within its share and no
   * topic changed over two intervals means no trim is due and none is under way.
   */
  private static final long SETTLED_MS = 2 * herald.topic.TopicVerticle.TICK_MS;

  /** Publishing 3 MiB, then the sweeps that trim it and two quiet intervals: far within this. */
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);

  /** A topic as the {@code topics} request lists it: what a sweep changes. */
  private record Held(long firstSeq, long bytes) {}

  @Test
  void eachNodeDropsItsOldestMessagesOnceItHoldsMoreThanItsShare() {
    try (TestCluster cluster = TestCluster.of(3, new JsonObject().put("max_total_bytes", MAX_TOTAL_BYTES));
        WireClient pub = cluster.connect(0)) {
      // Each node's share, and which node trims a topic, follow partition ownership: start once the partitions
      // have settled after the joins, and check at the end that they have not moved since.
      HazelcastInstance hz = ClusterSetup.manager(cluster.node(0).vertx()).getHazelcastInstance();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> hz.getPartitionService().isClusterSafe());
      Map<String, UUID> owners = owners(hz);
      String padding = "z".repeat(16_000);
      // One publisher, one message at a time: publication order is storage order, across topics.
      Map<String, List<Integer>> published = new HashMap<>(); // topic -> the publication number of each seq - 1
      for (int g = 0; g < MESSAGES; g++) {
        String topic = "total." + g % TOPICS;
        pub.send("{'action':'publish','topic':'" + topic + "','message':{'g':" + g + ",'pad':'" + padding + "'}}");
        assertThat(pub.next().getString("status")).isEqualTo("published");
        published.computeIfAbsent(topic, t -> new ArrayList<>()).add(g);
      }

      Map<UUID, Long> shares = shares(hz);
      AtomicReference<Map<String, Held>> previous = new AtomicReference<>();
      Map<String, Held> held;
      try {
        held = Awaitility.await().atMost(SETTLE_TIMEOUT).pollInterval(Duration.ofMillis(SETTLED_MS))
            .until(() -> {
              Map<String, Held> now = list(pub);
              Map<String, Held> before = previous.getAndSet(now);
              return now.equals(before) && withinShares(now, owners, shares) ? now : null;
            }, Objects::nonNull);
      } catch (ConditionTimeoutException e) {
        throw new AssertionError("not settled within " + SETTLE_TIMEOUT + " (every node within its share " + shares
            + ", no topic changing for " + SETTLED_MS + " ms); owners " + owners + ", last seen " + previous.get(), e);
      }

      assertThat(owners(hz)).as("partition owners, unchanged since before publishing").isEqualTo(owners);
      assertThat(held.keySet()).isEqualTo(published.keySet());
      assertThat(held.values().stream().mapToLong(Held::bytes).sum()).isLessThanOrEqualTo(MAX_TOTAL_BYTES);
      assertThat(total(cluster, "trimmed_bytes")).as("bytes trimmed for max_total_bytes").isPositive();
      // Oldest first on each node: every message a node dropped is older than every message it kept.
      Map<UUID, Integer> newestDropped = new HashMap<>();
      Map<UUID, Integer> oldestKept = new HashMap<>();
      held.forEach((topic, h) -> {
        List<Integer> gs = published.get(topic);
        assertThat(h.firstSeq()).as("%s keeps its newest message", topic).isLessThanOrEqualTo(gs.size());
        UUID owner = owners.get(topic);
        if (h.firstSeq() > 1) {
          newestDropped.merge(owner, gs.get((int) h.firstSeq() - 2), Math::max);
        }
        oldestKept.merge(owner, gs.get((int) h.firstSeq() - 1), Math::min);
      });
      assertThat(newestDropped).as("some node dropped messages").isNotEmpty();
      newestDropped.forEach((owner, dropped) -> assertThat(dropped)
          .as("newest dropped vs oldest kept on %s, topics %s", owner, held).isLessThan(oldestKept.get(owner)));
    }
  }

  /** Every topic of the test, as one {@code topics} request lists it. */
  private static Map<String, Held> list(WireClient client) {
    client.send("{'action':'topics','pattern':'total.*'}");
    JsonObject reply = client.next();
    assertThat(reply.getString("status")).as("%s", reply).isEqualTo("topics");
    Map<String, Held> held = new TreeMap<>();
    for (Object o : reply.getJsonArray("topics")) {
      JsonObject t = (JsonObject) o;
      held.put(t.getString("topic"), new Held(t.getLong("first_seq"), t.getLong("bytes")));
    }
    return held;
  }

  /** The owner of each topic's partition. */
  private static Map<String, UUID> owners(HazelcastInstance hz) {
    Map<String, UUID> owners = new HashMap<>();
    for (int t = 0; t < TOPICS; t++) {
      String topic = "total." + t;
      owners.put(topic, hz.getPartitionService().getPartition(topic).getOwner().getUuid());
    }
    return owners;
  }

  /** Each member's share, as documented: max_total_bytes x partitions it owns / partition count. */
  private static Map<UUID, Long> shares(HazelcastInstance hz) {
    Map<UUID, Long> owned = new HashMap<>();
    int partitions = 0;
    for (Partition p : hz.getPartitionService().getPartitions()) {
      owned.merge(p.getOwner().getUuid(), 1L, Long::sum);
      partitions++;
    }
    Map<UUID, Long> shares = new HashMap<>();
    for (Map.Entry<UUID, Long> e : owned.entrySet()) {
      shares.put(e.getKey(), MAX_TOTAL_BYTES * e.getValue() / partitions);
    }
    return shares;
  }

  private static boolean withinShares(Map<String, Held> held, Map<String, UUID> owners, Map<UUID, Long> shares) {
    Map<UUID, Long> bytes = new HashMap<>();
    held.forEach((topic, h) -> bytes.merge(owners.get(topic), h.bytes(), Long::sum));
    return bytes.entrySet().stream().allMatch(e -> e.getValue() <= shares.get(e.getKey()));
  }

  private static long total(TestCluster cluster, String figure) {
    long sum = 0;
    for (int i = 0; i < cluster.size(); i++) {
      sum += cluster.stats(i).getLong(figure);
    }
    return sum;
  }
}
