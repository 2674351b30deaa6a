package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import herald.codec.FrameEncoder;
import herald.topic.GroupCommit;
import herald.topic.MemoryTopicStore;
import herald.topic.TopicVerticle;
import herald.wire.TestCluster;
import herald.wire.WireClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The single node's memory bounds, held by a three-node cluster: max_topics cluster-wide, the per-topic byte
 * bound with oldest-first eviction, reclaiming of idle topics, and stored bytes within the documented bound.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterRetentionTest {

  private static final int MAX_TOPICS = 20;
  private static final int TOPIC_BYTES = 4_096;
  private static final int AGE_SECONDS = 3;
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  private TestCluster cluster;

  @BeforeAll
  void start() {
    cluster = TestCluster.of(3, new JsonObject().put("max_topics", MAX_TOPICS)
        .put("retention_max_bytes", TOPIC_BYTES).put("retention_max_age_seconds", AGE_SECONDS));
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  /** Each test starts from an empty cluster: what the previous one left has expired and been reclaimed. */
  @BeforeEach
  void everyTopicReclaimed() {
    Awaitility.await().atMost(PATIENCE).until(() -> total("topics") == 0);
  }

  @Test
  void aNewTopicBeyondMaxTopicsIsRefusedOnEveryNode() {
    List<WireClient> clients = IntStream.range(0, 3).mapToObj(cluster::connect).toList();
    try (WireClient keeper = cluster.connect(2)) {
      for (int t = 0; t < MAX_TOPICS; t++) {
        clients.get(t % 3).send("{'action':'publish','topic':'full." + t + "','message':" + t + "}")
            .expect("{'status':'published','topic':'full." + t + "','seq':1}");
        // Subscribed topics are never reclaimed: the cluster stays full while the test runs. Subscribing
        // right after each publish, rather than after all of them, keeps a slow machine from letting a topic's
        // only message expire (AGE_SECONDS) and the topic be reclaimed before anyone subscribes.
        keeper.send("{'action':'subscribe','topic':'full." + t + "'}").expect("{'status':'subscribed','topic':'full." + t + "'}");
      }
      Awaitility.await().atMost(PATIENCE).until(() -> total("topics") == MAX_TOPICS);
      for (int node = 0; node < 3; node++) {
        clients.get(node).send("{'action':'publish','topic':'beyond." + node + "','message':1}")
            .expect("{'status':'error','error':'too_many_topics','detail':'the cluster holds its maximum of 20 topics (HERALD_MAX_TOPICS)'}");
        // An existing topic still takes messages.
        clients.get(node).send("{'action':'publish','topic':'full." + node + "','message':2}")
            .expect("{'status':'published','topic':'full." + node + "','seq':" + 2 + "}");
      }
    } finally {
      clients.forEach(WireClient::close);
    }
  }

  @Test
  void aTopicKeepsOnlyItsNewestMessagesThatFitItsByteBound() {
    String data = "\"" + "x".repeat(1_000) + "\"";
    long cost = FrameEncoder.message("bytes", Buffer.buffer(data), 10).length() + MemoryTopicStore.MESSAGE_OVERHEAD_BYTES;
    long kept = TOPIC_BYTES / cost; // 3: every frame here has a two-digit seq or less, so costs at most this
    assertThat(kept).isEqualTo(3);
    try (WireClient pub = cluster.connect(0); WireClient late = cluster.connect(1)) {
      for (int seq = 1; seq <= 12; seq++) {
        pub.send("{'action':'publish','topic':'bytes','message':" + data + "}")
            .expect("{'status':'published','topic':'bytes','seq':" + seq + "}");
      }
      // Oldest first: seqs 1..9 are gone; the subscribed reply shows where the replay starts.
      late.send("{'action':'subscribe','topic':'bytes','from':'earliest'}")
          .expect("{'status':'subscribed','topic':'bytes','from':10}");
      for (int seq = 10; seq <= 12; seq++) {
        late.expect("{'type':'message','topic':'bytes','data':" + data + ",'seq':" + seq + "}");
      }
      late.expectNothing(Duration.ofMillis(200));
    }
  }

  @Test
  void idleTopicsAreReclaimedButASubscribedOneIsNot() {
    try (WireClient pub = cluster.connect(0); WireClient other = cluster.connect(1); WireClient sub = cluster.connect(2)) {
      sub.send("{'action':'subscribe','topic':'kept'}").expect("{'status':'subscribed','topic':'kept'}");
      pub.send("{'action':'publish','topic':'kept','message':1}").expect("{'status':'published','topic':'kept','seq':1}");
      sub.expect("{'type':'message','topic':'kept','data':1,'seq':1}");
      // A flood of distinct topics, from two nodes, fills the cluster.
      for (int t = 1; t < MAX_TOPICS; t++) {
        (t % 2 == 0 ? pub : other).send("{'action':'publish','topic':'flood." + t + "','message':" + t + "}")
            .expect("{'status':'published','topic':'flood." + t + "','seq':1}");
      }
      pub.send("{'action':'publish','topic':'flood.more','message':0}").expectError("too_many_topics");

      // Once the messages have expired, the unsubscribed topics are forgotten; the subscribed one stays.
      long reclaimedBefore = total("reclaimed");
      Awaitility.await().atMost(PATIENCE).until(() -> total("topics") == 1);
      assertThat(total("reclaimed") - reclaimedBefore).isGreaterThanOrEqualTo(MAX_TOPICS - 1);
      pub.send("{'action':'publish','topic':'flood.more','message':0}")
          .expect("{'status':'published','topic':'flood.more','seq':1}");
      // "kept" was not forgotten: its seq carries on under its subscriber.
      other.send("{'action':'publish','topic':'kept','message':2}").expect("{'status':'published','topic':'kept','seq':2}");
      sub.expect("{'type':'message','topic':'kept','data':2,'seq':2}");
    }
  }

  /**
   * 3 publishers (one per node) x 60 topics x 30 messages of about 1 KB: far more than the bounds allow. The
   * cluster's stored bytes, sampled throughout, never exceed the documented bound: (max_topics + (nodes - 1)
   * x min(CREATE_BATCH, max_topics)) x retention_max_bytes.
   */
  @Test
  void storedBytesStayWithinTheDocumentedBoundWhateverIsPublished() throws Exception {
    long bound = (MAX_TOPICS + 2L * Math.min(GroupCommit.CREATE_BATCH, MAX_TOPICS)) * TOPIC_BYTES;
    String data = "\"" + "y".repeat(1_000) + "\"";
    AtomicBoolean driving = new AtomicBoolean(true);
    AtomicLong peak = new AtomicLong();
    CompletableFuture<Void> sampling = CompletableFuture.runAsync(() -> {
      while (driving.get()) {
        peak.accumulateAndGet(total("bytes"), Math::max);
        sleep(100);
      }
    });
    List<CompletableFuture<Long>> publishers = new ArrayList<>();
    for (int node = 0; node < 3; node++) {
      int n = node;
      publishers.add(CompletableFuture.supplyAsync(() -> {
        long stored = 0;
        try (WireClient pub = cluster.connect(n)) {
          for (int t = 0; t < 60; t++) {
            for (int m = 0; m < 30; m++) {
              pub.send("{'action':'publish','topic':'mem." + n + "." + t + "','message':" + data + "}");
            }
            for (int m = 0; m < 30; m++) {
              JsonObject reply = pub.next();
              if ("published".equals(reply.getString("status"))) {
                stored++;
              } else {
                assertThat(reply.getString("error")).as("%s", reply).isEqualTo("too_many_topics");
              }
            }
          }
        }
        return stored;
      }));
    }
    long stored = 0;
    for (CompletableFuture<Long> p : publishers) {
      stored += p.get(60, TimeUnit.SECONDS);
    }
    sleep(2 * TopicVerticle.TICK_MS + 200); // the last figures reach the stats
    driving.set(false);
    sampling.get(10, TimeUnit.SECONDS);
    assertThat(stored).as("publishes stored").isGreaterThanOrEqualTo(MAX_TOPICS * 30L);
    assertThat(stored * 1_000).as("offered far more than the bound").isGreaterThan(2 * bound);
    assertThat(peak.get()).as("the stats saw the stored messages").isPositive();
    assertThat(peak.get()).as("peak stored bytes").isLessThanOrEqualTo(bound);
  }

  /** The sum of one stats figure over the nodes (each node reports the topics whose partitions it owns). */
  private long total(String figure) {
    long sum = 0;
    for (int i = 0; i < cluster.size(); i++) {
      sum += cluster.stats(i).getLong(figure);
    }
    return sum;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
