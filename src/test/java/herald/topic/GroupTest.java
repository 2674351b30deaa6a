package herald.topic;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestCluster;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Consumer groups over real sockets, on one node and on a three-node cluster (members on different nodes):
 * each message goes to one member, is acked once, comes back after its ack wait or when its member leaves,
 * is dead-lettered after max_deliver; max_in_flight bounds what a member holds.
 */
class GroupTest {

  private static final Duration QUIET = Duration.ofMillis(700);

  /**
   * One single node and one three-node cluster for the whole class (a cluster takes seconds to form); each
   * test has topics of its own ({@link #T}, {@link #JOBS}), so no group's state carries over.
   */
  private static TestCluster single;
  private static TestCluster cluster;
  private static int tests;
  private static String T;
  private static String JOBS;

  static Stream<Named<Supplier<TestCluster>>> setups() {
    return Stream.of(
        Named.of("single node", () -> single == null ? single = TestCluster.single() : single),
        Named.of("3-node cluster", () -> cluster == null ? cluster = TestCluster.of(3) : cluster));
  }

  @org.junit.jupiter.api.BeforeEach
  void ownTopics() {
    tests++;
    T = "t" + tests;
    JOBS = "jobs" + tests;
  }

  @org.junit.jupiter.api.AfterAll
  static void stop() {
    for (TestCluster c : new TestCluster[] {single, cluster}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void threeMembersShareThreeThousandMessagesEachAckedOnce(Supplier<TestCluster> setup) throws Exception {
    int total = 3_000;
    TestCluster nodes = setup.get();
    try (WireClient publisher = nodes.connect(0);
        WireClient plain = nodes.connect(2)) {
      plain.send("{'action':'subscribe','topic':'" + JOBS + "'}").expect("{'status':'subscribed','topic':'" + JOBS + "'}");
      List<WireClient> workers = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        WireClient w = nodes.connect(i);
        w.send("{'action':'subscribe','topic':'" + JOBS + "','group':'workers'}")
            .expect("{'status':'subscribed','topic':'" + JOBS + "','group':'workers'}");
        workers.add(w);
      }
      ExecutorService pool = Executors.newFixedThreadPool(3);
      Set<Long> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
      java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
      List<Future<Integer>> counts = new ArrayList<>();
      try {
        for (WireClient w : workers) {
          counts.add(pool.submit(() -> work(w, seen, done, total)));
        }
        for (int i = 1; i <= total; i++) {
          publisher.send("{'action':'publish','topic':'" + JOBS + "','message':" + i + "}");
        }
        for (int i = 1; i <= total; i++) {
          assertThat(publisher.next().getString("status")).isEqualTo("published");
        }
        for (int i = 1; i <= total; i++) { // the plain subscriber still gets every message, in order
          assertThat(plain.next().getLong("seq")).isEqualTo(i);
        }
        List<Integer> perMember = new ArrayList<>();
        for (Future<Integer> f : counts) {
          perMember.add(f.get(60, TimeUnit.SECONDS));
        }
        assertThat(seen).hasSize(total);
        assertThat(perMember.stream().mapToInt(Integer::intValue).sum()).isEqualTo(total);
        assertThat(perMember).as("messages per member").allSatisfy(n -> assertThat(n).isGreaterThan(total / 10));
        JsonObject group = groupStats(nodes, JOBS, "workers");
        assertThat(group.getLong("acked")).isEqualTo(total);
        assertThat(group.getLong("unacked")).isZero();
        assertThat(group.getLong("redelivered")).isZero();
        // /metrics shows the same figures, refreshed each tick
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(metrics(nodes, 0)).contains("herald_group_acked{group=\"workers\",topic=\"" + JOBS + "\"} " + total + ".0")
                .contains("herald_group_members{group=\"workers\",topic=\"" + JOBS + "\"} " + (nodes.size() == 1 ? 3 : 1) + ".0")
                .contains("herald_group_unacked{group=\"workers\",topic=\"" + JOBS + "\"} 0.0"));
      } finally {
        pool.shutdownNow();
        workers.forEach(WireClient::close);
      }
    }
  }

  /** Acks each message as it comes, until the members together have acked {@code total}; returns its count. */
  private static int work(WireClient w, Set<Long> seen, java.util.concurrent.atomic.AtomicInteger done, int total) {
    int mine = 0;
    while (done.get() < total) {
      JsonObject m = w.poll(Duration.ofMillis(300));
      if (m == null) {
        continue;
      }
      if ("message".equals(m.getString("type"))) {
        assertThat(m.getString("group")).isEqualTo("workers");
        assertThat(m.getInteger("delivery")).isEqualTo(1);
        assertThat(seen.add(m.getLong("seq"))).as("seq %s delivered twice", m.getLong("seq")).isTrue();
        w.send("{'action':'ack','topic':'" + JOBS + "','group':'workers','seq':" + m.getLong("seq") + "}");
        mine++;
      } else {
        assertThat(m.getString("status")).as("%s", m).isEqualTo("acked");
        done.incrementAndGet();
      }
    }
    return mine;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void unackedComesBackAfterAckWaitAndAtOnceWhenItsMemberLeaves(Supplier<TestCluster> setup) {
    TestCluster nodes = setup.get();
    try (WireClient publisher = nodes.connect(0);
        WireClient slow = nodes.connect(1); WireClient other = nodes.connect(2)) {
      slow.send("{'action':'subscribe','topic':'" + T + "','group':'g','ack_wait_ms':500}")
          .expect("{'status':'subscribed','topic':'" + T + "','group':'g'}");
      publisher.send("{'action':'publish','topic':'" + T + "','message':'a'}").expect("{'status':'published','topic':'" + T + "','seq':1}");
      assertThat(slow.next()).isEqualTo(new JsonObject(WireClient.json(
          "{'type':'message','topic':'" + T + "','data':'a','seq':1,'group':'g','delivery':1}")));
      // Not acked: after its ack wait (and the next tick) it comes again, as delivery 2.
      JsonObject again = slow.next();
      assertThat(again.getLong("seq")).isEqualTo(1L);
      assertThat(again.getInteger("delivery")).isEqualTo(2);
      // An ack of what it no longer holds, or never held, is refused clearly.
      slow.send("{'action':'ack','topic':'" + T + "','group':'g','seq':7}").expectError("not_held");

      other.send("{'action':'subscribe','topic':'" + T + "','group':'g','ack_wait_ms':60000}")
          .expect("{'status':'subscribed','topic':'" + T + "','group':'g'}");
      slow.close(); // leaves holding seq 1: it goes to the other member at once, not after the ack wait
      JsonObject third = other.next(); // well within WireClient's timeout, far below 60 s
      assertThat(third.getLong("seq")).isEqualTo(1L);
      assertThat(third.getInteger("delivery")).isEqualTo(3);
      other.send("{'action':'ack','topic':'" + T + "','group':'g','seq':1}")
          .expect("{'status':'acked','topic':'" + T + "','group':'g','seq':1}");
      other.send("{'action':'ack','topic':'" + T + "','group':'g','seq':1}").expectError("not_held");
      JsonObject group = groupStats(nodes, T, "g");
      assertThat(group.getLong("redelivered")).isEqualTo(2L);
      assertThat(group.getLong("acked")).isEqualTo(1L);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void maxInFlightBoundsWhatAMemberHolds(Supplier<TestCluster> setup) {
    TestCluster nodes = setup.get();
    try (WireClient publisher = nodes.connect(0);
        WireClient small = nodes.connect(1)) {
      small.send("{'action':'subscribe','topic':'" + T + "','group':'g','max_in_flight':5}")
          .expect("{'status':'subscribed','topic':'" + T + "','group':'g'}");
      for (int i = 1; i <= 20; i++) {
        publisher.send("{'action':'publish','topic':'" + T + "','message':" + i + "}").next();
      }
      for (int i = 1; i <= 5; i++) {
        assertThat(small.next().getLong("seq")).isEqualTo(i);
      }
      small.expectNothing(QUIET); // holds 5, gets no sixth
      small.send("{'action':'ack','topic':'" + T + "','group':'g','upto':3}")
          .expect("{'status':'acked','topic':'" + T + "','group':'g','upto':3,'count':3}");
      for (int i = 6; i <= 8; i++) { // room for three more
        assertThat(small.next().getLong("seq")).isEqualTo(i);
      }
      small.expectNothing(QUIET);
      try (WireClient big = nodes.connect(2)) {
        big.send("{'action':'subscribe','topic':'" + T + "','group':'g'}").expect("{'status':'subscribed','topic':'" + T + "','group':'g'}");
        for (int i = 9; i <= 20; i++) { // the rest go to the member with room
          assertThat(big.next().getLong("seq")).isEqualTo(i);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void afterMaxDeliverTheMessageGoesToTheDeadLetterTopic(Supplier<TestCluster> setup) {
    TestCluster nodes = setup.get();
    try (WireClient publisher = nodes.connect(0);
        WireClient member = nodes.connect(1); WireClient dead = nodes.connect(2)) {
      dead.send("{'action':'subscribe','topic':'_dead.g." + T + "'}").expect("{'status':'subscribed','topic':'_dead.g." + T + "'}");
      member.send("{'action':'subscribe','topic':'" + T + "','group':'g','ack_wait_ms':200,'max_deliver':2}")
          .expect("{'status':'subscribed','topic':'" + T + "','group':'g'}");
      publisher.send("{'action':'publish','topic':'" + T + "','message':{'job':1}}").next();
      assertThat(member.next().getInteger("delivery")).isEqualTo(1);
      assertThat(member.next().getInteger("delivery")).isEqualTo(2);
      JsonObject letter = dead.next();
      assertThat(letter.getString("topic")).isEqualTo("_dead.g." + T);
      assertThat(letter.getJsonObject("data")).isEqualTo(new JsonObject(WireClient.json(
          "{'topic':'" + T + "','seq':1,'group':'g','deliveries':2,'data':{'job':1}}")));
      member.expectNothing(QUIET); // not a third time
      assertThat(groupStats(nodes, T, "g").getLong("dead_lettered")).isEqualTo(1L);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void aNewGroupStartsAtTheNewestAndAGroupKeepsWhatArrivesWhileNoMemberIsThere(Supplier<TestCluster> setup) {
    TestCluster nodes = setup.get();
    try (WireClient publisher = nodes.connect(0)) {
      for (int i = 1; i <= 3; i++) {
        publisher.send("{'action':'publish','topic':'" + T + "','message':" + i + "}").next();
      }
      try (WireClient first = nodes.connect(1)) {
        first.send("{'action':'subscribe','topic':'" + T + "','group':'new'}").expect("{'status':'subscribed','topic':'" + T + "','group':'new'}");
        first.expectNothing(QUIET); // a new group starts after the newest message
        first.send("{'action':'unsubscribe','topic':'" + T + "','group':'new'}")
            .expect("{'status':'unsubscribed','topic':'" + T + "','group':'new'}");
      }
      // With no member, the group keeps its place: what is published now waits for the next member.
      publisher.send("{'action':'publish','topic':'" + T + "','message':4}").next();
      publisher.send("{'action':'publish','topic':'" + T + "','message':5}").next();
      try (WireClient later = nodes.connect(2); WireClient replaying = nodes.connect(1)) {
        later.send("{'action':'subscribe','topic':'" + T + "','group':'new'}").expect("{'status':'subscribed','topic':'" + T + "','group':'new'}");
        assertThat(later.next().getLong("seq")).isEqualTo(4L);
        assertThat(later.next().getLong("seq")).isEqualTo(5L);
        replaying.send("{'action':'subscribe','topic':'" + T + "','group':'old','from':'earliest'}")
            .expect("{'status':'subscribed','topic':'" + T + "','group':'old'}");
        for (long seq = 1; seq <= 5; seq++) {
          assertThat(replaying.next().getLong("seq")).isEqualTo(seq);
        }
      }
    }
  }

  private static String metrics(TestCluster nodes, int i) throws Exception {
    java.net.http.HttpResponse<String> res = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + nodes.node(i).httpPort() + "/metrics"))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    return res.body();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void aGroupOnAPatternSharesEveryMatchingTopicIncludingNewOnes(Supplier<TestCluster> setup) {
    TestCluster nodes = setup.get();
    try (WireClient publisher = nodes.connect(0);
        WireClient a = nodes.connect(1); WireClient b = nodes.connect(2)) {
      publisher.send("{'action':'publish','topic':'" + JOBS + ".old','message':0}").next(); // before: not for the new group
      for (WireClient m : List.of(a, b)) {
        m.send("{'action':'subscribe','topic':'" + JOBS + ".*','group':'g','max_in_flight':1}")
            .expect("{'status':'subscribed','topic':'" + JOBS + ".*','group':'g'}");
      }
      // Two messages on an existing topic and two on a topic created now; one each in flight per member.
      for (String topic : List.of(JOBS + ".old", JOBS + ".old", JOBS + ".new", JOBS + ".new")) {
        publisher.send("{'action':'publish','topic':'" + topic + "','message':1}").next();
      }
      Map<String, List<Long>> got = new HashMap<>();
      for (int i = 0; i < 4; i++) {
        WireClient m = i % 2 == 0 ? a : b;
        JsonObject msg = null;
        for (WireClient candidate : List.of(m, m == a ? b : a)) {
          msg = candidate.poll(Duration.ofSeconds(3));
          if (msg != null) {
            m = candidate;
            break;
          }
        }
        if (msg == null) {
          StringBuilder why = new StringBuilder("message " + (i + 1) + " of 4 never came; got " + got);
          for (int n = 0; n < nodes.size(); n++) {
            why.append("\nnode ").append(n).append(": ").append(nodes.stats(n));
          }
          throw new AssertionError(why.toString());
        }
        assertThat(msg.getString("group")).isEqualTo("g");
        got.computeIfAbsent(msg.getString("topic"), t -> new ArrayList<>()).add(msg.getLong("seq"));
        m.send("{'action':'ack','topic':'" + msg.getString("topic") + "','group':'g','seq':" + msg.getLong("seq") + "}")
            .expect("{'status':'acked','topic':'" + msg.getString("topic") + "','group':'g','seq':" + msg.getLong("seq") + "}");
      }
      got.values().forEach(java.util.Collections::sort);
      assertThat(got).isEqualTo(Map.of(JOBS + ".old", List.of(2L, 3L), JOBS + ".new", List.of(1L, 2L)));
      a.expectNothing(QUIET);
      b.expectNothing(QUIET);
    }
  }

  /** The group's figures as the stats of the node that has a member of it (or the single node). */
  private static JsonObject groupStats(TestCluster nodes, String topic, String group) {
    for (int i = 0; i < nodes.size(); i++) {
      for (Object g : nodes.stats(i).getJsonArray("groups")) {
        JsonObject o = (JsonObject) g;
        if (o.getString("topic").equals(topic) && o.getString("group").equals(group)) {
          return o;
        }
      }
    }
    throw new AssertionError("no node shows group " + group + " on " + topic);
  }
}
