package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestCluster;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Three nodes in one JVM: any node reaches every subscriber, in one order per topic. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTest {

  private TestCluster cluster;

  @BeforeAll
  void start() {
    cluster = TestCluster.of(3);
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  /** 3 publishers (one per node) x 6 subscribers (two per node) x 300 messages: every subscriber gets 900. */
  @Test
  void publishOnAnyNodeReachesEverySubscriberOnEveryNodeExactlyOnceInOneOrder() throws Exception {
    int publishers = 3, subscribers = 6, perPublisher = 300;
    List<WireClient> subs = new ArrayList<>();
    for (int i = 0; i < subscribers; i++) {
      WireClient c = cluster.connect(i);
      c.send("{'action':'subscribe','topic':'orders'}").expect("{'status':'subscribed','topic':'orders'}");
      subs.add(c);
    }
    ExecutorService pool = Executors.newFixedThreadPool(publishers + subscribers);
    try {
      List<Future<List<JsonObject>>> received = new ArrayList<>();
      for (WireClient c : subs) {
        received.add(pool.submit(() -> {
          List<JsonObject> got = new ArrayList<>();
          for (int n = 0; n < publishers * perPublisher; n++) {
            got.add(c.next());
          }
          return got;
        }));
      }
      List<Future<?>> publishing = new ArrayList<>();
      for (int p = 0; p < publishers; p++) {
        int node = p;
        publishing.add(pool.submit(() -> {
          try (WireClient pub = cluster.connect(node)) {
            for (int n = 0; n < perPublisher; n++) {
              pub.send("{'action':'publish','topic':'orders','message':{'p':" + node + ",'n':" + n + "}}");
              assertThat(pub.next().getString("status")).isEqualTo("published");
            }
          }
          return null;
        }));
      }
      for (Future<?> f : publishing) {
        f.get(120, TimeUnit.SECONDS);
      }
      List<List<JsonObject>> all = new ArrayList<>();
      for (Future<List<JsonObject>> f : received) {
        all.add(f.get(120, TimeUnit.SECONDS));
      }
      List<JsonObject> reference = all.get(0);
      for (List<JsonObject> got : all) {
        assertThat(got).hasSize(publishers * perPublisher);
        // One order for the topic: every subscriber, on every node, sees the same sequence.
        assertThat(got).isEqualTo(reference);
        for (int i = 1; i < got.size(); i++) {
          assertThat(got.get(i).getLong("seq")).isEqualTo(got.get(i - 1).getLong("seq") + 1);
        }
        for (int p = 0; p < publishers; p++) {
          int publisher = p;
          assertThat(got.stream().map(m -> m.getJsonObject("data")).filter(d -> d.getInteger("p") == publisher)
              .map(d -> d.getInteger("n")).toList())
              .containsExactlyElementsOf(IntStream.range(0, perPublisher).boxed().toList());
        }
      }
      for (WireClient c : subs) {
        c.expectNothing(Duration.ofMillis(200));
      }
    } finally {
      pool.shutdownNow();
      subs.forEach(WireClient::close);
    }
  }

  @Test
  void aNodeWithNoSubscriberOfATopicReceivesNoneOfItsTraffic() {
    long before = cluster.stats(2).getLong("received");
    try (WireClient sub0 = cluster.connect(0); WireClient sub1 = cluster.connect(1); WireClient pub = cluster.connect(2)) {
      sub0.send("{'action':'subscribe','topic':'quiet'}").expect("{'status':'subscribed','topic':'quiet'}");
      sub1.send("{'action':'subscribe','topic':'quiet'}").expect("{'status':'subscribed','topic':'quiet'}");
      for (int i = 1; i <= 50; i++) {
        pub.send("{'action':'publish','topic':'quiet','message':" + i + "}")
            .expect("{'status':'published','topic':'quiet','seq':" + i + "}");
      }
      for (int i = 1; i <= 50; i++) {
        sub0.expect("{'type':'message','topic':'quiet','data':" + i + ",'seq':" + i + "}");
        sub1.expect("{'type':'message','topic':'quiet','data':" + i + ",'seq':" + i + "}");
      }
    }
    // Node 2 published all 50 but none of its clients subscribes: it read none of them back.
    assertThat(cluster.stats(2).getLong("received")).isEqualTo(before);
    assertThat(cluster.stats(0).getLong("received")).isGreaterThanOrEqualTo(50);
  }

  @Test
  void replayFromAnotherNodeWhilePublishingContinuesHasNoGapAndNoDuplicate() throws Exception {
    int total = 3_000;
    java.util.concurrent.atomic.AtomicInteger acked = new java.util.concurrent.atomic.AtomicInteger();
    try (WireClient pub = cluster.connect(0); WireClient late = cluster.connect(1)) {
      var publishing = java.util.concurrent.CompletableFuture.runAsync(() -> {
        for (int i = 1; i <= total; i++) {
          pub.send("{'action':'publish','topic':'replayed','message':" + i + "}");
          if (i % 100 == 0) {
            for (int r = 0; r < 100; r++) {
              assertThat(pub.next().getString("status")).isEqualTo("published");
              acked.incrementAndGet();
            }
          }
        }
      });
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> cluster.stats(0).getLong("published") >= 1_000);
      late.send("{'action':'subscribe','topic':'replayed','from':'earliest'}")
          .expect("{'status':'subscribed','topic':'replayed','from':1}");
      for (long seq = 1; seq <= total; seq++) {
        JsonObject m;
        try {
          m = late.next();
        } catch (AssertionError stalled) { // say where it stopped: the replay, the live stream or the publisher
          throw new AssertionError("waiting for seq " + seq + "; publishes acknowledged " + acked.get()
              + ", publisher " + (publishing.isCompletedExceptionally() ? "failed: "
              + publishing.handle((v, e) -> String.valueOf(e)).join() : publishing.isDone() ? "done" : "running")
              + "; node 1 " + cluster.stats(1), stalled);
        }
        assertThat(m.getLong("seq")).isEqualTo(seq);
        assertThat(m.getLong("data")).isEqualTo(seq);
      }
      publishing.get(60, TimeUnit.SECONDS);
      late.expectNothing(Duration.ofMillis(200));
    }
  }
}
