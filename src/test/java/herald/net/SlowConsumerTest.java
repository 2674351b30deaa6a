package herald.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import herald.wire.TestBroker;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A subscriber that stops reading is cut off; everyone else carries on at full speed, losing nothing. */
@ExtendWith(VertxExtension.class)
class SlowConsumerTest {

  private static final int OUTBOUND_LIMIT = 256 * 1024;

  /** The firehose's message frames are at most this long: a 500-byte body, the topic, a seq and punctuation. */
  private static final int FIREHOSE_FRAME_BYTES = 600;

  /**
   * How many messages the firehose's fast reader may fall behind the producer: half the outbound limit's
   * worth, so that however long its thread waits for a CPU on a loaded machine, it is never the one cut off.
   * (Unpaced, a reader stalled for a second fell the limit plus the socket buffers behind and was cut.)
   */
  private static final int FAST_READER_LAG = OUTBOUND_LIMIT / 2 / FIREHOSE_FRAME_BYTES;

  /** Publishes sent before their replies are read: within the lag, and the broker's unanswered-request window. */
  private static final int PUBLISH_BATCH = 100;
  private TestBroker broker;

  @BeforeEach
  void start(Vertx vertx) {
    broker = TestBroker.start(vertx, new JsonObject().put("max_outbound_bytes", OUTBOUND_LIMIT));
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void slowReaderIsToldSlowConsumerAfterWhatWasQueuedForIt() {
    try (WireClient slow = WireClient.connectWithReceiveBuffer(broker.port(), 4_096);
         WireClient producer = broker.connect()) {
      slow.send("{'action':'subscribe','topic':'burst'}").expect("{'status':'subscribed','topic':'burst'}");
      // ~8 MB, more than the outbound limit plus anything the kernel's socket buffers can take.
      String body = "z".repeat(1_000);
      for (int i = 0; i < 8_000; i += 100) {
        for (int r = 0; r < 100; r++) {
          producer.send("{'action':'publish','topic':'burst','message':'" + body + "'}");
        }
        for (int r = 0; r < 100; r++) {
          assertThat(producer.next().getString("status")).isEqualTo("published");
        }
      }
      // Now it reads, within the grace period: everything queued for it, in order, then the notice.
      long last = 0;
      JsonObject frame;
      while ((frame = slow.nextOrNull()) != null && frame.containsKey("seq")) {
        assertThat(frame.getLong("seq")).isEqualTo(last + 1);
        last = frame.getLong("seq");
      }
      assertThat(frame).as("a slow_consumer notice after message %d", last).isNotNull();
      assertThat(frame.getString("error")).isEqualTo("slow_consumer");
      assertThat(last).isLessThan(8_000);
      slow.expectClosed();
    }
  }

  @Test
  void subscriberThatNeverReadsIsDisconnectedWhileAnotherReceivesEverything() throws Exception {
    int count = 20_000;
    String body = "y".repeat(500); // 20,000 x ~560 bytes = ~11 MB: far beyond what socket buffers absorb
    try (WireClient stuck = WireClient.connectWithReceiveBuffer(broker.port(), 4_096);
         WireClient fast = broker.connect();
         WireClient producer = broker.connect()) {
      stuck.send("{'action':'subscribe','topic':'firehose'}").expect("{'status':'subscribed','topic':'firehose'}");
      fast.send("{'action':'subscribe','topic':'firehose'}").expect("{'status':'subscribed','topic':'firehose'}");

      // One permit per message the fast reader may still have to read: the producer takes one per publish,
      // the reader gives one back per message read.
      Semaphore lag = new Semaphore(FAST_READER_LAG);
      CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
        long n = 0;
        for (long seq = 1; seq <= count; seq++) {
          JsonObject frame = fast.next();
          assertThat(frame.getLong("seq")).as("frame %s to the fast reader: %s", seq, frame).isEqualTo(seq);
          assertThat(frame.encode().length() + 1).as("frame bytes").isLessThanOrEqualTo(FIREHOSE_FRAME_BYTES);
          n++;
          lag.release();
        }
        return n;
      });
      for (int i = 1; i <= count; i++) {
        if (!lag.tryAcquire(WireClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          received.getNow(null); // throws what stopped the reader, if anything did
          fail("the fast reader read nothing for " + WireClient.TIMEOUT + ", " + FAST_READER_LAG
              + " messages behind message " + i);
        }
        producer.send("{'action':'publish','topic':'firehose','message':'" + body + "'}");
        if (i % PUBLISH_BATCH == 0) {
          for (int r = 0; r < PUBLISH_BATCH; r++) {
            assertThat(producer.next().getString("status")).isEqualTo("published");
          }
        }
      }
      assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(count);

      // The stuck subscriber's subscription is gone: the broker dropped it and its queued bytes.
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> broker.stats().getInteger("subscriptions") == 1);
      // What it finds when it finally reads: consecutive messages up to the cut, then the end. (The
      // slow_consumer notice sits behind the bytes it never read; it got a grace period to read them.)
      long last = 0;
      JsonObject frame;
      while ((frame = stuck.nextOrNull()) != null && frame.containsKey("seq")) {
        assertThat(frame.getLong("seq")).isEqualTo(last + 1);
        last = frame.getLong("seq");
      }
      if (frame != null) {
        assertThat(frame.getString("error")).isEqualTo("slow_consumer");
        stuck.expectClosed();
      }
      assertThat(last).isLessThan(count);
    }
  }
}
