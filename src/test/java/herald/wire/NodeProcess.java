package herald.wire;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Herald node in its own JVM, started as a user would ({@code herald.Main serve}, configured by
 * HERALD_* variables), so that tests can {@code kill -9} it. Its log is read to learn its port and to
 * wait for cluster membership.
 */
public final class NodeProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern MEMBERS = Pattern.compile("Members \\{size:(\\d+)");

  private final Process process;
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private volatile int members;
  private final StringBuffer log = new StringBuffer();

  private NodeProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(this::readLog, "log-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts a node with the given HERALD_* variables (others are cleared). */
  public static NodeProcess start(Map<String, String> env) {
    try {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Path logging = Files.createTempFile("herald-logging", ".properties");
      // Hazelcast's membership lines tell the test when the cluster has formed.
      Files.writeString(logging, String.join("\n",
          "handlers=java.util.logging.ConsoleHandler", ".level=WARNING", "herald.level=INFO",
          "com.hazelcast.level=WARNING", "com.hazelcast.internal.cluster.ClusterService.level=INFO",
          "java.util.logging.ConsoleHandler.level=ALL",
          "java.util.logging.SimpleFormatter.format=%1$tT %4$s %3$s: %5$s%6$s%n"));
      List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp",
          System.getProperty("java.class.path"), "-Djava.util.logging.config.file=" + logging,
          "herald.Main", "serve"));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_"));
      pb.environment().putAll(env);
      return new NodeProcess(pb.start());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Starts {@code size} cluster nodes on 127.0.0.1, each listing all of them as members. */
  public static List<NodeProcess> cluster(int size) {
    return cluster(size, size, "herald-test-" + Long.toHexString(System.nanoTime()), new ArrayList<>());
  }

  /**
   * Starts {@code size} more nodes of cluster {@code name}; {@code hzPorts} holds the Hazelcast ports of
   * nodes started before and receives the new ones. Returns once each new node has seen {@code expect}
   * members.
   */
  public static List<NodeProcess> cluster(int size, int expect, String name, List<Integer> hzPorts) {
    for (int i = 0; i < size; i++) {
      hzPorts.add(freePort());
    }
    String members = hzPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    List<NodeProcess> nodes = new ArrayList<>();
    for (int i = hzPorts.size() - size; i < hzPorts.size(); i++) {
      Map<String, String> env = new HashMap<>();
      env.put("HERALD_CLUSTER", "true");
      env.put("HERALD_CLUSTER_NAME", name);
      env.put("HERALD_MEMBERS", members);
      env.put("HERALD_HAZELCAST_PORT", String.valueOf(hzPorts.get(i)));
      env.put("HERALD_EVENTBUS_HOST", "127.0.0.1");
      env.put("HERALD_HOST", "127.0.0.1");
      env.put("HERALD_PORT", "0");
      env.put("HERALD_NODE_ID", "node" + i);
      nodes.add(start(env));
    }
    for (NodeProcess n : nodes) {
      n.awaitMembers(expect);
    }
    return nodes;
  }

  public int port() {
    try {
      return port.get(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("node did not start listening; log:\n" + log, e);
    }
  }

  public WireClient connect() {
    return WireClient.connect(port());
  }

  /** Waits until this node's Hazelcast member sees {@code count} members. */
  public void awaitMembers(int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    port();
    while (members != count) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        throw new AssertionError("cluster of " + count + " did not form; log:\n" + log);
      }
      sleep(100);
    }
  }

  /** {@code kill -9}: no shutdown hook, no goodbye to the cluster. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String log() {
    return log.toString();
  }

  @Override
  public void close() {
    kill();
  }

  private void readLog() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        log.append(line).append('\n');
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          port.complete(Integer.parseInt(m.group(1)));
        }
        Matcher mm = MEMBERS.matcher(line);
        if (mm.find()) {
          members = Integer.parseInt(mm.group(1));
        }
      }
    } catch (IOException ignored) {
      // the process is gone
    }
    port.completeExceptionally(new AssertionError("node exited"));
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
