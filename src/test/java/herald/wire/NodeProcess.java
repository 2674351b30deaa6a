package herald.wire;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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

  private static final Pattern LISTENING = Pattern.compile("listening on [0-9.]+:(\\d+)");
  private static final Pattern MEMBERS = Pattern.compile("Members \\{size:(\\d+)");
  private static final Pattern HTTP = Pattern.compile("metrics on http://[0-9.]+:(\\d+)");
  private static final HttpClient HTTP_CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final Map<String, String> env;
  private final List<String> prefix;
  /** Where the test reaches the node: HERALD_HOST, or loopback when it binds every address. */
  private final String host;
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final CompletableFuture<Integer> httpPort = new CompletableFuture<>();
  private volatile int members;
  private final StringBuffer log = new StringBuffer();
  private final Thread reader;

  private NodeProcess(Process process, Map<String, String> env, List<String> prefix) {
    this.process = process;
    this.env = Map.copyOf(env);
    this.prefix = List.copyOf(prefix);
    String bound = env.getOrDefault("HERALD_HOST", "127.0.0.1");
    this.host = bound.equals("0.0.0.0") ? "127.0.0.1" : bound;
    reader = new Thread(this::readLog, "log-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a node with the given HERALD_* variables (others are cleared); the health and metrics port is
   * a free one unless HERALD_HTTP_PORT is given.
   */
  public static NodeProcess start(Map<String, String> given) {
    return start(given, List.of());
  }

  /**
   * As {@link #start(Map)}, the command run through {@code prefix} (e.g. {@code ip netns exec NS}, which
   * execs the JVM, so the process is the node's).
   */
  public static NodeProcess start(Map<String, String> given, List<String> prefix) {
    Map<String, String> env = new HashMap<>(given);
    env.putIfAbsent("HERALD_HTTP_PORT", "0");
    if (!env.containsKey("HERALD_DATA_DIR")) {
      env.put("HERALD_DATA_DIR", dataDir().toString()); // kept by restart(): the same node, the same disk
    }
    try {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      // The shipped logging (herald/log4j2.xml, set up by herald.Main), as a user's node logs: its "listening
      // on" line gives the port, and Hazelcast's member lists, which it keeps at INFO, tell when the cluster
      // has formed.
      List<String> cmd = new ArrayList<>(prefix);
      cmd.addAll(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp",
          System.getProperty("java.class.path"),
          "herald.Main", "serve"));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_"));
      pb.environment().putAll(env);
      return new NodeProcess(pb.start(), env, prefix);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static final List<Path> DATA_DIRS = new ArrayList<>();

  /** A fresh data directory, removed when the test JVM exits (a test may restart its node on it until then). */
  private static synchronized Path dataDir() {
    if (DATA_DIRS.isEmpty()) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        synchronized (NodeProcess.class) {
          DATA_DIRS.forEach(d -> {
            try {
              TempDirs.delete(d);
            } catch (RuntimeException ignored) {
              // A node still writing into it: the temporary directory is the OS's to clean.
            }
          });
        }
      }));
    }
    Path d = TempDirs.make("herald-node");
    DATA_DIRS.add(d);
    return d;
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
    return cluster(size, expect, name, hzPorts, Map.of());
  }

  /** As {@link #cluster(int, int, String, List)}, with {@code extra} HERALD_* variables for every node. */
  public static List<NodeProcess> cluster(int size, int expect, String name, List<Integer> hzPorts,
      Map<String, String> extra) {
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
      env.putAll(extra);
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

  /** The health and metrics port. */
  public int httpPort() {
    try {
      return httpPort.get(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("node did not start its HTTP endpoints; log:\n" + log, e);
    }
  }

  /** GETs {@code path} from the node's HTTP endpoints; status -1 if it cannot be reached. */
  public HttpResponse<String> get(String path) {
    try {
      return HTTP_CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + httpPort() + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The status of {@code path}, or -1 if the node does not answer. */
  public int status(String path) {
    HttpResponse<String> r = get(path);
    return r == null ? -1 : r.statusCode();
  }

  /** Waits until {@code /health/ready} answers 200. */
  public void awaitReady() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (status("/health/ready") != 200) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        throw new AssertionError("node did not become ready; log:\n" + log);
      }
      sleep(100);
    }
  }

  /** The same node again: a new process with the same variables (ports, cluster membership, node id). */
  public NodeProcess restart() {
    return start(env, prefix);
  }

  /** SIGTERM, as Kubernetes stops a pod; waits for the graceful drain and asserts the exit code is 0. */
  public void terminate() {
    sigterm();
    try {
      if (!process.waitFor(90, TimeUnit.SECONDS)) {
        throw new AssertionError("node did not exit within 90 s of SIGTERM; log:\n" + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    if (process.exitValue() != 0) {
      throw new AssertionError("node exited " + process.exitValue() + " after SIGTERM; log:\n" + log);
    }
  }

  /** Sends SIGTERM and returns at once (see {@link #terminate()} to wait). */
  public void signalTerm() {
    sigterm();
  }

  /**
   * SIGTERM through the process handle: {@code Process.destroy()} would also close this side of the
   * node's output pipe, and every line the node logs while it drains would be lost.
   */
  private void sigterm() {
    process.toHandle().destroy();
  }

  /** Waits for the process to end; its exit code. */
  public int awaitExit() {
    try {
      if (!process.waitFor(90, TimeUnit.SECONDS)) {
        throw new AssertionError("node did not exit; log:\n" + log);
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public WireClient connect() {
    return host.equals("127.0.0.1") ? WireClient.connect(port()) : WireClient.connect(host, port());
  }

  /** The address clients reach the node at. */
  public String host() {
    return host;
  }

  /** Whether the process is still running. */
  public boolean alive() {
    return process.isAlive();
  }

  /** The process id, for tests in other languages that kill the node themselves. */
  public long pid() {
    return process.pid();
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

  /** The whole log of a process that has exited: waits (up to 10 s) until its last line has been read. */
  public String finalLog() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new AssertionError("node still running; log:\n" + log);
      }
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
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
        Matcher mh = HTTP.matcher(line);
        if (mh.find()) {
          httpPort.complete(Integer.parseInt(mh.group(1)));
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
    httpPort.completeExceptionally(new AssertionError("node exited"));
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
