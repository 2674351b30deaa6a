package herald.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import herald.wire.NodeProcess;
import herald.wire.TestBroker;
import herald.wire.TestPki;
import herald.wire.TestUsers;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Python client's own tests (clients/python/tests, stdlib unittest) against real brokers: one node
 * in this JVM that speaks only TLS and requires auth, one that also requires client certificates, one plain
 * loopback node with no authentication, and a two-node cluster of separate JVMs, TLS and auth too, whose first node the Python failover test kills with
 * SIGKILL. Python is required: without it this test fails, so CI cannot pass while the client goes untested.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PythonClientTest {

  /** The secure node's retention, small so that the Python gap test can outrun it quickly. */
  private static final int RETENTION = 50;

  /** The Python suite takes about 20 s; this bound only stops a hung run. */
  private static final long PYTHON_TIMEOUT_SECONDS = 150;

  private static final String USER = "alice";

  /** Has every character a URL must percent-encode in its user info, so that the client's decoding is tested. */
  private static final String PASSWORD = "s3cret p@ss:w/rd%";

  private static final String SERVER_CN = "herald-python-tests";

  /** The users file denies alice this prefix, to publish and to subscribe, for the Python forbidden test. */
  private static final String DENIED = "secret.>";

  /** Python tests that must have run (not been skipped, not missing): the auth ones, the failover, groups, patterns. */
  private static final List<String> REQUIRED = List.of(
      "test_a_subscriber_of_a_killed_node_resumes_on_another",
      "test_a_wrong_password_is_auth_failed",
      "test_a_denied_topic_is_forbidden_and_the_connection_carries_on",
      "test_a_plain_loopback_node_without_authentication",
      "test_a_client_certificate_authenticates_its_cn",
      "test_the_tls_example_runs",
      "test_the_group_example_works",
      "test_the_pattern_example_gets_the_matching_topics",
      "test_two_group_members_share_the_messages",
      "test_a_member_whose_connection_drops_joins_again",
      "test_a_pattern_gets_each_matching_topic",
      "test_a_group_on_a_pattern_shares_its_topics",
      "test_a_pattern_resumes_the_topics_it_has_seen");

  @TempDir
  Path dir;

  @Test
  void pythonClientTestsPassAgainstARealBrokerAndCluster() throws Exception {
    String python = python3Version();
    System.out.println("PythonClientTest: using " + python);
    TestPki pki = TestPki.create(dir);
    // TestPki's usual server certificate names localhost too; this one names only 127.0.0.1, so that a Python
    // test can see a client refuse it when it connects to "localhost".
    Path[] server = pki.anotherServerCertificate(SERVER_CN);
    Path[] client = pki.clientCertificate(USER);
    Path users = writeUsersFile();
    List<NodeProcess> cluster = NodeProcess.cluster(2, 2, "herald-test-" + Long.toHexString(System.nanoTime()),
        new ArrayList<>(), Map.of(
            "HERALD_TLS_CERT", server[0].toString(),
            "HERALD_TLS_KEY", server[1].toString(),
            "HERALD_USERS_FILE", users.toString()));
    Vertx vertx = Vertx.vertx();
    JsonObject secure = new JsonObject()
        .put("retention_max_messages", RETENTION)
        .put("tls_cert", server[0].toString())
        .put("tls_key", server[1].toString())
        .put("users_file", users.toString());
    JsonObject clientCertificates = secure.copy().put("tls_client_ca", pki.caCert.toString());
    try (TestBroker broker = TestBroker.start(vertx, secure); TestBroker plain = TestBroker.start(vertx);
        TestBroker mtls = TestBroker.start(vertx, clientCertificates)) {
      String credentials = encode(USER) + ":" + encode(PASSWORD) + "@";
      Map<String, String> env = new HashMap<>();
      env.put("HERALD_URL", "tls://" + credentials + "127.0.0.1:" + broker.port());
      env.put("HERALD_TEST_CA_FILE", pki.caCert.toString());
      env.put("HERALD_TEST_DENIED", DENIED);
      env.put("HERALD_RETENTION_MAX_MESSAGES", String.valueOf(RETENTION));
      env.put("HERALD_PLAIN_URL", "127.0.0.1:" + plain.port());
      env.put("HERALD_MTLS_URL", "tls://127.0.0.1:" + mtls.port());
      env.put("HERALD_TEST_CLIENT_CERT", client[0].toString());
      env.put("HERALD_TEST_CLIENT_KEY", client[1].toString());
      env.put("HERALD_CLUSTER_URL", "tls://" + credentials
          + "127.0.0.1:" + cluster.get(0).port() + ",127.0.0.1:" + cluster.get(1).port());
      env.put("HERALD_KILL_PID", String.valueOf(cluster.get(0).pid()));
      env.put("PYTHONDONTWRITEBYTECODE", "1");
      ProcessBuilder pb = new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", "clients/python/tests", "-v")
          .redirectErrorStream(true);
      // A HERALD_PASSWORD or HERALD_TOKEN from the shell that runs Maven would change what the client sends.
      pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_"));
      pb.environment().putAll(env);
      Process tests = pb.start();
      StringBuilder output = new StringBuilder();
      Thread reader = new Thread(() -> stream(tests, output), "python-output");
      reader.start();
      if (!tests.waitFor(PYTHON_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        tests.destroyForcibly();
        fail("the Python tests did not finish within " + PYTHON_TIMEOUT_SECONDS + " s");
      }
      reader.join(5_000);

      assertThat(tests.exitValue()).as("python3 -m unittest exit code; output above").isZero();
      // A test skipped for want of a broker or cluster would pass without proving anything.
      assertThat(output.toString()).as("Python tests skipped").doesNotContain("skipped");
      for (String test : REQUIRED) {
        assertThat(output.toString()).contains(test);
      }
    } finally {
      cluster.forEach(NodeProcess::kill);
      vertx.close().await();
    }
  }

  /** alice, with every permission but {@link #DENIED}, her password hashed as {@code htpasswd -nbB} would. */
  private Path writeUsersFile() throws IOException {
    String hash = TestUsers.hash(PASSWORD);
    JsonObject allButDenied = new JsonObject().put("allow", new JsonArray().add(">")).put("deny", new JsonArray().add(DENIED));
    JsonObject alice = new JsonObject().put("name", USER).put("password", hash)
        .put("permissions", new JsonObject().put("publish", allButDenied).put("subscribe", allButDenied.copy()));
    Path users = dir.resolve("users.json");
    Files.writeString(users, new JsonObject().put("users", new JsonArray().add(alice)).encodePrettily());
    return users;
  }

  /** Percent-encodes for a URL's user info; URLEncoder writes a space as "+", which user info does not decode. */
  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** {@code python3 --version}, or a failure that says how to get Python. */
  private static String python3Version() throws InterruptedException {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor() == 0) {
        return version;
      }
      return fail("python3 --version failed: " + version);
    } catch (IOException e) {
      return fail("python3 is not installed, so the Python client (clients/python) cannot be tested. Install it "
          + "(Debian: apt-get install -y python3; .ci/run does this) and run again. (" + e.getMessage() + ")");
    }
  }

  /** Copies the Python run's output to the test log as it comes, and keeps it for the assertions. */
  private static void stream(Process p, StringBuilder output) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        System.out.println("python> " + line);
        synchronized (output) {
          output.append(line).append('\n');
        }
      }
    } catch (IOException e) {
      System.out.println("python> (output ended: " + e + ")");
    }
  }
}
