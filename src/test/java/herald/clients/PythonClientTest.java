package herald.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import herald.wire.NodeProcess;
import herald.wire.TestBroker;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the Python client's own tests (clients/python/tests, stdlib unittest) against real brokers: one node
 * in this JVM, and a two-node cluster of separate JVMs whose first node the Python failover test kills with
 * SIGKILL. Python is required: without it this test fails, so CI cannot pass while the client goes untested.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PythonClientTest {

  /** The single node's retention, small so that the Python gap test can outrun it quickly. */
  private static final int RETENTION = 50;

  /** The Python suite takes about 15 s; this bound only stops a hung run. */
  private static final long PYTHON_TIMEOUT_SECONDS = 120;

  @Test
  void pythonClientTestsPassAgainstARealBrokerAndCluster() throws Exception {
    String python = python3Version();
    System.out.println("PythonClientTest: using " + python);
    List<NodeProcess> cluster = NodeProcess.cluster(2);
    Vertx vertx = Vertx.vertx();
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("retention_max_messages", RETENTION))) {
      Map<String, String> env = Map.of(
          "HERALD_URL", "127.0.0.1:" + broker.port(),
          "HERALD_RETENTION_MAX_MESSAGES", String.valueOf(RETENTION),
          "HERALD_CLUSTER_URL", "127.0.0.1:" + cluster.get(0).port() + ",127.0.0.1:" + cluster.get(1).port(),
          "HERALD_KILL_PID", String.valueOf(cluster.get(0).pid()),
          "PYTHONDONTWRITEBYTECODE", "1");
      ProcessBuilder pb = new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", "clients/python/tests", "-v")
          .redirectErrorStream(true);
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
      assertThat(output.toString()).contains("test_a_subscriber_of_a_killed_node_resumes_on_another");
    } finally {
      cluster.forEach(NodeProcess::kill);
      vertx.close().await();
    }
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
