package herald;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The node as a user runs it: a separate JVM, configured by environment, stopped by SIGTERM. */
class ProcessTest {

  private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

  @Test
  void sigtermAnswersWhatIsInFlightTellsClientsAndExitsZero() throws Exception {
    Process node = start(Map.of("HERALD_HOST", "127.0.0.1", "HERALD_PORT", "0", "HERALD_HTTP_PORT", "0"));
    try {
      int port = awaitPort(node);
      try (WireClient client = WireClient.connect(port)) {
        client.send("{'action':'subscribe','topic':'t'}").expect("{'status':'subscribed','topic':'t'}");
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 200; i++) {
          burst.append("{\"action\":\"publish\",\"topic\":\"other\",\"message\":").append(i).append("}\n");
        }
        client.sendRaw(burst.toString().getBytes(StandardCharsets.US_ASCII));
        node.destroy(); // SIGTERM

        // Every request the node read is answered, in order, then it says it is going away, then closes.
        long seq = 0;
        JsonObject frame = client.next();
        while ("published".equals(frame.getString("status"))) {
          assertThat(frame.getLong("seq")).isEqualTo(++seq);
          frame = client.next();
        }
        assertThat(frame.getString("error")).isEqualTo("shutting_down");
        client.expectClosed();
      }
      assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(node.exitValue()).isEqualTo(0);
    } finally {
      node.destroyForcibly();
    }
  }

  @Test
  void malformedEnvironmentValueStopsStartupNamingTheKey() throws Exception {
    Process node = start(Map.of("HERALD_PORT", "eighty"));
    String output = readAll(node);
    assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).isEqualTo(2);
    assertThat(output).contains("HERALD_PORT").contains("eighty");
  }

  @Test
  void malformedConfigFileStopsStartupNamingTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad-config.json");
    Files.writeString(file, "{\"port\": 8888,");
    Process node = start(Map.of("HERALD_CONFIG", file.toString()));
    String output = readAll(node);
    assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).isEqualTo(2);
    assertThat(output).contains("bad-config.json");
  }

  @Test
  void unreadableTlsFilesStopStartupNamingTheSetting(@TempDir Path dir) throws Exception {
    Process node = start(Map.of("HERALD_TLS_CERT", dir.resolve("tls.crt").toString(),
        "HERALD_TLS_KEY", dir.resolve("tls.key").toString(), "HERALD_PORT", "0", "HERALD_HTTP_PORT", "0"));
    String output = readAll(node);
    assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).isEqualTo(2);
    assertThat(output).contains("herald: configuration error: HERALD_TLS_CERT = ").contains("cannot read it");
  }

  @Test
  void unknownVariableStopsStartupNamingTheNearestSetting() throws Exception {
    Process node = start(Map.of("HERALD_RETENTION_MAX_MESSAGE", "5", "HERALD_PORT", "0", "HERALD_HTTP_PORT", "0"));
    String output = readAll(node);
    assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).isEqualTo(2);
    assertThat(output).contains("herald: configuration error: unknown variable HERALD_RETENTION_MAX_MESSAGE "
        + "in the environment; did you mean HERALD_RETENTION_MAX_MESSAGES?");
  }

  /**
   * Each port a node listens on, held open by the test: start-up fails naming the port and its setting. The
   * other ports are 0 (any free one), so only the held one can clash.
   */
  @ParameterizedTest
  @ValueSource(strings = {"HERALD_PORT", "HERALD_HTTP_PORT", "HERALD_HAZELCAST_PORT", "HERALD_EVENTBUS_PORT"})
  void busyPortIsNamedWithItsSetting(String setting) throws Exception {
    try (ServerSocket held = new ServerSocket()) {
      held.bind(new InetSocketAddress("127.0.0.1", 0));
      Map<String, String> env = new HashMap<>(Map.of("HERALD_HOST", "127.0.0.1", "HERALD_PORT", "0",
          "HERALD_HTTP_PORT", "0"));
      if (setting.equals("HERALD_HAZELCAST_PORT") || setting.equals("HERALD_EVENTBUS_PORT")) {
        env.putAll(Map.of("HERALD_CLUSTER", "true", "HERALD_EVENTBUS_HOST", "127.0.0.1", "HERALD_HAZELCAST_PORT", "0",
            "HERALD_CLUSTER_NAME", "busy-" + System.nanoTime()));
      }
      env.put(setting, String.valueOf(held.getLocalPort()));
      Process node = start(env);
      try {
        String output = readAll(node);
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("herald: cannot start: port " + held.getLocalPort() + " (" + setting
            + ") is already in use");
      } finally {
        node.destroyForcibly();
      }
    }
  }

  private static Process start(Map<String, String> env) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Under Surefire the class path may be a manifest-only jar; its Class-Path entries are honoured here too.
    ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        "herald.Main", "serve"))
        .redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_"));
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Reads the node's log until it says where it listens; keeps draining the log afterwards. */
  private static int awaitPort(Process node) throws Exception {
    BufferedReader log = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try {
        String line;
        while ((line = log.readLine()) != null) {
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
        port.completeExceptionally(new AssertionError("node exited without listening"));
      } catch (Exception e) {
        port.completeExceptionally(e);
      }
    });
    reader.setDaemon(true);
    reader.start();
    return port.get(60, TimeUnit.SECONDS);
  }

  private static String readAll(Process node) throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (Exception e) {
        return e.toString();
      }
    }).get(60, TimeUnit.SECONDS);
  }
}
