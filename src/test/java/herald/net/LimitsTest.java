package herald.net;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestBroker;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each named limit is enforced with its own error code. */
@ExtendWith(VertxExtension.class)
class LimitsTest {

  private TestBroker broker;

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void connectionsBeyondTheLimitAreTooManyConnections(Vertx vertx) throws Exception {
    broker = TestBroker.start(vertx, new JsonObject().put("max_connections", 2));
    try (WireClient a = broker.connect(); WireClient b = broker.connect();
         Socket third = new Socket("127.0.0.1", broker.port())) {
      third.setSoTimeout(10_000);
      InputStream in = third.getInputStream();
      String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(new JsonObject(reply.trim()).getString("error")).isEqualTo("too_many_connections");
      a.send("{'action':'ping'}").expect("{'status':'pong'}");
    }
    // Closing frees the slots again.
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      try (WireClient again = broker.connect()) {
        again.send("{'action':'ping'}").expect("{'status':'pong'}");
      }
    });
  }

  @Test
  void subscriptionsBeyondTheLimitAreTooManySubscriptions(Vertx vertx) {
    broker = TestBroker.start(vertx, new JsonObject().put("max_subscriptions_per_connection", 2));
    try (WireClient client = broker.connect()) {
      client.send("{'action':'subscribe','topic':'a'}").expect("{'status':'subscribed','topic':'a'}");
      client.send("{'action':'subscribe','topic':'b'}").expect("{'status':'subscribed','topic':'b'}");
      client.send("{'action':'subscribe','topic':'c'}").expectError("too_many_subscriptions");
      client.send("{'action':'unsubscribe','topic':'a'}").expect("{'status':'unsubscribed','topic':'a'}");
      client.send("{'action':'subscribe','topic':'c'}").expect("{'status':'subscribed','topic':'c'}");
    }
  }

  @Test
  void silentConnectionsAreClosedWithIdleTimeoutButPingsKeepThemOpen(Vertx vertx) throws Exception {
    broker = TestBroker.start(vertx, new JsonObject().put("idle_timeout_seconds", 2));
    try (WireClient silent = broker.connect(); WireClient pinging = broker.connect()) {
      for (int i = 0; i < 8; i++) {
        Thread.sleep(500);
        pinging.send("{'action':'ping'}").expect("{'status':'pong'}");
      }
      silent.expectError("idle_timeout");
      silent.expectClosed();
      pinging.send("{'action':'ping'}").expect("{'status':'pong'}");
    }
  }

  @Test
  void newTopicsBeyondTheLimitAreTooManyTopics(Vertx vertx) {
    broker = TestBroker.start(vertx, new JsonObject().put("max_topics", 2));
    try (WireClient client = broker.connect()) {
      client.send("{'action':'publish','topic':'one','message':1}").expect("{'status':'published','topic':'one','seq':1}");
      client.send("{'action':'publish','topic':'two','message':1}").expect("{'status':'published','topic':'two','seq':1}");
      client.send("{'action':'publish','topic':'three','message':1}").expectError("too_many_topics");
      // Existing topics still take messages.
      client.send("{'action':'publish','topic':'one','message':2}").expect("{'status':'published','topic':'one','seq':2}");
    }
  }
}
