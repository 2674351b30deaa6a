package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.NodeProcess;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rolling restart, as Kubernetes does one: three nodes in their own JVMs; each in turn gets SIGTERM,
 * drains and leaves the cluster gracefully, and is replaced by a new process with the same Hazelcast port
 * and membership, which joins and turns ready before the next node goes. Publishers and subscribers run
 * throughout; a client told {@code shutting_down}, or whose connection ends, reconnects to another node
 * (subscribers resume each topic with {@code from: last_seq + 1}).
 *
 * <p><b>What is checked.</b> Every acknowledged message is stored at the seq it was acknowledged with
 * (replay from earliest returns it), and every subscriber received every stored message exactly once, in
 * seq order. A publisher retries only when nothing can have been stored ({@code unavailable},
 * {@code shutting_down} in place of the reply) or when the outcome is unknown: the connection was lost before
 * the reply, or the reply is an {@code unavailable} that says the message may have been stored. Those cases
 * are ambiguous: the broker may have stored the message without the publisher hearing of it, and the
 * retry then stores it again. Each message therefore carries a unique id ({@code p<publisher>-<n>}); a
 * stored message that is not the acknowledged copy of its id is allowed only if that id had a publish
 * attempt whose connection was lost before its reply, and there are at most as many such extra copies as
 * such attempts.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RollingRestartTest {

  private static final int NODES = 3;
  private static final int TOPICS = 4;
  private static final int PUBLISHERS = 2;
  private static final int SUBSCRIBERS = 2;
  /** Bounds by count: at most this many messages per publisher (the restarts normally end it sooner). */
  private static final int MAX_PER_PUBLISHER = 15_000;
  private static final long PUBLISH_PAUSE_MS = 5;
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  private static final int READ_TIMEOUT_MS = 30_000;

  @Test
  void restartingEveryNodeInTurnWithSigtermLosesNothingAcknowledged() throws Exception {
    String name = "herald-rolling-" + Long.toHexString(System.nanoTime());
    List<Integer> hzPorts = new ArrayList<>();
    Map<String, String> extra = Map.of(
        // As in the StatefulSet: a majority of three. With one node restarting, two remain, a majority, so
        // nothing may be refused for want of a quorum (no false refusals).
        "HERALD_CLUSTER_SIZE", String.valueOf(NODES),
        "HERALD_RETENTION_MAX_MESSAGES", "50000", // far above what the test publishes: replay returns all
        "HERALD_DRAIN_DELAY_SECONDS", "1",
        "HERALD_SHUTDOWN_TIMEOUT_SECONDS", "10");
    List<NodeProcess> nodes = new CopyOnWriteArrayList<>(NodeProcess.cluster(NODES, NODES, name, hzPorts, extra));
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      Endpoints endpoints = new Endpoints();
      for (NodeProcess n : nodes) {
        n.awaitReady();
        endpoints.add(n.port());
      }
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);

      List<Subscriber> subscribers = new ArrayList<>();
      List<Future<?>> subscribing = new ArrayList<>();
      for (int s = 0; s < SUBSCRIBERS; s++) {
        Subscriber sub = new Subscriber(endpoints, nodes.get(s % NODES).port(), deadline);
        subscribers.add(sub);
        subscribing.add(pool.submit(sub::run));
      }
      for (Subscriber sub : subscribers) {
        assertThat(sub.subscribed.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("subscribed").isTrue();
      }
      List<Publisher> publishers = new ArrayList<>();
      List<Future<?>> publishing = new ArrayList<>();
      for (int p = 0; p < PUBLISHERS; p++) {
        Publisher pub = new Publisher(p, endpoints, nodes.get((p + 1) % NODES).port(), deadline);
        publishers.add(pub);
        publishing.add(pool.submit(pub::run));
      }

      Thread.sleep(2_000);
      for (int i = 0; i < NODES; i++) {
        NodeProcess old = nodes.get(i);
        // A load balancer stops sending new clients once readiness fails (the drain delay covers it).
        endpoints.remove(old.port());
        long acksBefore = publishers.stream().mapToLong(Publisher::ackCount).sum();
        old.terminate(); // SIGTERM; waits for the drain, the graceful leave and exit code 0
        NodeProcess fresh = old.restart();
        nodes.set(i, fresh);
        fresh.awaitMembers(NODES);
        fresh.awaitReady();
        endpoints.add(fresh.port());
        System.out.printf("rolling restart: node %d replaced; %d acks meanwhile%n", i,
            publishers.stream().mapToLong(Publisher::ackCount).sum() - acksBefore);
        Thread.sleep(1_000);
      }
      Thread.sleep(2_000);
      publishers.forEach(p -> p.stop = true);
      for (Future<?> f : publishing) {
        f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }

      // One end marker per topic, published after every other message: its seq is the topic's length.
      Map<String, Long> endSeq = new HashMap<>();
      try (LineClient c = LineClient.connect(nodes.get(0).port())) {
        for (int t = 0; t < TOPICS; t++) {
          endSeq.put("t" + t, publishEnd(c, "t" + t));
        }
      }
      subscribers.forEach(s -> s.finish(endSeq));
      for (Future<?> f : subscribing) {
        f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }

      // Replay from earliest on a node that did not exist when the test began.
      Map<String, List<String>> stored = replayAll(nodes.get(1).port(), endSeq);

      Map<String, Ack> acked = new HashMap<>();
      Set<String> ambiguous = new HashSet<>();
      int ambiguousAttempts = 0;
      for (Publisher p : publishers) {
        for (Ack a : p.acks) {
          assertThat(acked.put(a.id, a)).as("%s acknowledged once", a.id).isNull();
        }
        ambiguous.addAll(p.ambiguous);
        ambiguousAttempts += p.ambiguousAttempts;
        p.assertSeqsIncreasePerTopic();
      }
      // Nothing acknowledged was lost: each is stored at the seq it was acknowledged with.
      for (Ack a : acked.values()) {
        assertThat(stored.get(a.topic).get((int) (a.seq - 1))).as("seq %d of %s", a.seq, a.topic).isEqualTo(a.id);
      }
      // Anything else stored is an extra copy from a publish whose connection was lost before its reply.
      int extras = 0;
      for (Map.Entry<String, List<String>> e : stored.entrySet()) {
        List<String> ids = e.getValue();
        assertThat(ids.get(ids.size() - 1)).isEqualTo("end");
        for (int i = 0; i < ids.size() - 1; i++) {
          String id = ids.get(i);
          Ack a = acked.get(id);
          if (a == null || !a.topic.equals(e.getKey()) || a.seq != i + 1) {
            assertThat(ambiguous).as("stored but not acknowledged at seq %d of %s: %s", i + 1, e.getKey(), id)
                .contains(id);
            extras++;
          }
        }
      }
      assertThat(extras).isLessThanOrEqualTo(ambiguousAttempts);
      // Every subscriber received every stored message exactly once, in seq order.
      for (Subscriber s : subscribers) {
        assertThat(s.received).isEqualTo(stored);
      }

      int told = publishers.stream().mapToInt(p -> p.shuttingDown).sum()
          + subscribers.stream().mapToInt(s -> s.shuttingDown.get()).sum();
      int reconnects = publishers.stream().mapToInt(p -> p.reconnects).sum()
          + subscribers.stream().mapToInt(s -> s.reconnects.get()).sum();
      System.out.printf("rolling restart: %d acknowledged, %d extra stored copies, %d ambiguous attempts,"
          + " %d shutting_down notices, %d reconnects%n", acked.size(), extras, ambiguousAttempts, told, reconnects);
      assertThat(acked).hasSizeGreaterThan(100);
      assertThat(told).as("clients were told shutting_down").isPositive();
      assertThat(reconnects).as("clients moved between nodes").isPositive();
    } finally {
      pool.shutdownNow();
      nodes.forEach(NodeProcess::kill);
    }
  }

  private static long publishEnd(LineClient c, String topic) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      c.send(new JsonObject().put("action", "publish").put("topic", topic).put("message", new JsonObject().put("end", true)));
      JsonObject reply = c.read();
      assertThat(reply).as("reply to the end marker").isNotNull();
      if ("published".equals(reply.getString("status"))) {
        return reply.getLong("seq");
      }
      assertThat(reply.getString("error")).as("%s", reply).isEqualTo("unavailable");
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static Map<String, List<String>> replayAll(int port, Map<String, Long> endSeq) throws IOException {
    Map<String, List<String>> stored = new HashMap<>();
    try (LineClient c = LineClient.connect(port)) {
      for (String topic : endSeq.keySet()) {
        stored.put(topic, new ArrayList<>());
        c.send(new JsonObject().put("action", "subscribe").put("topic", topic).put("from", "earliest"));
      }
      int replies = 0;
      while (replies < endSeq.size() || stored.entrySet().stream().anyMatch(e -> e.getValue().size() < endSeq.get(e.getKey()))) {
        JsonObject f = c.read();
        assertThat(f).as("replay frame").isNotNull();
        if ("subscribed".equals(f.getString("status"))) {
          assertThat(f.getLong("from")).as("%s", f).isEqualTo(1);
          replies++;
        } else {
          assertThat(f.getString("type")).as("%s", f).isEqualTo("message");
          List<String> ids = stored.get(f.getString("topic"));
          assertThat(f.getLong("seq")).isEqualTo(ids.size() + 1L);
          ids.add(id(f));
        }
      }
    }
    return stored;
  }

  /** The message id of a pushed message frame: {@code p<publisher>-<n>}, or {@code end}. */
  private static String id(JsonObject message) {
    JsonObject data = message.getJsonObject("data");
    return data.containsKey("end") ? "end" : "p" + data.getInteger("p") + "-" + data.getInteger("n");
  }

  private record Ack(String id, String topic, long seq) {}

  /** The client ports of the nodes that are ready, as a load balancer would offer them. */
  private static final class Endpoints {
    private final List<Integer> ports = new CopyOnWriteArrayList<>();

    void add(int port) {
      ports.add(port);
    }

    void remove(int port) {
      ports.remove((Integer) port);
    }

    /** Connects to a ready node other than {@code avoid} if there is one; retries within the deadline. */
    LineClient connect(int avoid, long deadline) throws InterruptedException {
      for (int attempt = 0; ; attempt++) {
        List<Integer> choice = new ArrayList<>(ports);
        if (choice.size() > 1) {
          choice.remove((Integer) avoid);
        }
        if (!choice.isEmpty()) {
          try {
            return LineClient.connect(choice.get(attempt % choice.size()));
          } catch (IOException e) {
            // that node is going away: try the next
          }
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no node to connect to");
        }
        Thread.sleep(100);
      }
    }
  }

  /** Publishes {@code {"p":p,"n":n}} to topic {@code t<n % TOPICS>}, one at a time, until stopped. */
  private static final class Publisher {
    final int p;
    final Endpoints endpoints;
    final long deadline;
    final List<Ack> acks = new CopyOnWriteArrayList<>();
    final Set<String> ambiguous = ConcurrentHashMap.newKeySet();
    volatile int ambiguousAttempts;
    volatile int shuttingDown;
    volatile int reconnects;
    volatile boolean stop;
    private int port;

    Publisher(int p, Endpoints endpoints, int firstPort, long deadline) {
      this.p = p;
      this.endpoints = endpoints;
      this.port = firstPort;
      this.deadline = deadline;
    }

    long ackCount() {
      return acks.size();
    }

    void run() {
      LineClient c = null;
      try {
        try {
          c = LineClient.connect(port);
        } catch (IOException e) {
          throw new AssertionError(e);
        }
        for (int n = 0; n < MAX_PER_PUBLISHER && !stop; n++) {
          String topic = "t" + (n % TOPICS);
          String id = "p" + p + "-" + n;
          JsonObject frame = new JsonObject().put("action", "publish").put("topic", topic).put("id", id)
              .put("message", new JsonObject().put("p", p).put("n", n));
          while (true) {
            assertThat(System.nanoTime()).as("publisher %d deadline", p).isLessThan(deadline);
            if (c == null) {
              c = endpoints.connect(port, deadline);
              port = c.port;
              reconnects++;
            }
            JsonObject reply;
            try {
              c.send(frame);
              reply = c.read();
            } catch (IOException e) {
              reply = null;
            }
            if (reply == null) { // lost before the reply: the message may or may not be stored
              ambiguous.add(id);
              ambiguousAttempts++;
              c.close();
              c = null;
              continue;
            }
            if ("published".equals(reply.getString("status"))) {
              assertThat(reply.getString("id")).isEqualTo(id);
              acks.add(new Ack(id, topic, reply.getLong("seq")));
              break;
            }
            String error = reply.getString("error");
            if ("shutting_down".equals(error)) { // sent in place of the reply: the publish was not read
              shuttingDown++;
              c.close();
              c = null;
            } else {
              assertThat(error).as("%s", reply).isEqualTo("unavailable");
              if (reply.getString("detail").startsWith("the message may have been stored")) {
                ambiguous.add(id); // the owner left mid-append (docs/protocol.md): a retry may store it twice
                ambiguousAttempts++;
              }
              Thread.sleep(100); // else nothing was stored: retry
            }
          }
          Thread.sleep(PUBLISH_PAUSE_MS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (c != null) {
          c.close();
        }
      }
    }

    void assertSeqsIncreasePerTopic() {
      Map<String, Long> last = new HashMap<>();
      for (Ack a : acks) {
        Long before = last.put(a.topic, a.seq);
        assertThat(a.seq).as("%s", a).isGreaterThan(before == null ? 0 : before);
      }
    }
  }

  /** Subscribes to every topic and follows them across reconnects, checking seq order as frames arrive. */
  private static final class Subscriber {
    final Endpoints endpoints;
    final long deadline;
    final CountDownLatch subscribed = new CountDownLatch(TOPICS);
    final Map<String, List<String>> received = new ConcurrentHashMap<>();
    final AtomicInteger shuttingDown = new AtomicInteger();
    final AtomicInteger reconnects = new AtomicInteger();
    private volatile Map<String, Long> endSeq;
    private int port;

    Subscriber(Endpoints endpoints, int firstPort, long deadline) {
      this.endpoints = endpoints;
      this.port = firstPort;
      this.deadline = deadline;
      for (int t = 0; t < TOPICS; t++) {
        received.put("t" + t, new ArrayList<>());
      }
    }

    void finish(Map<String, Long> endSeq) {
      this.endSeq = Map.copyOf(endSeq);
    }

    private boolean done() {
      Map<String, Long> end = endSeq;
      return end != null && end.entrySet().stream().allMatch(e -> received.get(e.getKey()).size() >= e.getValue());
    }

    void run() {
      boolean first = true;
      while (!done()) {
        assertThat(System.nanoTime()).as("subscriber deadline").isLessThan(deadline);
        LineClient c;
        try {
          c = first ? LineClient.connect(port) : endpoints.connect(port, deadline);
        } catch (IOException e) {
          throw new AssertionError(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (!first) {
          reconnects.incrementAndGet();
        }
        first = false;
        port = c.port;
        try (c) {
          follow(c);
        } catch (IOException lost) {
          // reconnect and resume
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }

    /** Subscribes from last_seq + 1 and reads until done or the connection ends. */
    private void follow(LineClient c) throws IOException, InterruptedException {
      Map<String, Long> asked = new HashMap<>();
      for (String topic : received.keySet()) {
        asked.put(topic, subscribe(c, topic));
      }
      while (!done()) {
        JsonObject f = c.read();
        if (f == null) {
          return;
        }
        if ("message".equals(f.getString("type"))) {
          String topic = f.getString("topic");
          List<String> ids = received.get(topic);
          assertThat(f.getLong("seq")).as("next seq of %s (no gap, no duplicate)", topic).isEqualTo(ids.size() + 1L);
          ids.add(id(f));
        } else if ("subscribed".equals(f.getString("status"))) {
          String topic = f.getString("topic");
          assertThat(f.getLong("from")).as("%s", f).isEqualTo(asked.get(topic));
          subscribed.countDown();
        } else if ("shutting_down".equals(f.getString("error"))) {
          shuttingDown.incrementAndGet();
          return;
        } else {
          assertThat(f.getString("error")).as("%s", f).isEqualTo("unavailable");
          Thread.sleep(200);
          String topic = f.getString("id").substring("sub-".length());
          asked.put(topic, subscribe(c, topic));
        }
      }
    }

    private long subscribe(LineClient c, String topic) throws IOException {
      long from = received.get(topic).size() + 1L;
      c.send(new JsonObject().put("action", "subscribe").put("topic", topic).put("id", "sub-" + topic).put("from", from));
      return from;
    }
  }

  /** A plain blocking client; {@link #read()} returns null when the connection ends. */
  private static final class LineClient implements Closeable {
    final int port;
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    private LineClient(int port, Socket socket) throws IOException {
      this.port = port;
      this.socket = socket;
      this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      this.out = socket.getOutputStream();
    }

    static LineClient connect(int port) throws IOException {
      Socket s = new Socket();
      try {
        s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        s.setSoTimeout(READ_TIMEOUT_MS);
        s.setTcpNoDelay(true);
        LineClient c = new LineClient(port, s);
        JsonObject greeting = c.read();
        if (greeting == null || !"connected".equals(greeting.getString("status"))) {
          throw new IOException("no greeting from " + port + ": " + greeting);
        }
        return c;
      } catch (IOException e) {
        s.close();
        throw e;
      }
    }

    void send(JsonObject frame) throws IOException {
      out.write((frame.encode() + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    /** The next frame; null at the end of the connection (a cut-off partial line counts as the end). */
    JsonObject read() throws IOException {
      String line = in.readLine();
      if (line == null) {
        return null;
      }
      try {
        return new JsonObject(line);
      } catch (DecodeException partial) {
        return null;
      }
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closed already
      }
    }
  }
}
