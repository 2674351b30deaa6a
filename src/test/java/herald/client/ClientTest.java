package herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The client against one real node: publish, subscribe, replay, unsubscribe, ping, and the broker's errors. */
class ClientTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private static BlockingHerald connect(Node broker) {
    return BlockingHerald.connect("127.0.0.1:" + broker.port());
  }

  @Test
  void published_messages_reach_a_late_subscriber_exactly_as_sent() {
    try (Node broker = Node.start(); BlockingHerald herald = connect(broker)) {
      assertThat(herald.publish("news", "Hello World!")).isEqualTo(1);
      assertThat(herald.publish("news", new JsonObject().put("headline", "Rates cut"))).isEqualTo(2);
      assertThat(herald.publishJson("news", "{ \"spaced\" :  [1, 2] }")).isEqualTo(3);

      List<Message> got = new CopyOnWriteArrayList<>();
      Subscription sub = herald.subscribe("news", From.earliest(), got::add);
      await().atMost(PATIENCE).until(() -> got.size() == 3);
      assertThat(got).extracting(Message::seq).containsExactly(1L, 2L, 3L);
      assertThat(got.get(0).data()).isEqualTo("Hello World!");
      assertThat(got.get(1).data()).isEqualTo(new JsonObject().put("headline", "Rates cut"));
      assertThat(got.get(2).frame()).isEqualTo(
          "{\"type\":\"message\",\"topic\":\"news\",\"data\":{ \"spaced\" :  [1, 2] },\"seq\":3}");
      assertThat(sub.lastSeq()).isEqualTo(3);

      // Live messages follow the replay.
      herald.publish("news", 4);
      await().atMost(PATIENCE).until(() -> got.size() == 4);
      assertThat(got.get(3).data()).isEqualTo(4);
    }
  }

  @Test
  void replay_starts_where_asked() {
    try (Node broker = Node.start(); BlockingHerald herald = connect(broker)) {
      for (int i = 1; i <= 5; i++) {
        herald.publish("t", i);
      }
      List<Long> last2 = new CopyOnWriteArrayList<>();
      List<Long> from4 = new CopyOnWriteArrayList<>();
      List<Long> now = new CopyOnWriteArrayList<>();
      herald.subscribe("t", From.last(2), m -> last2.add(m.seq()));
      try (BlockingHerald other = connect(broker); BlockingHerald third = connect(broker)) {
        other.subscribe("t", From.seq(4), m -> from4.add(m.seq()));
        third.subscribe("t", From.now(), m -> now.add(m.seq()));
        herald.publish("t", 6);
        await().atMost(PATIENCE).until(() -> last2.size() == 3 && from4.size() == 3 && now.size() == 1);
      }
      assertThat(last2).containsExactly(4L, 5L, 6L);
      assertThat(from4).containsExactly(4L, 5L, 6L);
      assertThat(now).containsExactly(6L);
    }
  }

  @Test
  void unsubscribe_stops_delivery() {
    try (Node broker = Node.start(); BlockingHerald herald = connect(broker)) {
      List<Long> got = new CopyOnWriteArrayList<>();
      Subscription sub = herald.subscribe("t", From.now(), m -> got.add(m.seq()));
      herald.publish("t", 1);
      await().atMost(PATIENCE).until(() -> got.size() == 1);
      herald.unsubscribe("t");
      assertThat(sub.ended().succeeded()).isTrue();
      herald.publish("t", 2);
      herald.ping(); // the node answers in order: had the message been pushed, it would have come first
      assertThat(got).containsExactly(1L);
      assertThatThrownBy(() -> herald.unsubscribe("t")).isInstanceOf(HeraldException.NotSubscribed.class);
    }
  }

  @Test
  void errors_the_broker_returns_arrive_as_typed_exceptions_and_the_connection_carries_on() {
    try (Node broker = Node.start(new JsonObject().put("max_subscriptions_per_connection", 1));
        BlockingHerald herald = connect(broker)) {
      assertThatThrownBy(() -> herald.publish("bad..topic", "x"))
          .isInstanceOf(HeraldException.InvalidTopic.class)
          .hasMessageStartingWith("invalid_topic: ")
          .extracting(e -> ((HeraldException) e).code()).isEqualTo("invalid_topic");
      assertThatThrownBy(() -> herald.publish("news", null)).isInstanceOf(HeraldException.MissingMessage.class);
      assertThatThrownBy(() -> herald.publishJson("news", "{not json")).isInstanceOf(HeraldException.InvalidJson.class);
      assertThatThrownBy(() -> herald.subscribe("news.>.x", From.now(), m -> { })) // "news.*" is a valid pattern
          .isInstanceOf(HeraldException.InvalidTopic.class);
      herald.subscribe("one", From.now(), m -> { });
      assertThatThrownBy(() -> herald.subscribe("two", From.now(), m -> { }))
          .isInstanceOf(HeraldException.TooManySubscriptions.class);
      assertThat(herald.publish("news", new JsonArray().add(1))).isEqualTo(1);
      assertThat(herald.ping()).isPositive();
    }
  }

  @Test
  void a_publish_longer_than_the_node_accepts_fails_before_it_is_sent() {
    try (Node broker = Node.start(new JsonObject().put("max_frame_bytes", 1024));
        BlockingHerald herald = connect(broker)) {
      String node = herald.async().node();
      assertThatThrownBy(() -> herald.publish("t", "x".repeat(2_000)))
          .isInstanceOf(HeraldException.FrameTooLarge.class)
          .hasMessageContaining("accepts at most 1024");
      // Sent, it would have closed the connection; the same connection carries on instead.
      assertThat(herald.publish("t", "small")).isEqualTo(1);
      assertThat(herald.async().node()).isEqualTo(node);
    }
  }

  @Test
  void subscribing_twice_to_one_topic_is_refused_rather_than_ignored() {
    try (Node broker = Node.start(); BlockingHerald herald = connect(broker)) {
      herald.subscribe("t", From.now(), m -> { });
      assertThatThrownBy(() -> herald.subscribe("t", From.earliest(), m -> { }))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already subscribed to 't'");
    }
  }

  @Test
  void no_reachable_node_fails_the_connect_naming_each_node() {
    Node broker = Node.start();
    int port = broker.port();
    broker.close();
    assertThatThrownBy(() -> BlockingHerald.connect("127.0.0.1:" + port + ",127.0.0.1:" + port))
        .isInstanceOf(HeraldException.NotConnected.class)
        .hasMessageStartingWith("not_connected: cannot connect to 127.0.0.1:" + port + " (")
        .hasMessageContaining("); 127.0.0.1:" + port + " (");
  }
}
