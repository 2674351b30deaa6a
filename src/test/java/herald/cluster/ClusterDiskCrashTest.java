package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.Acked;
import herald.wire.NodeProcess;
import herald.wire.WireClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cluster of three on disk, in real JVMs: every node killed with {@code kill -9} under load, then started again
 * on the same data directories in another order. Every acknowledged message is back, at its seq, once.
 */
class ClusterDiskCrashTest {

  /** Publishes acknowledged before the kill, across all topics. */
  private static final int ACKED_BEFORE_KILL = 3_000;
  /** Six topics, so that every node owns some and holds backups of others; topic i is published through node i % 3. */
  private static final List<String> TOPICS = List.of("orders", "audit.eu", "metrics.cpu", "jobs.a", "jobs.b", "news");

  private final List<NodeProcess> nodes = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    nodes.forEach(NodeProcess::kill);
  }

  @Test
  void killDashNineOfEveryNodeUnderLoadThenARestartInAnotherOrderKeepsEveryAcknowledgedMessage() throws Exception {
    List<NodeProcess> first = NodeProcess.cluster(3, 3, "herald-disk-" + Long.toHexString(System.nanoTime()),
        new ArrayList<>(), Map.of("HERALD_CLUSTER_SIZE", "3"));
    nodes.addAll(first);
    first.forEach(NodeProcess::awaitReady);

    Map<String, Map<Long, String>> acked = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> publishers = new ArrayList<>();
    for (int i = 0; i < TOPICS.size(); i++) {
      String topic = TOPICS.get(i);
      int port = first.get(i % 3).port();
      Map<Long, String> mine = new ConcurrentSkipListMap<>();
      acked.put(topic, mine);
      Thread t = new Thread(() -> Acked.publish(port, topic, mine, stop), "publisher-" + topic);
      t.start();
      publishers.add(t);
    }
    long deadline = System.currentTimeMillis() + 90_000;
    while (acked.values().stream().mapToInt(Map::size).sum() < ACKED_BEFORE_KILL && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    first.forEach(NodeProcess::kill); // all three, while the publishers are still sending
    stop.set(true);
    for (Thread t : publishers) {
      t.join(15_000);
    }
    int total = acked.values().stream().mapToInt(Map::size).sum();
    assertThat(total).as("acknowledged before the kill").isGreaterThanOrEqualTo(ACKED_BEFORE_KILL);

    // Back in the reverse order: the first alone waits for a majority before it offers its copies, then the others.
    NodeProcess last = first.get(2).restart();
    nodes.add(last);
    long waitUntil = System.currentTimeMillis() + 60_000;
    while (!last.log().contains("storage: waiting for a majority of the cluster") && System.currentTimeMillis() < waitUntil) {
      Thread.sleep(100);
    }
    assertThat(last.log()).as("the first node back waits for a majority").contains("storage: waiting for a majority");
    assertThat(last.log()).as("and offers nothing before it").doesNotContain("storage: offered");
    List<NodeProcess> again = new ArrayList<>(List.of(last));
    for (int i = 1; i >= 0; i--) {
      NodeProcess node = first.get(i).restart();
      nodes.add(node);
      again.add(0, node);
      Thread.sleep(1_000);
    }
    again.forEach(NodeProcess::awaitReady);

    for (int i = 0; i < TOPICS.size(); i++) {
      String topic = TOPICS.get(i);
      try (WireClient c = again.get((i + 1) % 3).connect()) { // read through another node than the one published to
        Map<Long, String> stored = Acked.replayAll(c, topic);
        Acked.assertHeldFromSeqOne(stored, acked.get(topic), topic);
        // The topic goes on from where its history ends, whichever node is asked.
        c.send("{\"action\":\"publish\",\"topic\":\"" + topic + "\",\"message\":\"after\",\"id\":\"x\"}");
        assertThat(Acked.reply(c, "x").getLong("seq")).as("next seq of %s", topic).isEqualTo(stored.size() + 1);
      }
    }
  }

  /**
   * A node killed, then brought back with its stale disk after the cluster went on: retention has dropped what
   * its copies still hold, and the topics have newer messages. Its copies bring nothing back, and no seq names a
   * second message.
   */
  @Test
  void aNodeBackWithStaleCopiesBringsBackNothingRetentionDropped() throws Exception {
    List<NodeProcess> cluster = NodeProcess.cluster(3, 3, "herald-stale-" + Long.toHexString(System.nanoTime()),
        new ArrayList<>(), Map.of("HERALD_CLUSTER_SIZE", "3", "HERALD_RETENTION_MAX_MESSAGES", "50"));
    nodes.addAll(cluster);
    cluster.forEach(NodeProcess::awaitReady);
    try (WireClient pub = cluster.get(1).connect()) {
      for (String topic : TOPICS) {
        for (int i = 1; i <= 30; i++) {
          publish(pub, topic, "old-" + i, i);
        }
      }
      Thread.sleep(1_500); // every copy written (the backups' too), and a tick's sync
      cluster.get(0).kill();
      cluster.get(1).awaitMembers(2); // the survivors took over its partitions
      cluster.get(2).awaitMembers(2);
      for (String topic : TOPICS) {
        for (int i = 31; i <= 130; i++) {
          publish(pub, topic, "new-" + i, i); // retention keeps 81-130; the killed node's copies hold 1-30
        }
      }
    }
    NodeProcess back = cluster.get(0).restart();
    nodes.add(back);
    back.awaitReady();
    assertThat(back.log()).containsPattern("storage: offered [1-9]\\d* topic copies from disk");
    for (NodeProcess reader : List.of(back, cluster.get(1), cluster.get(2))) {
      try (WireClient c = reader.connect()) {
        for (String topic : TOPICS) {
          Map<Long, String> stored = Acked.replayAll(c, topic);
          assertThat(stored.keySet()).as("%s through %s", topic, reader).containsExactlyElementsOf(
              java.util.stream.LongStream.rangeClosed(81, 130).boxed().toList());
          stored.forEach((seq, message) -> assertThat(message).isEqualTo("\"new-" + seq + "\""));
        }
      }
    }
  }

  /** Publishes, retrying what the cluster refused without storing it (while partitions move after a loss). */
  private static void publish(WireClient c, String topic, String message, long seq) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      c.send("{\"action\":\"publish\",\"topic\":\"" + topic + "\",\"message\":\"" + message + "\",\"id\":\"p\"}");
      var reply = Acked.reply(c, "p");
      if (attempt < 50 && "unavailable".equals(reply.getString("error"))
          && reply.getString("detail").startsWith("the message was not stored")) {
        Thread.sleep(200);
        continue;
      }
      assertThat(reply.getLong("seq")).as("seq of %s: %s", message, reply).isEqualTo(seq);
      return;
    }
  }
}
