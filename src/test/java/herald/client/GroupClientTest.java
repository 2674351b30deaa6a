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
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Consumer groups through the Java client against one real node: members share a topic's messages, each
 * acked once (automatically after the handler, or by the application), a handler that throws gets its
 * message again, and a member whose connection is cut joins again and gets back what it held.
 */
class GroupClientTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  /** Long enough for a redelivery that should not happen to show up (ack wait + the broker's 1 s check). */
  private static final Duration QUIET = Duration.ofMillis(1_500);

  private static BlockingHerald connect(int port) {
    return BlockingHerald.connect("127.0.0.1:" + port);
  }

  @Test
  void two_members_share_the_messages_each_once_auto_acked_and_none_comes_again() {
    int total = 500;
    try (Node broker = Node.start(); BlockingHerald a = connect(broker.port()); BlockingHerald b = connect(broker.port());
        BlockingHerald publisher = connect(broker.port())) {
      List<Message> gotA = new CopyOnWriteArrayList<>();
      List<Message> gotB = new CopyOnWriteArrayList<>();
      // Short ack wait: a message left unacked by a broken auto-ack would come again within QUIET.
      Group workers = Group.named("workers").maxInFlight(10).ackWait(Duration.ofMillis(200));
      Subscription subA = a.subscribe("jobs", workers, gotA::add);
      b.subscribe("jobs", workers, gotB::add);
      assertThat(subA.group()).isEqualTo("workers");
      for (int i = 1; i <= total; i++) {
        publisher.async().publish("jobs", i);
      }
      publisher.ping(); // every publish before it is answered: all stored
      await().atMost(PATIENCE).until(() -> gotA.size() + gotB.size() >= total);
      await().atMost(PATIENCE).until(() -> group(a, "jobs", "workers").getLong("acked") == total);
      Thread.sleep(QUIET.toMillis());

      List<Long> seqs = new ArrayList<>();
      gotA.forEach(m -> seqs.add(m.seq()));
      gotB.forEach(m -> seqs.add(m.seq()));
      assertThat(seqs).as("each message to one member, once").hasSize(total)
          .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
      assertThat(gotA).as("member a's share").isNotEmpty();
      assertThat(gotB).as("member b's share").isNotEmpty();
      assertThat(gotA).allSatisfy(m -> {
        assertThat(m.group()).isEqualTo("workers");
        assertThat(m.delivery()).isEqualTo(1);
      });
      JsonObject figures = group(a, "jobs", "workers");
      assertThat(figures.getLong("unacked")).isZero();
      assertThat(figures.getLong("redelivered")).isZero();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void a_handler_that_throws_leaves_its_message_unacked_and_it_comes_again_as_delivery_2() {
    try (Node broker = Node.start(); BlockingHerald member = connect(broker.port());
        BlockingHerald publisher = connect(broker.port())) {
      List<Integer> deliveries = new CopyOnWriteArrayList<>();
      member.subscribe("jobs", Group.named("g").ackWait(Duration.ofMillis(200)), m -> {
        deliveries.add(m.delivery());
        if (m.delivery() == 1) {
          throw new IllegalStateException("deliberately failing the first delivery");
        }
      });
      publisher.publish("jobs", "work");
      await().atMost(PATIENCE).until(() -> deliveries.size() >= 2);
      await().atMost(PATIENCE).until(() -> group(member, "jobs", "g").getLong("acked") == 1);
      assertThat(deliveries).containsExactly(1, 2);
      JsonObject figures = group(member, "jobs", "g");
      assertThat(figures.getLong("redelivered")).isEqualTo(1);
      assertThat(figures.getLong("unacked")).isZero();
    }
  }

  @Test
  void manual_ack_acks_one_message_and_ack_upto_acks_what_is_held_up_to_a_seq() {
    try (Node broker = Node.start(); BlockingHerald member = connect(broker.port());
        BlockingHerald publisher = connect(broker.port())) {
      List<Message> got = new CopyOnWriteArrayList<>();
      Subscription sub = member.subscribe("jobs", Group.named("g").ack(Group.Ack.MANUAL), got::add);
      for (int i = 1; i <= 6; i++) {
        publisher.publish("jobs", i);
      }
      await().atMost(PATIENCE).until(() -> got.size() == 6);
      assertThat(group(member, "jobs", "g").getLong("unacked")).as("manual: nothing acked by the client").isEqualTo(6);

      got.get(1).ack().await(); // seq 2
      assertThatThrownBy(() -> got.get(1).ack().await()).isInstanceOf(HeraldException.NotHeld.class);
      assertThat(sub.ackUpto(4).await()).as("seqs 1, 3 and 4").isEqualTo(3);
      assertThatThrownBy(() -> sub.ackUpto(4).await()).isInstanceOf(HeraldException.NotHeld.class);
      assertThat(sub.ackUpto(6).await()).isEqualTo(2);
      JsonObject figures = group(member, "jobs", "g");
      assertThat(figures.getLong("acked")).isEqualTo(6);
      assertThat(figures.getLong("unacked")).isZero();
    }
  }

  @Test
  void a_member_whose_connection_is_cut_joins_again_and_gets_back_what_it_held() {
    Vertx vertx = Vertx.vertx();
    try (Node broker = Node.start(); CuttableProxy proxy = CuttableProxy.start(vertx, broker.port());
        BlockingHerald member = connect(proxy.port()); BlockingHerald publisher = connect(broker.port())) {
      List<Message> got = new CopyOnWriteArrayList<>();
      // A long ack wait: seq 1 can only come back this soon because the node saw the old connection gone.
      member.subscribe("jobs", Group.named("g").ack(Group.Ack.MANUAL).ackWait(Duration.ofMinutes(1)), got::add);
      publisher.publish("jobs", "first");
      await().atMost(PATIENCE).until(() -> got.size() == 1);
      Message held = got.get(0);

      proxy.cut();
      await().atMost(PATIENCE).until(() -> got.size() == 2);
      Message again = got.get(1);
      assertThat(again.seq()).isEqualTo(1);
      assertThat(again.delivery()).isEqualTo(2);
      // The first copy came on the connection that ended: this member no longer holds it as that delivery.
      assertThatThrownBy(() -> held.ack().await()).isInstanceOf(HeraldException.NotHeld.class);
      again.ack().await();

      publisher.publish("jobs", "second"); // the member is in the group again, not merely reconnected
      await().atMost(PATIENCE).until(() -> got.size() == 3);
      assertThat(got.get(2).seq()).isEqualTo(2);
      assertThat(got.get(2).delivery()).isEqualTo(1);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void a_client_can_subscribe_plainly_and_be_a_member_of_a_group_of_the_same_topic() {
    try (Node broker = Node.start(); BlockingHerald both = connect(broker.port())) {
      List<Message> plain = new CopyOnWriteArrayList<>();
      List<Message> member = new CopyOnWriteArrayList<>();
      both.subscribe("jobs", From.now(), plain::add);
      Subscription sub = both.subscribe("jobs", Group.named("g"), member::add);
      both.publish("jobs", 1);
      await().atMost(PATIENCE).until(() -> plain.size() == 1 && member.size() == 1);
      assertThat(plain.get(0).group()).isNull();
      assertThat(member.get(0).group()).isEqualTo("g");
      assertThatThrownBy(() -> plain.get(0).ack().await()).isInstanceOf(IllegalStateException.class);

      sub.unsubscribe().await(); // leaves the group; the plain subscription stays
      both.publish("jobs", 2);
      await().atMost(PATIENCE).until(() -> plain.size() == 2);
      assertThat(member).hasSize(1);
    }
  }

  /** The group's figures from the stats of the node {@code client} is on (it must have a member there). */
  static JsonObject group(BlockingHerald client, String topic, String group) {
    JsonObject stats = client.async().stats().await();
    for (Object o : stats.getJsonObject("counts").getJsonArray("groups")) {
      JsonObject g = (JsonObject) o;
      if (g.getString("topic").equals(topic) && g.getString("group").equals(group)) {
        return g;
      }
    }
    throw new AssertionError("node shows no group " + group + " on " + topic + ": " + stats);
  }
}
