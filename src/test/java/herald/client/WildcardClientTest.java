package herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Pattern subscriptions through the Java client against a real node: the handler gets each matching topic's
 * messages with their concrete topic and seq, each matching subscription of the client gets a message, a
 * group on a pattern shares its topics and acks name the concrete topic, and after a reconnect the topics a
 * pattern has delivered resume with no gap and no duplicate.
 */
class WildcardClientTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private static BlockingHerald connect(int port) {
    return BlockingHerald.connect("127.0.0.1:" + port);
  }

  /** "topic/seq", to compare what arrived in one line. */
  private static String at(Message m) {
    return m.topic() + "/" + m.seq();
  }

  private static List<String> at(List<Message> got) {
    return got.stream().map(WildcardClientTest::at).toList();
  }

  @Test
  void a_pattern_gets_the_messages_of_each_topic_it_matches_with_their_concrete_topic_and_seq() {
    try (Node broker = Node.start(); BlockingHerald sub = connect(broker.port());
        BlockingHerald pub = connect(broker.port())) {
      List<Message> star = new CopyOnWriteArrayList<>();
      List<Message> tail = new CopyOnWriteArrayList<>();
      Subscription s = sub.subscribe("orders.*", From.now(), star::add);
      sub.subscribe("orders.>", From.now(), tail::add);
      assertThat(s.isPattern()).isTrue();

      pub.publish("orders.eu", "a");
      pub.publish("orders", "not matched by either");
      pub.publish("orders.us", "b");
      pub.publish("orders.eu.paid", "only >");
      pub.publish("other.eu", "neither");
      pub.publish("orders.eu", "c");
      await().atMost(PATIENCE).until(() -> star.size() == 3 && tail.size() == 4);
      sub.ping(); // anything else pushed would come before the pong

      assertThat(at(star)).containsExactly("orders.eu/1", "orders.us/1", "orders.eu/2");
      assertThat(star.get(2).data()).isEqualTo("c");
      assertThat(star.get(2).frame()).contains("\"topic\":\"orders.eu\"");
      assertThat(at(tail)).containsExactly("orders.eu/1", "orders.us/1", "orders.eu.paid/1", "orders.eu/2");
      assertThat(s.lastSeq("orders.eu")).isEqualTo(2);
      assertThat(s.lastSeq("orders.us")).isEqualTo(1);
      assertThat(s.lastSeq("other.eu")).isZero();
    }
  }

  @Test
  void each_subscription_of_the_client_that_matches_a_message_gets_it_once() {
    try (Node broker = Node.start(); BlockingHerald sub = connect(broker.port());
        BlockingHerald pub = connect(broker.port())) {
      List<Message> exact = new CopyOnWriteArrayList<>();
      List<Message> star = new CopyOnWriteArrayList<>();
      List<Message> all = new CopyOnWriteArrayList<>();
      sub.subscribe("a.b", From.now(), exact::add);
      Subscription pattern = sub.subscribe("a.*", From.now(), star::add);
      sub.subscribe(">", From.now(), all::add);

      pub.publish("a.b", 1);
      pub.publish("a.c", 2);
      pub.publish("x", 3);
      await().atMost(PATIENCE).until(() -> all.size() == 3);
      sub.ping();
      assertThat(at(exact)).containsExactly("a.b/1");
      assertThat(at(star)).containsExactly("a.b/1", "a.c/1");
      assertThat(at(all)).containsExactly("a.b/1", "a.c/1", "x/1");

      pattern.unsubscribe().await(); // the exact one and > go on
      pub.publish("a.b", 4);
      await().atMost(PATIENCE).until(() -> exact.size() == 2 && all.size() == 4);
      sub.ping();
      assertThat(at(exact)).containsExactly("a.b/1", "a.b/2");
      assertThat(star).hasSize(2);
    }
  }

  @Test
  void a_group_on_a_pattern_shares_its_topics_and_acks_name_the_concrete_topic() {
    try (Node broker = Node.start(); BlockingHerald one = connect(broker.port());
        BlockingHerald two = connect(broker.port()); BlockingHerald pub = connect(broker.port())) {
      List<Message> got = new CopyOnWriteArrayList<>();
      Group group = Group.named("workers").ack(Group.Ack.MANUAL).ackWait(Duration.ofMinutes(1));
      Subscription first = one.subscribe("jobs.*", group, got::add);
      two.subscribe("jobs.*", group, got::add);
      List<Message> plain = new CopyOnWriteArrayList<>();
      one.subscribe("jobs.*", From.now(), plain::add); // not the group's: gets every message

      for (int i = 0; i < 3; i++) {
        pub.publish("jobs.a", i);
        pub.publish("jobs.b", i);
      }
      pub.publish("other", "no");
      await().atMost(PATIENCE).until(() -> got.size() == 6 && plain.size() == 6);
      assertThat(at(got)).containsExactlyInAnyOrder("jobs.a/1", "jobs.a/2", "jobs.a/3", "jobs.b/1", "jobs.b/2",
          "jobs.b/3");
      assertThat(got).allSatisfy(m -> assertThat(m.group()).isEqualTo("workers"));
      assertThat(plain).allSatisfy(m -> assertThat(m.group()).isNull());
      List<Message> acked = new ArrayList<>(got);
      acked.removeIf(m -> m.topic().equals("jobs.b") && m.seq() == 3);
      for (Message m : acked) {
        m.ack().await(); // fails unless the ack names the concrete topic
      }
      assertThatThrownBy(() -> first.ackUpto(3).await()).isInstanceOf(IllegalStateException.class);
      Message last = got.stream().filter(m -> at(m).equals("jobs.b/3")).findFirst().orElseThrow();
      Subscription holder = last.member();
      assertThat(holder.ackUpto("jobs.b", 3).await()).isEqualTo(1);
      assertThat(GroupClientTest.group(one, "jobs.a", "workers").getInteger("unacked")).isZero();
      assertThat(GroupClientTest.group(one, "jobs.b", "workers").getInteger("unacked")).isZero();
    }
  }

  @Test
  void after_a_reconnect_a_pattern_from_now_resumes_the_topics_it_has_seen_and_reports_what_it_cannot() {
    Vertx vertx = Vertx.vertx();
    try (Node broker = Node.start(); CuttableProxy proxy = CuttableProxy.start(vertx, broker.port());
        BlockingHerald sub = connect(proxy.port()); BlockingHerald pub = connect(broker.port())) {
      List<Message> got = new CopyOnWriteArrayList<>();
      List<Gap> gaps = new CopyOnWriteArrayList<>();
      sub.async().gapHandler(gaps::add);
      sub.subscribe("r.*", From.now(), got::add);
      pub.publish("r.a", 1);
      pub.publish("r.b", 1);
      await().atMost(PATIENCE).until(() -> got.size() == 2);

      proxy.cutAndRefuse();
      await().atMost(PATIENCE).until(() -> sub.async().node() == null);
      pub.publish("r.a", 2); // r.a was seen: resumed from seq 2
      pub.publish("r.a", 3);
      pub.publish("r.c", 1); // never seen, and the pattern is from now: lost, and said so
      proxy.admit();
      await().atMost(PATIENCE).until(() -> got.size() == 4);
      pub.publish("r.b", 2);
      pub.publish("r.c", 2);
      await().atMost(PATIENCE).until(() -> got.size() == 6);
      sub.ping();
      assertThat(at(got)).containsExactly("r.a/1", "r.b/1", "r.a/2", "r.a/3", "r.b/2", "r.c/2");
      assertThat(gaps).containsExactly(new Gap("r.*", Gap.Kind.UNKNOWN, 0, 0));
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void after_a_reconnect_a_pattern_from_earliest_has_no_duplicate_and_reports_a_gap_per_topic() {
    Vertx vertx = Vertx.vertx();
    // Each topic keeps its last 3 messages: r.a loses seq 2 while the client is away.
    try (Node broker = Node.start(new JsonObject().put("retention_max_messages", 3));
        CuttableProxy proxy = CuttableProxy.start(vertx, broker.port());
        BlockingHerald sub = connect(proxy.port()); BlockingHerald pub = connect(broker.port())) {
      List<Message> got = new CopyOnWriteArrayList<>();
      List<Message> exact = new CopyOnWriteArrayList<>();
      List<Gap> gaps = new CopyOnWriteArrayList<>();
      sub.async().gapHandler(gaps::add);
      pub.publish("r.a", 1);
      pub.publish("r.b", 1);
      pub.publish("r.d", 1);
      sub.subscribe("r.*", From.earliest(), got::add);
      await().atMost(PATIENCE).until(() -> got.size() == 3);
      sub.subscribe("r.b", From.now(), exact::add); // overlaps the pattern on r.b
      pub.publish("r.b", 2);
      await().atMost(PATIENCE).until(() -> got.size() == 4 && exact.size() == 1);

      proxy.cutAndRefuse();
      await().atMost(PATIENCE).until(() -> sub.async().node() == null);
      for (int i = 2; i <= 5; i++) {
        pub.publish("r.a", i); // r.a keeps 3, 4, 5
      }
      pub.publish("r.b", 3);
      pub.publish("r.c", 1); // never seen: replayed from the earliest, as the pattern asked
      pub.publish("r.d", 2); // seen, and all still held: a replay from the earliest would repeat r.d/1
      proxy.admit();
      // No more for a while: a duplicate would come within it.
      await().atMost(PATIENCE).during(Duration.ofMillis(500)).until(() -> got.size() == 10);
      assertThat(at(got)).containsExactlyInAnyOrder("r.a/1", "r.b/1", "r.d/1", "r.b/2", "r.a/3", "r.a/4",
          "r.a/5", "r.b/3", "r.c/1", "r.d/2");
      assertThat(at(exact)).containsExactly("r.b/2", "r.b/3");
      assertThat(gaps).containsExactly(new Gap("r.a", Gap.Kind.MESSAGES_DROPPED, 2, 3));
    } finally {
      vertx.close().await();
    }
  }
}
