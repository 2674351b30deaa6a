package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestCluster;
import herald.wire.WireClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Messages reach other nodes by push ({@link Push}); a push that is lost is repaired from the topic's log, so a
 * subscriber still gets every message once, in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushGapTest {

  private TestCluster cluster;

  @BeforeAll
  void start() {
    cluster = TestCluster.of(2);
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  @AfterEach
  void deliverAgain() {
    ClusterLogs.dropForTests = p -> false;
  }

  @Test
  void aLostPushInTheMiddleIsReadFromTheLogWhenTheNextOneArrives() {
    ClusterLogs.dropForTests = p -> p.topic().equals("gappy") && p.firstSeq() % 3 == 0;
    try (WireClient sub = cluster.connect(1); WireClient pub = cluster.connect(0)) {
      sub.send("{'action':'subscribe','topic':'gappy'}").expect("{'status':'subscribed','topic':'gappy'}");
      for (int i = 1; i <= 300; i++) {
        pub.send("{'action':'publish','topic':'gappy','message':" + i + "}")
            .expect("{'status':'published','topic':'gappy','seq':" + i + "}");
      }
      for (int i = 1; i <= 300; i++) {
        sub.expect("{'type':'message','topic':'gappy','data':" + i + ",'seq':" + i + "}");
      }
      sub.expectNothing(Duration.ofMillis(300));
    }
    assertThat(cluster.stats(1).getLong("push_gaps")).as("gaps read from the log").isGreaterThanOrEqualTo(1);
  }

  @Test
  void aLostLastPushIsReadFromTheLogWithinTheRecheck() {
    ClusterLogs.dropForTests = p -> p.topic().equals("tail") && p.firstSeq() == 5;
    try (WireClient sub = cluster.connect(1); WireClient pub = cluster.connect(0)) {
      sub.send("{'action':'subscribe','topic':'tail'}").expect("{'status':'subscribed','topic':'tail'}");
      for (int i = 1; i <= 5; i++) {
        pub.send("{'action':'publish','topic':'tail','message':" + i + "}")
            .expect("{'status':'published','topic':'tail','seq':" + i + "}");
      }
      for (int i = 1; i <= 4; i++) {
        sub.expect("{'type':'message','topic':'tail','data':" + i + ",'seq':" + i + "}");
      }
      long lost = System.nanoTime();
      sub.expect("{'type':'message','topic':'tail','data':5,'seq':5}"); // no later push finds the gap: the recheck does
      assertThat(Duration.ofNanos(System.nanoTime() - lost))
          .isLessThan(Duration.ofMillis(ClusterLogs.FEED_RECHECK_MS + 2 * herald.topic.TopicVerticle.TICK_MS));
    }
  }
}
