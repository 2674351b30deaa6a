package herald.topic;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestCluster;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Wildcard subscriptions over real sockets, on one node and on a three-node cluster (subscribers on other
 * nodes than the publisher): {@code *} matches one token, {@code >} one or more trailing tokens; every push
 * carries the concrete topic and its seq; a connection gets each message once; replay on a pattern, then live
 * with no gap, topics created later included.
 */
class WildcardTest {

  /** How long "no further message" is watched for; a push crosses a cluster in well under this. */
  private static final Duration QUIET = Duration.ofMillis(700);

  static Stream<Named<Supplier<TestCluster>>> setups() {
    return Stream.of(
        Named.of("single node", TestCluster::single),
        Named.of("3-node cluster", () -> TestCluster.of(3)));
  }

  /** The patterns of the table, each held by its own connection, and the topics published to. */
  private static final String[] PATTERNS = {"orders.*", "orders.>", "*.eu", "*.*.*", ">", "orders.eu", "orders.*.paid"};

  private static final String[] TOPICS = {"orders", "orders.eu", "orders.us", "orders.eu.paid", "billing.eu", "a.b.c.d"};

  /** Which topics of {@link #TOPICS} each pattern of {@link #PATTERNS} matches. */
  private static final Map<String, List<String>> MATCHES = Map.of(
      "orders.*", List.of("orders.eu", "orders.us"),
      "orders.>", List.of("orders.eu", "orders.us", "orders.eu.paid"),
      "*.eu", List.of("orders.eu", "billing.eu"),
      "*.*.*", List.of("orders.eu.paid"),
      ">", List.of(TOPICS),
      "orders.eu", List.of("orders.eu"),
      "orders.*.paid", List.of("orders.eu.paid"));

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void aTableOfMatches(Supplier<TestCluster> setup) {
    try (TestCluster nodes = setup.get(); WireClient publisher = nodes.connect(0)) {
      List<WireClient> subscribers = new ArrayList<>();
      try {
        for (int i = 0; i < PATTERNS.length; i++) {
          WireClient sub = nodes.connect(1 + i % 2);
          subscribers.add(sub);
          sub.send("{'action':'subscribe','topic':'" + PATTERNS[i] + "'}")
              .expect("{'status':'subscribed','topic':'" + PATTERNS[i] + "'}");
        }
        for (String topic : TOPICS) {
          publisher.send("{'action':'publish','topic':'" + topic + "','message':'to " + topic + "'}")
              .expect("{'status':'published','topic':'" + topic + "','seq':1}");
        }
        for (int i = 0; i < PATTERNS.length; i++) {
          List<String> got = new ArrayList<>();
          for (int k = 0; k < MATCHES.get(PATTERNS[i]).size(); k++) {
            JsonObject m = subscribers.get(i).next();
            assertThat(m.getString("type")).as("%s got %s", PATTERNS[i], m).isEqualTo("message");
            assertThat(m.getString("data")).isEqualTo("to " + m.getString("topic")); // the concrete topic
            assertThat(m.getLong("seq")).isEqualTo(1L);
            got.add(m.getString("topic"));
          }
          assertThat(got).as("pattern %s", PATTERNS[i]).containsExactlyInAnyOrderElementsOf(MATCHES.get(PATTERNS[i]));
        }
        for (WireClient sub : subscribers) {
          sub.expectNothing(QUIET);
        }
      } finally {
        subscribers.forEach(WireClient::close);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void replayOnAPatternThenLiveWithNoGapIncludingTopicsCreatedLater(Supplier<TestCluster> setup) {
    try (TestCluster nodes = setup.get(); WireClient publisher = nodes.connect(0);
        WireClient subscriber = nodes.connect(1)) {
      publish(publisher, "orders.eu", 3);
      publish(publisher, "orders.us", 2);
      publish(publisher, "billing.eu", 2);

      subscriber.send("{'action':'subscribe','topic':'orders.*','from':2}")
          .expect("{'status':'subscribed','topic':'orders.*'}");
      // from 2 in each matching topic that exists: orders.eu 2..3, orders.us 2; each topic in its own order
      Map<String, List<Long>> seqs = receive(subscriber, 3);
      assertThat(seqs).isEqualTo(Map.of("orders.eu", List.of(2L, 3L), "orders.us", List.of(2L)));

      // live on, with no gap: the old topics go on, and a topic created now is read from its first message
      publish(publisher, "orders.eu", 2);
      publish(publisher, "orders.asia", 2);
      publish(publisher, "billing.eu", 1);
      seqs = receive(subscriber, 4);
      assertThat(seqs).isEqualTo(Map.of("orders.eu", List.of(4L, 5L), "orders.asia", List.of(1L, 2L)));
      subscriber.expectNothing(QUIET);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void eachMessageOncePerConnectionAndUnsubscribeLeavesTheOtherPatterns(Supplier<TestCluster> setup) {
    try (TestCluster nodes = setup.get(); WireClient publisher = nodes.connect(0);
        WireClient subscriber = nodes.connect(1)) {
      for (String pattern : List.of("orders.*", "orders.eu", ">")) {
        subscriber.send("{'action':'subscribe','topic':'" + pattern + "'}")
            .expect("{'status':'subscribed','topic':'" + pattern + "'}");
      }
      publish(publisher, "orders.eu", 1);
      assertThat(receive(subscriber, 1)).isEqualTo(Map.of("orders.eu", List.of(1L)));
      subscriber.expectNothing(QUIET); // three subscriptions match, one push

      subscriber.send("{'action':'unsubscribe','topic':'orders.*'}").expect("{'status':'unsubscribed','topic':'orders.*'}");
      publish(publisher, "orders.eu", 1);
      publish(publisher, "orders.us", 1);
      assertThat(receive(subscriber, 2)).isEqualTo(Map.of("orders.eu", List.of(2L), "orders.us", List.of(1L)));

      subscriber.send("{'action':'unsubscribe','topic':'>'}").expect("{'status':'unsubscribed','topic':'>'}");
      publish(publisher, "orders.us", 1); // nothing of this connection's matches it any more
      publish(publisher, "orders.eu", 1); // the exact subscription still does
      assertThat(receive(subscriber, 1)).isEqualTo(Map.of("orders.eu", List.of(3L)));
      subscriber.expectNothing(QUIET);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void publishingToAWildcardIsRefused(Supplier<TestCluster> setup) {
    try (TestCluster nodes = setup.get(); WireClient client = nodes.connect(0)) {
      client.send("{'action':'publish','topic':'orders.*','message':1}").expectError("invalid_topic");
      client.send("{'action':'publish','topic':'orders.>','message':1}").expectError("invalid_topic");
      client.send("{'action':'subscribe','topic':'orders.>.eu'}").expectError("invalid_topic");
    }
  }

  private static void publish(WireClient publisher, String topic, int n) {
    for (int i = 0; i < n; i++) {
      JsonObject ack = publisher.send("{'action':'publish','topic':'" + topic + "','message':" + i + "}").next();
      assertThat(ack.getString("status")).as("%s", ack).isEqualTo("published");
    }
  }

  /** Reads {@code n} pushes and groups their seqs by topic, in arrival order. */
  private static Map<String, List<Long>> receive(WireClient client, int n) {
    Map<String, List<Long>> seqs = new HashMap<>();
    for (int i = 0; i < n; i++) {
      JsonObject m = client.next();
      assertThat(m.getString("type")).as("%s", m).isEqualTo("message");
      seqs.computeIfAbsent(m.getString("topic"), t -> new ArrayList<>()).add(m.getLong("seq"));
    }
    return seqs;
  }
}
