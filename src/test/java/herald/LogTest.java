package herald;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.NodeProcess;
import herald.wire.WireClient;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The log of a node run as a user runs it (its own JVM, the shipped logging configuration), under the
 * traffic of a load test gone wrong or of a hostile network: resets, garbage, floods of bad JSON, oversized
 * frames, slow consumers, connections opened and dropped, idle connections. All of that is normal client
 * behaviour: it is counted in /metrics and must neither flood the log nor show as an error.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class LogTest {

  // How much abuse, each bounded. Enough of each that one log line per event would break the budget below.
  private static final int RESETS = 50;
  private static final int GARBAGE_CONNECTIONS = 50;
  private static final int BAD_JSON_LINES = 2_000;
  private static final int OVERSIZED = 20;
  private static final int OPENED_AND_DROPPED = 100;
  private static final int IDLE = 5;
  /**
   * Short, so the idle connections time out within the run; long enough that the test's own connections,
   * each busy from its first frame, never pause that long on a loaded 2-core machine.
   */
  private static final int IDLE_TIMEOUT_SECONDS = 5;
  private static final int SLOW_CONSUMERS = 3;
  /**
   * Publishes that the slow consumers' topic gets at most, of 900 bytes each (under the 1,024-byte frame
   * limit set below): about 18 MB, far beyond what the kernel's socket buffers can hold for them.
   */
  private static final int MAX_FLOOD_PUBLISHES = 20_000;

  /**
   * A node's whole log for this run: its start-up (security mode, listening, HTTP: 3 lines), one INFO line
   * per slow consumer cut off (3), and its drain (5 lines), with room to spare for a line or two more; a
   * line per bad request or per connection (over 2,000 here) is far beyond it.
   */
  private static final int ABUSE_LOG_BUDGET = 25;

  /**
   * A cluster node's start-up log, text format: Herald's 3 lines; Hazelcast's member list each time it
   * changes (about 7 lines for three members, and the node may see lists of 1, 2 and 3); on the master,
   * its two partition-migration lines. Before trimming a node logged about 45 lines here (the banner,
   * the configuration notes, every cluster connection, the health monitor).
   */
  private static final int CLUSTER_START_BUDGET = 35;

  private static final Pattern COUNTER = Pattern.compile("^(herald_\\w+_total)\\S* (\\S+)$", Pattern.MULTILINE);

  @ParameterizedTest
  @ValueSource(strings = {"text", "json"})
  void abuseIsCountedButStaysOutOfTheLog(String format) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("HERALD_HOST", "127.0.0.1", "HERALD_PORT", "0",
        "HERALD_NODE_ID", "abused-" + format, "HERALD_LOG_FORMAT", format,
        "HERALD_IDLE_TIMEOUT_SECONDS", String.valueOf(IDLE_TIMEOUT_SECONDS), "HERALD_MAX_FRAME_BYTES", "1024", "HERALD_MAX_OUTBOUND_BYTES", "1024"));
    NodeProcess node = NodeProcess.start(env);
    try {
      node.awaitReady();
      int port = node.port();
      abuse(node, port);
      Map<String, Double> counters = counters(node);
      assertThat(counters.get("herald_bad_frames_total")).as("bad frames counted")
          .isGreaterThanOrEqualTo(GARBAGE_CONNECTIONS + BAD_JSON_LINES + OVERSIZED);
      assertThat(counters.get("herald_idle_timeouts_total")).as("idle timeouts counted").isGreaterThanOrEqualTo(IDLE);
      assertThat(counters.get("herald_slow_consumers_disconnected_total")).isEqualTo(SLOW_CONSUMERS);
      assertThat(counters.get("herald_connection_errors_total")).as("resets counted").isGreaterThan(0);
      node.terminate();
    } finally {
      node.kill();
    }
    List<String> lines = node.finalLog().lines().toList();
    String all = String.join("\n", lines);
    assertThat(lines).as("the log stays within its budget:\n" + all).hasSizeLessThanOrEqualTo(ABUSE_LOG_BUDGET);
    assertThat(all).as("the node says it served and stopped").contains("listening on").contains("stopped");
    if (format.equals("json")) {
      for (String line : lines) {
        JsonObject event = parse(line);
        assertThat(event.fieldNames()).as(line).contains("timestamp", "level", "logger", "node", "message");
        assertThat(event.getString("node")).as(line).isEqualTo("abused-json");
        assertThat(event.getString("level")).as(line).isIn("INFO", "WARN");
        assertThat(event.containsKey("exception")).as("no stack trace: " + line).isFalse();
      }
    } else {
      for (String line : lines) {
        // Every line is an event of its own, naming the node: a stack trace's "\tat ..." would not be.
        assertThat(line).matches("\\S+ (INFO |WARN ) abused-text \\S+: .*");
      }
    }
  }

  @Test
  void clusterStartUpIsShort() {
    List<NodeProcess> nodes = NodeProcess.cluster(3);
    try {
      for (NodeProcess n : nodes) {
        n.awaitReady(); // partitions migrated: what Hazelcast says about that has been said
      }
      for (NodeProcess n : nodes) {
        List<String> lines = n.log().lines().toList();
        assertThat(lines).as("a cluster node's start-up log:\n" + n.log()).hasSizeLessThanOrEqualTo(CLUSTER_START_BUDGET);
        assertThat(n.log()).as("members are still logged").contains("Members {size:3");
        assertThat(lines).as("nothing at ERROR").noneMatch(l -> l.matches("\\S+ ERROR .*"));
      }
    } finally {
      nodes.forEach(NodeProcess::kill);
    }
  }

  private static void abuse(NodeProcess node, int port) throws Exception {
    for (int i = 0; i < RESETS; i++) {
      try (WireClient c = WireClient.connect(port)) {
        c.send("{'action':'ping','id':" + i + "}").expect("{'status':'pong','id':" + i + "}");
        c.abort(); // RST
      }
    }
    Random random = new Random(14);
    for (int i = 0; i < GARBAGE_CONNECTIONS; i++) {
      try (WireClient c = WireClient.connect(port)) {
        byte[] garbage = new byte[200];
        random.nextBytes(garbage);
        for (int b = 0; b < garbage.length; b++) {
          if (garbage[b] == '\n') {
            garbage[b] = 'x';
          }
        }
        c.sendRaw(garbage).sendRaw("\n".getBytes(StandardCharsets.US_ASCII));
        c.next(); // an error reply; the connection carries on, and the client drops it
      }
    }
    try (WireClient c = WireClient.connect(port)) {
      StringBuilder flood = new StringBuilder();
      for (int i = 0; i < BAD_JSON_LINES; i++) {
        flood.append("{\"action\":\"publish\",\"topic\":").append(i).append('\n');
      }
      c.sendRaw(flood.toString().getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < BAD_JSON_LINES; i++) {
        assertThat(c.next().getString("status")).isEqualTo("error");
      }
    }
    byte[] oversized = new byte[2_048];
    Arrays.fill(oversized, (byte) 'a');
    for (int i = 0; i < OVERSIZED; i++) {
      try (WireClient c = WireClient.connect(port)) {
        c.sendRaw(oversized);
        c.expectError("frame_too_large");
      }
    }
    for (int i = 0; i < OPENED_AND_DROPPED; i++) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port));
      }
    }
    List<WireClient> idle = new java.util.ArrayList<>();
    for (int i = 0; i < IDLE; i++) {
      idle.add(WireClient.connect(port));
    }
    slowConsumers(node, port);
    for (WireClient c : idle) {
      c.expectError("idle_timeout");
      c.close();
    }
  }

  /** Subscribers that never read, under a flood of publishes, until the node has cut each one off. */
  private static void slowConsumers(NodeProcess node, int port) throws IOException {
    List<WireClient> slow = new java.util.ArrayList<>();
    for (int i = 0; i < SLOW_CONSUMERS; i++) {
      WireClient s = WireClient.connectWithReceiveBuffer(port, 4_096);
      s.send("{'action':'subscribe','topic':'flood'}").expect("{'status':'subscribed','topic':'flood'}");
      slow.add(s);
    }
    try (WireClient producer = WireClient.connect(port)) {
      String body = "x".repeat(900);
      String publish = "{\"action\":\"publish\",\"topic\":\"flood\",\"message\":\"" + body + "\"}\n";
      for (int sent = 0; sent < MAX_FLOOD_PUBLISHES; sent += 100) {
        producer.sendRaw(publish.repeat(100).getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 100; i++) {
          producer.next();
        }
        // The subscribers keep talking, though they never read, so that they are cut off as slow
        // consumers rather than as idle ones; once cut off, the write fails, which is expected.
        for (WireClient s : slow) {
          try {
            s.send("{'action':'ping'}");
          } catch (AssertionError closed) {
            // cut off already
          }
        }
        if (scrape(node).getOrDefault("herald_slow_consumers_disconnected_total", 0.0) >= SLOW_CONSUMERS) {
          break;
        }
      }
    } finally {
      slow.forEach(WireClient::abort);
    }
  }

  /** The node's herald_*_total counters once every slow consumer has been counted. */
  private static Map<String, Double> counters(NodeProcess node) {
    return Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scrape(node),
        c -> c.getOrDefault("herald_slow_consumers_disconnected_total", 0.0) >= SLOW_CONSUMERS);
  }

  private static Map<String, Double> scrape(NodeProcess node) {
    Map<String, Double> counters = new HashMap<>();
    Matcher m = COUNTER.matcher(node.get("/metrics").body());
    while (m.find()) {
      counters.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
    }
    return counters;
  }

  private static JsonObject parse(String line) {
    try {
      return new JsonObject(line);
    } catch (DecodeException e) {
      throw new AssertionError("not one JSON object per line: " + line, e);
    }
  }
}
