package herald.net;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestBroker;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import herald.wire.TestCluster;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** The design note's sequence, step by step, over real sockets. */
@ExtendWith(VertxExtension.class)
class SeedSequenceTest {

  private TestBroker broker;

  @BeforeEach
  void start(Vertx vertx) {
    broker = TestBroker.start(vertx);
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  /** The same test body against one node and against a three-node cluster (clients on different nodes). */
  static Stream<Named<Supplier<TestCluster>>> setups() {
    return Stream.of(
        Named.of("single node", TestCluster::single),
        Named.of("3-node cluster", () -> TestCluster.of(3)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void stepsOneToSevenOfTheSeed(Supplier<TestCluster> setup) {
    try (TestCluster nodes = setup.get()) {
      stepsOneToSeven(nodes);
    }
  }

  private void stepsOneToSeven(TestCluster nodes) {
    try (WireClient producer = nodes.connect(0); WireClient consumer = nodes.connect(1)) {
      // Step 2: each connect is answered "connected", with what a client must know.
      assertThat(consumer.greeting().getString("server")).isEqualTo("herald");
      assertThat(consumer.greeting().getString("node")).isNotBlank();
      assertThat(consumer.greeting().getJsonObject("limits").getLong("max_frame_bytes")).isEqualTo(1_048_576L);

      // Step 3: the consumer subscribes.
      consumer.send("{'action':'subscribe','topic':'news'}")
          .expect("{'status':'subscribed','topic':'news'}");

      // Step 4: the producer publishes; the message is stored, pushed, and acknowledged.
      producer.send("{'action':'publish','topic':'news','message':'Hello World!'}")
          .expect("{'status':'published','topic':'news','seq':1}");
      consumer.expect("{'type':'message','topic':'news','data':'Hello World!','seq':1}");

      // Step 5: more messages, each pushed and acknowledged; any JSON value travels unchanged.
      producer.send("{'action':'publish','topic':'news','message':{'headline':'Rates cut','tags':['eu',1]}}")
          .expect("{'status':'published','topic':'news','seq':2}");
      consumer.expect("{'type':'message','topic':'news','data':{'headline':'Rates cut','tags':['eu',1]},'seq':2}");

      // Step 6: the consumer unsubscribes.
      consumer.send("{'action':'unsubscribe','topic':'news'}")
          .expect("{'status':'unsubscribed','topic':'news'}");

      // Step 7: with no subscriber the message is still stored and acknowledged...
      producer.send("{'action':'publish','topic':'news','message':'nobody listens'}")
          .expect("{'status':'published','topic':'news','seq':3}");
      consumer.expectNothing(Duration.ofMillis(200));

      // ...as a late subscriber replaying from the start can see.
      try (WireClient late = nodes.connect(2)) {
        late.send("{'action':'subscribe','topic':'news','from':'earliest'}")
            .expect("{'status':'subscribed','topic':'news','from':1}");
        late.expect("{'type':'message','topic':'news','data':'Hello World!','seq':1}");
        late.expect("{'type':'message','topic':'news','data':{'headline':'Rates cut','tags':['eu',1]},'seq':2}");
        late.expect("{'type':'message','topic':'news','data':'nobody listens','seq':3}");
      }
    }
  }

  @Test
  void repliesEchoTheRequestId() {
    try (WireClient client = broker.connect()) {
      client.send("{'action':'ping','id':'p-1'}").expect("{'status':'pong','id':'p-1'}");
      client.send("{'action':'subscribe','topic':'a','id':7}").expect("{'status':'subscribed','topic':'a','id':7}");
      client.send("{'action':'publish','topic':'a','message':1,'id':'x'}")
          .expect("{'type':'message','topic':'a','data':1,'seq':1}");
      client.expect("{'status':'published','topic':'a','seq':1,'id':'x'}");
      client.send("{'action':'unsubscribe','topic':'a','id':8}").expect("{'status':'unsubscribed','topic':'a','id':8}");
    }
  }

  @Test
  void subscribingTwiceStillDeliversEachMessageOnce() {
    try (WireClient consumer = broker.connect(); WireClient producer = broker.connect()) {
      consumer.send("{'action':'subscribe','topic':'news'}").expect("{'status':'subscribed','topic':'news'}");
      consumer.send("{'action':'subscribe','topic':'news'}").expect("{'status':'subscribed','topic':'news'}");
      producer.send("{'action':'publish','topic':'news','message':'once'}")
          .expect("{'status':'published','topic':'news','seq':1}");
      consumer.expect("{'type':'message','topic':'news','data':'once','seq':1}");
      consumer.expectNothing(Duration.ofMillis(200));
      assertThat(broker.stats().getInteger("subscriptions")).isEqualTo(1);
    }
  }

  @Test
  void unsubscribingFromATopicNotHeldIsNotSubscribed() {
    try (WireClient client = broker.connect()) {
      client.send("{'action':'unsubscribe','topic':'never','id':1}").expectError("not_subscribed");
      client.send("{'action':'ping'}").expect("{'status':'pong'}");
    }
  }

  /** Two producers and two consumers in parallel: each consumer gets 2 x K messages, each producer's in order. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void twoProducersTwoConsumersInParallel(Supplier<TestCluster> setup) throws Exception {
    try (TestCluster nodes = setup.get()) {
      twoProducersTwoConsumers(nodes);
    }
  }

  private void twoProducersTwoConsumers(TestCluster nodes) throws Exception {
    int perProducer = 2_000;
    WireClient c1 = nodes.connect(0);
    WireClient c2 = nodes.connect(1);
    for (WireClient c : List.of(c1, c2)) {
      c.send("{'action':'subscribe','topic':'news'}").expect("{'status':'subscribed','topic':'news'}");
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<JsonObject>>> consumers = new ArrayList<>();
      for (WireClient c : List.of(c1, c2)) {
        consumers.add(pool.submit(() -> {
          List<JsonObject> got = new ArrayList<>();
          for (int i = 0; i < 2 * perProducer; i++) {
            got.add(c.next());
          }
          return got;
        }));
      }
      List<Future<List<Long>>> producers = new ArrayList<>();
      for (String name : List.of("A", "B")) {
        int node = name.equals("A") ? 1 : 2;
        producers.add(pool.submit(() -> publishAll(nodes.connect(node), name, perProducer)));
      }
      List<Long> seqs = new ArrayList<>();
      for (Future<List<Long>> p : producers) {
        seqs.addAll(p.get(60, TimeUnit.SECONDS));
      }
      // Every publish was acknowledged with its own seq: 1..2K, each once.
      assertThat(seqs).hasSize(2 * perProducer).doesNotHaveDuplicates().allMatch(s -> s >= 1 && s <= 2 * perProducer);

      for (Future<List<JsonObject>> c : consumers) {
        List<JsonObject> got = c.get(60, TimeUnit.SECONDS);
        assertThat(got).hasSize(2 * perProducer);
        for (int i = 0; i < got.size(); i++) {
          assertThat(got.get(i).getLong("seq")).isEqualTo(i + 1L); // one order for the topic
        }
        for (String name : List.of("A", "B")) {
          assertThat(got.stream().map(m -> m.getJsonObject("data")).filter(d -> d.getString("p").equals(name))
              .map(d -> d.getInteger("n")).toList())
              .as("producer %s's messages, in its order", name)
              .containsExactlyElementsOf(java.util.stream.IntStream.range(0, perProducer).boxed().toList());
        }
      }
      c1.expectNothing(Duration.ofMillis(200));
      c2.expectNothing(Duration.ofMillis(200));
    } finally {
      pool.shutdownNow();
      c1.close();
      c2.close();
    }
  }

  private static List<Long> publishAll(WireClient client, String name, int count) {
    try (WireClient producer = client) {
      List<Long> seqs = new ArrayList<>();
      for (int n = 0; n < count; n++) {
        producer.send("{'action':'publish','topic':'news','message':{'p':'" + name + "','n':" + n + "}}");
        JsonObject reply = producer.next();
        assertThat(reply.getString("status")).isEqualTo("published");
        seqs.add(reply.getLong("seq"));
      }
      return seqs;
    }
  }
}
