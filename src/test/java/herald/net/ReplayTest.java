package herald.net;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestBroker;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Late subscribers replay stored messages, then continue live with no gap and no duplicate. */
@ExtendWith(VertxExtension.class)
class ReplayTest {

  private TestBroker broker;

  @BeforeEach
  void start(Vertx vertx) {
    broker = TestBroker.start(vertx, new JsonObject().put("retention_max_messages", 100_000));
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void replayWhilePublishingContinuesHasNoGapAndNoDuplicate() throws Exception {
    int total = 20_000;
    try (WireClient producer = broker.connect(); WireClient subscriber = broker.connect()) {
      CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
        for (int i = 1; i <= total; i++) {
          producer.send("{'action':'publish','topic':'ticks','message':" + i + "}");
          if (i % 100 == 0) { // stay within the unanswered-request window, and keep publishing throughout
            for (int r = 0; r < 100; r++) {
              producer.next();
            }
          }
        }
      });
      awaitPublished(5_000);
      subscriber.send("{'action':'subscribe','topic':'ticks','from':'earliest'}")
          .expect("{'status':'subscribed','topic':'ticks','from':1}");
      for (long seq = 1; seq <= total; seq++) {
        JsonObject m = subscriber.next();
        assertThat(m.getLong("seq")).isEqualTo(seq);
        assertThat(m.getLong("data")).isEqualTo(seq);
      }
      publishing.get(60, TimeUnit.SECONDS);
      assertThat(broker.stats().getLong("published")).isEqualTo(total);
      subscriber.expectNothing(Duration.ofMillis(200));
    }
  }

  @Test
  void replayFromASeqAndTheLastN() {
    try (WireClient producer = broker.connect()) {
      for (int i = 1; i <= 10; i++) {
        producer.send("{'action':'publish','topic':'t','message':" + i + "}")
            .expect("{'status':'published','topic':'t','seq':" + i + "}");
      }
      try (WireClient from = broker.connect(); WireClient last = broker.connect()) {
        from.send("{'action':'subscribe','topic':'t','from':8}").expect("{'status':'subscribed','topic':'t','from':8}");
        last.send("{'action':'subscribe','topic':'t','last':2}").expect("{'status':'subscribed','topic':'t','from':9}");
        for (int seq = 8; seq <= 10; seq++) {
          from.expect("{'type':'message','topic':'t','data':" + seq + ",'seq':" + seq + "}");
        }
        for (int seq = 9; seq <= 10; seq++) {
          last.expect("{'type':'message','topic':'t','data':" + seq + ",'seq':" + seq + "}");
        }
        producer.send("{'action':'publish','topic':'t','message':11}").expect("{'status':'published','topic':'t','seq':11}");
        from.expect("{'type':'message','topic':'t','data':11,'seq':11}");
        last.expect("{'type':'message','topic':'t','data':11,'seq':11}");
      }
    }
  }

  @Test
  void withoutFromOrLastOnlyNewMessagesArrive() {
    try (WireClient producer = broker.connect(); WireClient subscriber = broker.connect()) {
      producer.send("{'action':'publish','topic':'t','message':'old'}").expect("{'status':'published','topic':'t','seq':1}");
      subscriber.send("{'action':'subscribe','topic':'t'}").expect("{'status':'subscribed','topic':'t'}");
      producer.send("{'action':'publish','topic':'t','message':'new'}").expect("{'status':'published','topic':'t','seq':2}");
      subscriber.expect("{'type':'message','topic':'t','data':'new','seq':2}");
    }
  }

  @Test
  void largeReplayIsPacedInsteadOfTrippingTheSlowConsumerLimit(Vertx vertx) {
    // 4 MiB of stored messages replayed through a 64 KiB outbound limit: replay waits for the reader.
    broker.close();
    broker = TestBroker.start(vertx, new JsonObject().put("max_outbound_bytes", 65_536)
        .put("retention_max_messages", 100_000).put("retention_max_bytes", 64 * 1_048_576));
    String body = "x".repeat(1_000);
    int count = 4_000;
    try (WireClient producer = broker.connect()) {
      for (int i = 1; i <= count; i++) {
        producer.send("{'action':'publish','topic':'big','message':'" + body + "'}");
        if (i % 500 == 0) {
          for (int r = 0; r < 500; r++) {
            producer.next();
          }
        }
      }
    }
    try (WireClient subscriber = WireClient.connectWithReceiveBuffer(broker.port(), 8_192)) {
      subscriber.send("{'action':'subscribe','topic':'big','from':'earliest'}")
          .expect("{'status':'subscribed','topic':'big','from':1}");
      for (long seq = 1; seq <= count; seq++) {
        if (seq % 1_000 == 0) {
          sleep(50); // read slowly now and then
        }
        assertThat(subscriber.next().getLong("seq")).isEqualTo(seq);
      }
    }
  }

  @Test
  void replayFromBeyondRetentionSaysWhereItStarts(Vertx vertx) {
    broker.close();
    broker = TestBroker.start(vertx, new JsonObject().put("retention_max_messages", 5));
    try (WireClient producer = broker.connect(); WireClient subscriber = broker.connect()) {
      for (int i = 1; i <= 12; i++) {
        producer.send("{'action':'publish','topic':'t','message':" + i + "}")
            .expect("{'status':'published','topic':'t','seq':" + i + "}");
      }
      // Seqs 1..7 are gone; the reply tells the client its replay starts at 8, so it can see the gap.
      subscriber.send("{'action':'subscribe','topic':'t','from':3}").expect("{'status':'subscribed','topic':'t','from':8}");
      for (int seq = 8; seq <= 12; seq++) {
        subscriber.expect("{'type':'message','topic':'t','data':" + seq + ",'seq':" + seq + "}");
      }
    }
  }

  private void awaitPublished(long atLeast) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> broker.stats().getLong("published") >= atLeast);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
