package herald.net;

import herald.wire.TestBroker;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Disconnects leave nothing behind in the TopicVerticle, whichever way the client goes. */
@ExtendWith(VertxExtension.class)
class CleanupTest {

  private TestBroker broker;

  @BeforeEach
  void start(Vertx vertx) {
    broker = TestBroker.start(vertx);
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void abruptDisconnectRemovesEverySubscription() {
    WireClient crashing = broker.connect();
    for (String topic : new String[] {"a", "b.c", "d"}) {
      crashing.send("{'action':'subscribe','topic':'" + topic + "'}")
          .expect("{'status':'subscribed','topic':'" + topic + "'}");
    }
    try (WireClient survivor = broker.connect()) {
      survivor.send("{'action':'subscribe','topic':'a'}").expect("{'status':'subscribed','topic':'a'}");
      awaitStats(4, 2, 3);

      crashing.abort(); // TCP reset, no unsubscribe

      awaitStats(1, 1, 1);
      // The survivor is unaffected.
      survivor.send("{'action':'publish','topic':'a','message':'still here'}")
          .expect("{'type':'message','topic':'a','data':'still here','seq':1}");
      survivor.expect("{'status':'published','topic':'a','seq':1}");
    }
    awaitStats(0, 0, 0);
  }

  @Test
  void cleanCloseRemovesEverySubscriptionToo() {
    WireClient leaving = broker.connect();
    leaving.send("{'action':'subscribe','topic':'x'}").expect("{'status':'subscribed','topic':'x'}");
    awaitStats(1, 1, 1);
    leaving.close();
    awaitStats(0, 0, 0);
  }

  private void awaitStats(int subscriptions, int subscribers, int topics) {
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonObject stats = broker.stats();
      org.assertj.core.api.Assertions.assertThat(stats.getInteger("subscriptions")).as("%s", stats).isEqualTo(subscriptions);
      org.assertj.core.api.Assertions.assertThat(stats.getInteger("subscribers")).as("%s", stats).isEqualTo(subscribers);
      org.assertj.core.api.Assertions.assertThat(stats.getInteger("subscribed_topics")).as("%s", stats).isEqualTo(topics);
    });
  }
}
