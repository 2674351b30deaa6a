package herald.auth;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestBroker;
import herald.wire.TestUsers;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Protected mode seen from a client that is not on loopback: the test makes a network namespace joined to
 * this one by a veth pair, runs the client inside it, and removes both afterwards. Needs root and iproute2,
 * as CI has.
 */
@ExtendWith(VertxExtension.class)
class ProtectedModeTest {

  private static final int NET = ThreadLocalRandom.current().nextInt(1, 250);
  private static final String NS = "herald-pm-" + ProcessHandle.current().pid();
  private static final String HOST_SIDE = "hpm" + ProcessHandle.current().pid() + "a";
  /** The broker's address on the veth pair, and the namespace's: a /30 of our own, reachable from nowhere else. */
  private static final String BROKER_IP = "10.231." + NET + ".1";
  private static final String CLIENT_IP = "10.231." + NET + ".2";

  @TempDir Path dir;

  @BeforeAll
  static void makeNamespace() throws Exception {
    run("ip", "netns", "add", NS);
    String nsSide = HOST_SIDE.substring(0, HOST_SIDE.length() - 1) + "b";
    run("ip", "link", "add", HOST_SIDE, "type", "veth", "peer", "name", nsSide);
    run("ip", "link", "set", nsSide, "netns", NS);
    run("ip", "addr", "add", BROKER_IP + "/30", "dev", HOST_SIDE);
    run("ip", "link", "set", HOST_SIDE, "up");
    run("ip", "netns", "exec", NS, "ip", "addr", "add", CLIENT_IP + "/30", "dev", nsSide);
    run("ip", "netns", "exec", NS, "ip", "link", "set", nsSide, "up");
    run("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up");
  }

  @AfterAll
  static void removeNamespace() throws Exception {
    // Deleting the namespace deletes the veth end in it, and with it its peer here.
    runQuietly("ip", "netns", "del", NS);
    runQuietly("ip", "link", "del", HOST_SIDE);
  }

  @Test
  void withNothingConfiguredAClientOffLoopbackIsRefusedNamingTheSettings(Vertx vertx) throws Exception {
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("host", "0.0.0.0"))) {
      List<String> lines = clientInNamespace(broker.port());
      assertThat(lines).hasSize(1); // the refusal, then the connection ends
      JsonObject refusal = new JsonObject(lines.get(0));
      assertThat(refusal.getString("error")).isEqualTo("auth_required");
      assertThat(refusal.getString("detail")).contains("HERALD_USERS_FILE", "HERALD_ALLOW_ANONYMOUS");
      // The same node serves a loopback client as before: the README's nc minute.
      try (WireClient local = broker.connect()) {
        assertThat(local.greeting().getString("auth")).isEqualTo("none");
        local.send("{'action':'publish','topic':'news','message':1}").expect("{'status':'published','topic':'news','seq':1}");
      }
    }
  }

  @Test
  void allowAnonymousServesItAndWithUsersItMayAuthenticate(Vertx vertx) throws Exception {
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("host", "0.0.0.0").put("allow_anonymous", true))) {
      JsonObject greeting = new JsonObject(clientInNamespace(broker.port()).get(0));
      assertThat(greeting.getString("status")).isEqualTo("connected");
      assertThat(greeting.getString("auth")).isEqualTo("none");
    }
    Path users = TestUsers.write(dir.resolve("users.json"), "{'users':[]}");
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("host", "0.0.0.0")
        .put("users_file", users.toString()))) {
      JsonObject greeting = new JsonObject(clientInNamespace(broker.port()).get(0));
      assertThat(greeting.getString("status")).isEqualTo("connected");
      assertThat(greeting.getString("auth")).isEqualTo("required");
    }
  }

  @Test
  void theApiFollowsProtectedModeWhileHealthAndMetricsStayOpen(Vertx vertx) throws Exception {
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("host", "0.0.0.0"))) {
      String refused = httpInNamespace(broker.httpPort(), "/api/overview");
      assertThat(refused).startsWith("401 ");
      JsonObject body = new JsonObject(refused.substring(4));
      assertThat(body.getString("error")).isEqualTo("auth_required");
      assertThat(body.getString("detail")).contains("HERALD_USERS_FILE", "HERALD_ALLOW_ANONYMOUS");
      assertThat(httpInNamespace(broker.httpPort(), "/health/live")).startsWith("200 ");
      assertThat(httpInNamespace(broker.httpPort(), "/metrics")).startsWith("200 ");
      assertThat(broker.http("/api/overview")).as("loopback is served").contains("\"members\"");
    }
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("host", "0.0.0.0").put("allow_anonymous", true))) {
      assertThat(httpInNamespace(broker.httpPort(), "/api/overview")).startsWith("200 ");
    }
  }

  /** GETs {@code path} from inside the namespace; returns the status, a space, and the body. */
  private static String httpInNamespace(int port, String path) throws Exception {
    String script = String.join("\n",
        "import sys, urllib.request, urllib.error",
        "try:",
        "    r = urllib.request.urlopen('http://" + BROKER_IP + ":" + port + path + "', timeout=8)",
        "    sys.stdout.write(str(r.status) + ' ' + r.read().decode())",
        "except urllib.error.HTTPError as e:",
        "    sys.stdout.write(str(e.code) + ' ' + e.read().decode())");
    Process p = new ProcessBuilder("ip", "netns", "exec", NS, "python3", "-c", script).redirectErrorStream(true).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("client in namespace finished").isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /** Connects from inside the namespace, sends a ping, and returns every line received until the node closes. */
  private static List<String> clientInNamespace(int port) throws Exception {
    String script = String.join("\n",
        "import socket, sys",
        "s = socket.create_connection(('" + BROKER_IP + "', " + port + "), 5)",
        "s.settimeout(8)",
        "first = s.recv(65536)",
        "data = first",
        "if b'connected' in first:",
        "    sys.stdout.write(first.decode()); sys.exit(0)",
        "try:",
        "    s.sendall(b'{\"action\":\"ping\"}\\n')",
        "    while True:",
        "        chunk = s.recv(65536)",
        "        if not chunk: break",
        "        data += chunk",
        "except OSError:",
        "    pass",
        "sys.stdout.write(data.decode())");
    Process p = new ProcessBuilder("ip", "netns", "exec", NS, "python3", "-c", script).redirectErrorStream(true).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("client in namespace finished").isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().filter(l -> !l.isBlank()).toList();
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: "
          + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static void runQuietly(String... command) throws Exception {
    new ProcessBuilder(command).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
  }
}
