package herald.net;

import static org.assertj.core.api.Assertions.assertThat;

import herald.Broker;
import herald.wire.TestCluster;
import herald.wire.WireClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code {"action":"stats"}}: the connected node's view of itself, on one node and in a cluster. */
class StatsTest {

  @Test
  void singleNodeReportsItselfItsConnectionsAndItsTopicCounts() {
    try (TestCluster node = TestCluster.single();
        WireClient sub = node.connect(0);
        WireClient client = node.connect(0)) {
      sub.send("{'action':'subscribe','topic':'news'}").expect("{'status':'subscribed','topic':'news'}");
      client.send("{'action':'publish','topic':'news','message':1}").expect("{'status':'published','topic':'news','seq':1}");
      client.send("{'action':'publish','topic':'sport','message':2}").expect("{'status':'published','topic':'sport','seq':1}");

      JsonObject stats = client.send("{'action':'stats','id':'s1'}").next();

      assertThat(stats.getString("status")).isEqualTo("stats");
      assertThat(stats.getString("id")).isEqualTo("s1");
      assertThat(stats.getString("node")).isEqualTo(client.greeting().getString("node"));
      assertThat(stats.getString("version")).isEqualTo(Broker.VERSION);
      assertThat(stats.getBoolean("cluster")).isFalse();
      assertThat(stats.getInteger("connections")).isEqualTo(2);
      assertThat(stats.containsKey("members")).as("a single node lists no members: %s", stats).isFalse();
      assertThat(stats.containsKey("member")).isFalse();
      JsonObject counts = stats.getJsonObject("counts");
      assertThat(counts.getLong("topics")).isEqualTo(2);
      assertThat(counts.getLong("messages")).isEqualTo(2);
      assertThat(counts.getLong("published")).isEqualTo(2);
      assertThat(counts.getLong("delivered")).isEqualTo(1);
      assertThat(counts.getLong("subscriptions")).isEqualTo(1);
      assertThat(counts.getLong("subscribers")).isEqualTo(1);
      assertThat(counts.getLong("bytes")).isPositive();
      sub.expect("{'type':'message','topic':'news','data':1,'seq':1}");
    }
  }

  @Test
  void statsRepliesKeepTheirPlaceAmongPipelinedRequests() {
    // Stats is answered by the connection after a round trip to the topic verticle, publishes by the topic
    // verticle, pings and bad frames at once: the replies must still leave in request order.
    StringBuilder pipeline = new StringBuilder();
    int requests = 200;
    for (int i = 0; i < requests; i++) {
      pipeline.append(switch (i % 4) {
        case 0 -> "{\"action\":\"publish\",\"topic\":\"p\",\"message\":" + i + ",\"id\":" + i + "}";
        case 1 -> "{\"action\":\"stats\",\"id\":" + i + "}";
        case 2 -> "{\"action\":\"ping\",\"id\":" + i + "}";
        default -> "{\"action\":\"stats\",\"topic\":\"p\",\"id\":" + i + "}";
      }).append('\n');
    }
    try (TestCluster node = TestCluster.single(); WireClient client = node.connect(0)) {
      client.sendRaw(pipeline.toString().getBytes(StandardCharsets.US_ASCII));
      long seq = 0;
      for (int i = 0; i < requests; i++) {
        JsonObject reply = client.next();
        assertThat(reply.getInteger("id")).as("reply %d: %s", i, reply).isEqualTo(i);
        switch (i % 4) {
          case 0 -> assertThat(reply.getLong("seq")).isEqualTo(++seq);
          case 1 -> assertThat(reply.getJsonObject("counts")).as("reply %d: %s", i, reply).isNotNull();
          case 2 -> assertThat(reply.getString("status")).isEqualTo("pong");
          default -> assertThat(reply.getString("error")).isEqualTo("unknown_field");
        }
      }
      // Once the publishes are answered, stats counts every one of them.
      JsonObject after = client.send("{'action':'stats'}").next();
      assertThat(after.getJsonObject("counts").getLong("published")).isEqualTo(requests / 4);
      assertThat(after.containsKey("id")).isFalse();
    }
  }

  @Test
  void clusterNodeListsEveryMemberAndNamesItself() {
    try (TestCluster cluster = TestCluster.of(3)) {
      JsonArray seen = null;
      for (int i = 0; i < 3; i++) {
        try (WireClient client = cluster.connect(i)) {
          JsonObject stats = client.send("{'action':'stats','id':" + i + "}").next();

          assertThat(stats.getString("status")).isEqualTo("stats");
          assertThat(stats.getString("node")).isEqualTo("node" + i);
          assertThat(stats.getBoolean("cluster")).isTrue();
          assertThat(stats.getInteger("connections")).isEqualTo(1);
          JsonArray members = stats.getJsonArray("members");
          assertThat(members).as("%s", stats).hasSize(3);
          assertThat(members.getList()).allSatisfy(m -> assertThat((String) m).matches("127\\.0\\.0\\.1:\\d+"));
          assertThat(members.getList()).contains(stats.getString("member"));
          if (seen != null) {
            assertThat(members.getList()).containsExactlyInAnyOrderElementsOf(seen.getList());
          }
          seen = members;
          assertThat(stats.getJsonObject("counts").getLong("feeds")).isZero();
        }
      }
    }
  }
}
