package herald.topic;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.Acked;
import herald.wire.NodeProcess;
import herald.wire.TempDirs;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A single node on disk, killed with {@code kill -9} in a real JVM: what it acknowledged is there after a restart
 * on the same data directory, in order, once, with the seqs it was acknowledged with.
 */
class DiskCrashTest {

  /** Publishes acknowledged before the kill: enough to span many group commits and a segment's index entries. */
  private static final int ACKED_BEFORE_KILL = 4_000;
  private static final List<String> TOPICS = List.of("orders", "audit.eu");

  private Path dataDir;
  private final List<NodeProcess> nodes = new ArrayList<>();

  @BeforeEach
  void dir() {
    dataDir = TempDirs.make("herald-crash");
  }

  @AfterEach
  void cleanUp() {
    nodes.forEach(NodeProcess::kill);
    TempDirs.delete(dataDir);
  }

  private NodeProcess start(Map<String, String> env) {
    NodeProcess node = NodeProcess.start(env);
    nodes.add(node);
    node.awaitReady();
    return node;
  }

  @ParameterizedTest(name = "fsync {0}")
  @ValueSource(strings = {"interval", "always", "never"})
  void killDashNineUnderLoadThenRestartReplaysEveryAcknowledgedMessageOnceInOrder(String fsync) throws Exception {
    Map<String, String> env = Map.of("HERALD_DATA_DIR", dataDir.toString(), "HERALD_FSYNC", fsync);
    NodeProcess node = start(env);

    // Two publishers, one per topic, pipelining as fast as the node answers; each records what was acknowledged.
    Map<String, Map<Long, String>> acked = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> publishers = new ArrayList<>();
    for (String topic : TOPICS) {
      Map<Long, String> mine = new ConcurrentSkipListMap<>();
      acked.put(topic, mine);
      Thread t = new Thread(() -> Acked.publish(node.port(), topic, mine, stop), "publisher-" + topic);
      t.start();
      publishers.add(t);
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (acked.values().stream().mapToInt(Map::size).sum() < ACKED_BEFORE_KILL && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    node.kill(); // while the publishers are still sending
    stop.set(true);
    for (Thread t : publishers) {
      t.join(15_000);
    }
    assertThat(acked.values().stream().mapToInt(Map::size).sum()).as("acknowledged before the kill")
        .isGreaterThanOrEqualTo(ACKED_BEFORE_KILL);

    NodeProcess again = start(env);
    try (WireClient c = again.connect()) {
      for (String topic : TOPICS) {
        Acked.assertHeldFromSeqOne(Acked.replayAll(c, topic), acked.get(topic), topic);
      }
      // The node goes on from where the log ends.
      long ordersHeld = Acked.replayAll(c, "orders").size();
      c.send("{\"action\":\"publish\",\"topic\":\"orders\",\"message\":\"after\",\"id\":\"x\"}");
      assertThat(Acked.reply(c, "x").getLong("seq")).isEqualTo(ordersHeld + 1);
    }
  }

  /**
   * A consumer group keeps its place across kill -9: what was acked before the last save (once a tick) is not
   * delivered again, what a member held unacked goes back to the group, and what was never handed out follows.
   */
  @Test
  void aGroupKeepsItsPlaceAcrossAKill() throws Exception {
    Map<String, String> env = Map.of("HERALD_DATA_DIR", dataDir.toString());
    NodeProcess node = start(env);
    try (WireClient member = node.connect(); WireClient pub = node.connect()) {
      member.send("{\"action\":\"subscribe\",\"topic\":\"jobs\",\"group\":\"workers\",\"max_in_flight\":4,\"id\":\"s\"}");
      Acked.reply(member, "s");
      for (int i = 1; i <= 10; i++) {
        pub.send("{\"action\":\"publish\",\"topic\":\"jobs\",\"message\":" + i + ",\"id\":\"p" + i + "\"}");
        Acked.reply(pub, "p" + i);
      }
      // The member holds 1-4; it acks 1 and 2, then holds 1-6 minus the acked: 3, 4, 5, 6.
      List<Long> got = new ArrayList<>();
      while (got.size() < 4) {
        JsonObject f = member.next();
        if ("message".equals(f.getString("type"))) {
          got.add(f.getLong("seq"));
        }
      }
      assertThat(got).containsExactly(1L, 2L, 3L, 4L);
      member.send("{\"action\":\"ack\",\"topic\":\"jobs\",\"group\":\"workers\",\"seq\":1,\"id\":\"a1\"}");
      member.send("{\"action\":\"ack\",\"topic\":\"jobs\",\"group\":\"workers\",\"seq\":2,\"id\":\"a2\"}");
      Acked.reply(member, "a2");
      Thread.sleep(2_500); // two ticks: the acks are saved
    }
    node.kill();
    NodeProcess again = start(env);
    try (WireClient member = again.connect()) {
      member.send("{\"action\":\"subscribe\",\"topic\":\"jobs\",\"group\":\"workers\",\"max_in_flight\":100,\"id\":\"s\"}");
      Map<Long, Integer> deliveries = new TreeMap<>();
      while (deliveries.size() < 8) {
        JsonObject f = member.next();
        if ("message".equals(f.getString("type"))) {
          deliveries.put(f.getLong("seq"), f.getInteger("delivery"));
        }
      }
      // 3 to 6 were held by the member that went with the node: delivered again; 7 to 10 for the first time.
      assertThat(deliveries).containsExactlyEntriesOf(new TreeMap<>(Map.of(3L, 2, 4L, 2, 5L, 2, 6L, 2, 7L, 1,
          8L, 1, 9L, 1, 10L, 1)));
      member.expectNothing(java.time.Duration.ofMillis(500)); // and not 1 or 2, acked before the kill
    }
  }

  /** A torn last record (the machine stopped mid-write): the node cuts it, says what it dropped, keeps the rest. */
  @Test
  void aTornTailIsCutBackAndReportedAndEverythingBeforeItIsServed() throws Exception {
    Map<String, String> env = Map.of("HERALD_DATA_DIR", dataDir.toString(), "HERALD_FSYNC", "always");
    NodeProcess node = start(env);
    try (WireClient c = node.connect()) {
      for (int i = 1; i <= 50; i++) {
        c.send("{\"action\":\"publish\",\"topic\":\"news\",\"message\":\"m" + i + "\",\"id\":" + i + "}");
        assertThat(c.next().getLong("seq")).isEqualTo(i);
      }
    }
    node.terminate();
    Path segment;
    try (Stream<Path> files = Files.walk(dataDir)) {
      segment = files.filter(p -> p.getFileName().toString().endsWith(".seg")).findFirst().orElseThrow();
    }
    long size = Files.size(segment);
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      ch.truncate(size - 5); // the last record loses its last bytes
    }
    NodeProcess again = start(env);
    assertThat(again.log()).contains("topic news: its log had a torn or corrupt tail")
        .contains("dropped 1 record(s)").contains("now ends at seq 49");
    try (WireClient c = again.connect()) {
      Map<Long, String> stored = Acked.replayAll(c, "news");
      assertThat(stored).hasSize(49);
      assertThat(stored.get(49L)).isEqualTo("\"m49\"");
      c.send("{\"action\":\"publish\",\"topic\":\"news\",\"message\":\"again\",\"id\":\"a\"}");
      assertThat(Acked.reply(c, "a").getLong("seq")).as("the cut seq is given to the next message, which no one saw before").isEqualTo(50);
    }
  }
}
