package herald.net;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.LogCapture;
import herald.wire.TestBroker;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that resets its connection is normal client behaviour: it is counted, and nothing at WARNING or
 * ERROR reaches the log (Vert.x would log {@code Connection reset} at ERROR with a stack trace).
 */
@ExtendWith(VertxExtension.class)
class ResetLogTest {

  /** A few, each counted: a load test's or a flaky network's stream of resets in small. */
  private static final int RESETS = 10;

  private LogCapture log;
  private TestBroker broker;

  @BeforeEach
  void start(Vertx vertx) {
    log = LogCapture.start();
    broker = TestBroker.start(vertx);
  }

  @AfterEach
  void stop() {
    broker.close();
    log.close();
  }

  @Test
  void resetIsCountedAndNotLoggedAsAnError() {
    for (int i = 0; i < RESETS; i++) {
      WireClient client = broker.connect();
      // Answered first, so the broker is waiting to read (not paused behind a reply, when a reset would
      // surface only as a failed write) and its read fails with "Connection reset".
      client.send("{'action':'ping','id':" + i + "}").expect("{'status':'pong','id':" + i + "}");
      client.abort(); // SO_LINGER 0, then close: the kernel sends RST
    }
    // Every connection's close has run, so whatever its failure would log has been logged.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> broker.gauge("herald.connections") == 0);
    assertThat(log.warningsAndErrors()).isEmpty();
    assertThat(broker.counter("herald.connection.errors")).as("resets counted").isEqualTo(RESETS);
  }
}
