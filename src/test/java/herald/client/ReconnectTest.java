package herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the client does when its node goes away, with single nodes in this JVM (each with its own history) and
 * fake nodes that answer only what the test says: backpressure, heartbeats, waiting while disconnected,
 * {@code shutting_down}, and the gaps a resume can meet.
 */
class ReconnectTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static HeraldClient connect(ClientOptions options) {
    return HeraldClient.connect(vertx, options).await();
  }

  private static String nodes(int... ports) {
    return String.join(",", java.util.Arrays.stream(ports).mapToObj(p -> "127.0.0.1:" + p).toList());
  }

  @Test
  void with_n_publishes_in_flight_the_next_waits_for_a_reply() {
    try (FakeNode fake = FakeNode.start(vertx)) {
      HeraldClient client = connect(ClientOptions.of(nodes(fake.port())).maxInFlight(2));
      Future<Long> first = client.publish("t", 1);
      Future<Long> second = client.publish("t", 2);
      Future<Long> third = client.publish("t", 3);
      Future<Duration> pong = client.ping();
      // The ping was asked for after the third publish, yet reaches the wire before it: the third waits.
      assertThat(fake.nextLine()).contains("\"message\":1");
      assertThat(fake.nextLine()).contains("\"message\":2");
      assertThat(fake.nextLine()).isEqualTo("{\"action\":\"ping\"}");
      fake.send("{'status':'published','topic':'t','seq':1}");
      assertThat(fake.nextLine()).contains("\"message\":3"); // the reply freed a slot
      fake.send("{'status':'published','topic':'t','seq':2}");
      fake.send("{'status':'pong'}");
      fake.send("{'status':'published','topic':'t','seq':3}");
      assertThat(List.of(first.await(), second.await(), third.await())).containsExactly(1L, 2L, 3L);
      assertThat(pong.await()).isPositive();
      client.close().await();
    }
  }

  @Test
  void beyond_the_waiting_bound_a_publish_fails_at_once() {
    try (FakeNode fake = FakeNode.start(vertx)) {
      HeraldClient client = connect(ClientOptions.of(nodes(fake.port())).maxInFlight(1).maxQueuedPublishes(1));
      Future<Long> onTheWire = client.publish("t", 1);
      Future<Long> waiting = client.publish("t", 2);
      assertThatThrownBy(() -> client.publish("t", 3).await()).isInstanceOf(HeraldException.PublishQueueFull.class);
      assertThat(fake.nextLine()).contains("\"message\":1");
      fake.send("{'status':'published','topic':'t','seq':1}");
      assertThat(fake.nextLine()).contains("\"message\":2");
      fake.send("{'status':'published','topic':'t','seq':2}");
      assertThat(List.of(onTheWire.await(), waiting.await())).containsExactly(1L, 2L);
      client.close().await();
    }
  }

  @Test
  void a_publish_whose_connection_dies_before_its_reply_fails_as_outcome_unknown_and_is_not_resent() {
    try (FakeNode crashing = FakeNode.start(vertx); FakeNode next = FakeNode.start(vertx)) {
      HeraldClient client = connect(ClientOptions.of(nodes(crashing.port(), next.port())));
      Future<Long> published = client.publish("t", "maybe");
      assertThat(crashing.nextLine()).contains("\"message\":\"maybe\"");
      crashing.dropConnection();
      assertThatThrownBy(published::await)
          .isInstanceOf(HeraldException.OutcomeUnknown.class)
          .hasMessageContaining("it may or may not be stored");
      Future<Duration> pong = client.ping();
      assertThat(next.nextLine()).isEqualTo("{\"action\":\"ping\"}"); // the first line there: nothing resent
      next.send("{'status':'pong'}");
      assertThat(pong.await()).isPositive();
      client.close().await();
    }
  }

  @Test
  void a_node_that_stops_answering_is_left_for_the_next_one() {
    try (FakeNode silent = FakeNode.start(vertx);
        Node broker = Node.start(new JsonObject().put("node_id", "real"))) {
      HeraldClient client = connect(ClientOptions.of(nodes(silent.port(), broker.port()))
          .heartbeat(Duration.ofMillis(50), Duration.ofMillis(300)));
      assertThat(client.node()).isEqualTo("fake");
      assertThat(silent.nextLine()).isEqualTo("{\"action\":\"ping\"}"); // after 50 ms of silence
      // No pong within 300 ms: the connection is dead, and the client moves on.
      await().atMost(PATIENCE).until(() -> "real".equals(client.node()));
      assertThat(client.publish("t", 1).await()).isEqualTo(1);
      client.close().await();
    }
  }

  @Test
  void publishing_while_disconnected_fails_at_once_or_after_the_bound() {
    Node broker = Node.start();
    HeraldClient immediate = connect(ClientOptions.of(nodes(broker.port())).disconnectedWait(Duration.ZERO));
    HeraldClient bounded = connect(ClientOptions.of(nodes(broker.port())).disconnectedWait(Duration.ofMillis(300)));
    broker.close();
    await().atMost(PATIENCE).until(() -> immediate.node() == null && bounded.node() == null);

    assertThatThrownBy(() -> immediate.publish("t", 1).await())
        .isInstanceOf(HeraldException.NotConnected.class)
        .hasMessageContaining("within PT0S (disconnectedWait)");
    long start = System.nanoTime();
    Future<Long> waited = bounded.publish("t", 1);
    assertThatThrownBy(waited::await)
        .isInstanceOf(HeraldException.NotConnected.class)
        .hasMessageContaining("within PT0.3S (disconnectedWait)");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    immediate.close().await();
    bounded.close().await();
  }

  @Test
  void a_publish_made_while_disconnected_goes_out_when_a_node_comes_back() {
    Node first = Node.start();
    int later = freePort();
    HeraldClient client = connect(ClientOptions.of(nodes(first.port(), later)).disconnectedWait(Duration.ofSeconds(60)));
    first.close();
    await().atMost(PATIENCE).until(() -> client.node() == null);
    Future<Long> published = client.publish("t", "while away");
    Future<Duration> pong = client.ping();
    assertThat(published.isComplete()).isFalse();
    try (Node second = Node.start(new JsonObject().put("port", later))) {
      assertThat(published.await()).isEqualTo(1);
      assertThat(pong.await()).isPositive();
      client.close().await();
    }
  }

  @Test
  void publishes_a_draining_node_never_read_are_sent_to_the_next_node() {
    int total = 3_000;
    Node a = Node.start();
    try (Node b = Node.start()) {
      HeraldClient client = connect(ClientOptions.of(nodes(a.port(), b.port())));
      List<Future<Long>> seqs = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        seqs.add(client.publish("t", i));
      }
      seqs.get(total / 10).await();
      a.close(); // drains: answers what it read, says shutting_down, closes
      Future.all(seqs).await(); // none fails: not even one outcome is unknown

      // Every message is stored exactly once, on one node or the other: a's seqs 1..n, b's 1..total-n.
      long onB;
      try (BlockingHerald probe = BlockingHerald.connect(nodes(b.port()))) {
        onB = probe.publish("t", "after") - 1;
      }
      long onA = total - onB;
      List<Long> expected = new ArrayList<>(LongStream.rangeClosed(1, onA).boxed().toList());
      expected.addAll(LongStream.rangeClosed(1, onB).boxed().toList());
      assertThat(seqs.stream().map(Future::result).sorted().toList())
          .isEqualTo(expected.stream().sorted().toList());
      assertThat(onA).isPositive();
      assertThat(onB).isPositive();
      client.close().await();
    }
  }

  @Test
  void a_resume_past_what_the_next_node_still_holds_reports_the_gap() {
    Node a = Node.start();
    try (Node b = Node.start(new JsonObject().put("retention_max_messages", 2))) {
      try (BlockingHerald onA = BlockingHerald.connect(nodes(a.port()));
          BlockingHerald onB = BlockingHerald.connect(nodes(b.port()))) {
        onA.publish("t", 1);
        onA.publish("t", 2);
        for (int i = 1; i <= 5; i++) {
          onB.publish("t", i); // b keeps only seqs 4 and 5
        }
      }
      List<Gap> gaps = new CopyOnWriteArrayList<>();
      List<Long> got = new CopyOnWriteArrayList<>();
      HeraldClient client = connect(ClientOptions.of(nodes(a.port(), b.port())));
      client.gapHandler(gaps::add);
      client.subscribe("t", From.earliest(), m -> got.add(m.seq())).await();
      await().atMost(PATIENCE).until(() -> got.size() == 2);
      a.close();
      await().atMost(PATIENCE).until(() -> got.size() == 4);
      assertThat(got).containsExactly(1L, 2L, 4L, 5L);
      assertThat(gaps).containsExactly(new Gap("t", Gap.Kind.MESSAGES_DROPPED, 3, 4));
      client.close().await();
    }
  }

  @Test
  void a_resume_on_a_node_whose_topic_starts_over_reports_it() {
    Node a = Node.start();
    try (Node b = Node.start()) {
      List<Gap> gaps = new CopyOnWriteArrayList<>();
      List<Long> got = new CopyOnWriteArrayList<>();
      HeraldClient client = connect(ClientOptions.of(nodes(a.port(), b.port())));
      client.gapHandler(gaps::add);
      Subscription sub = client.subscribe("t", From.now(), m -> got.add(m.seq())).await();
      try (BlockingHerald onA = BlockingHerald.connect(nodes(a.port()))) {
        onA.publish("t", "x");
        onA.publish("t", "y");
      }
      await().atMost(PATIENCE).until(() -> got.size() == 2);
      a.close();
      await().atMost(PATIENCE).until(() -> gaps.size() == 1);
      assertThat(gaps).containsExactly(new Gap("t", Gap.Kind.TOPIC_RESTARTED, 3, 1));
      try (BlockingHerald onB = BlockingHerald.connect(nodes(b.port()))) {
        onB.publish("t", "z");
      }
      await().atMost(PATIENCE).until(() -> got.size() == 3);
      assertThat(got).containsExactly(1L, 2L, 1L);
      assertThat(sub.lastSeq()).isEqualTo(1);
      client.close().await();
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Messages are not replies (docs/protocol.md): a node answers requests in order but pushes messages as they
   * happen, so a subscribe whose reply waits behind an earlier request's can have its first messages delivered
   * before that reply. Seen after a partition, when a re-subscribe waited behind one for a topic that was still
   * moving to the majority: the reply moved the position back, and the next message looked like a gap.
   */
  @Test
  void messages_that_arrive_before_the_subscribe_reply_are_no_gap() throws Exception {
    try (FakeNode fake = FakeNode.start(vertx)) {
      List<Gap> gaps = new CopyOnWriteArrayList<>();
      HeraldClient client = connect(ClientOptions.of(fake.host() + ":" + fake.port())).gapHandler(gaps::add);
      List<Long> got = new CopyOnWriteArrayList<>();
      Future<Subscription> subscribing = client.subscribe("t", From.seq(5), m -> got.add(m.seq()));
      assertThat(fake.nextLine()).contains("\"action\":\"subscribe\"").contains("\"from\":5");
      for (long seq = 5; seq <= 7; seq++) {
        fake.send("{'type':'message','topic':'t','data':" + seq + ",'seq':" + seq + "}");
      }
      Thread.sleep(200);
      fake.send("{'status':'subscribed','topic':'t','from':5}");
      subscribing.await();
      fake.send("{'type':'message','topic':'t','data':8,'seq':8}");
      await().atMost(PATIENCE).until(() -> got.size() == 4);
      assertThat(got).containsExactly(5L, 6L, 7L, 8L);
      assertThat(gaps).isEmpty();
      client.close().await();
    }
  }
}
