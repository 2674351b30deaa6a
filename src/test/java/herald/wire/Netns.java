package herald.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces joined by a bridge in the root namespace, made and removed by a test: one per node,
 * each with its own address on a /24 of its own, reachable from the root namespace (where the test's clients
 * run) through the bridge. {@link #cut} drops, with iptables inside the namespaces, every packet between one
 * namespace and the others, in both directions, as a failed link would: nothing is refused, packets just
 * stop arriving. The root namespace keeps reaching every node.
 *
 * <p>Every name carries a random prefix of this run, so runs never collide, and {@link #close} (also run by
 * a JVM shutdown hook) deletes the namespaces, their veths and iptables rules with them, and the bridge.
 * Needs root, {@code ip} and {@code iptables}; {@link #missing()} says what is not there.
 */
public final class Netns implements AutoCloseable {

  /** A /24 under 10.0.0.0/8 is picked at random among this many, away from the usual 10.0.x networks. */
  private static final int SUBNETS = 200;

  private final String run = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
  private final String subnet = "10." + (50 + ThreadLocalRandom.current().nextInt(SUBNETS)) + "."
      + ThreadLocalRandom.current().nextInt(1, 255) + ".";
  private final String bridge = "hb" + run;
  private final List<String> namespaces = new ArrayList<>();
  private final Thread hook = new Thread(this::removeAll, "netns-cleanup");
  private boolean closed;

  /** Makes {@code count} namespaces; node {@code i} gets address {@link #address}(i). */
  public Netns(int count) {
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      run("ip", "link", "add", bridge, "type", "bridge");
      run("ip", "addr", "add", subnet + "254/24", "dev", bridge);
      run("ip", "link", "set", bridge, "up");
      for (int i = 0; i < count; i++) {
        String ns = "herald-" + run + "-" + i;
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        String outside = "hv" + run + "h" + i;
        String inside = "hv" + run + "n" + i;
        run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", ns);
        run("ip", "link", "set", outside, "master", bridge, "up");
        run("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", inside);
        run("ip", "-n", ns, "link", "set", inside, "up");
        run("ip", "-n", ns, "link", "set", "lo", "up");
      }
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /** What this machine lacks to run namespaces (not root, no ip, no iptables), or null if nothing. */
  public static String missing() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "not running as root (user " + System.getProperty("user.name") + ")";
    }
    for (String tool : new String[] {"ip", "iptables"}) {
      try {
        Process p = new ProcessBuilder(tool, "-V").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
          return tool + " -V failed";
        }
      } catch (IOException e) {
        return tool + " is not installed";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }
    return null;
  }

  public String address(int node) {
    return subnet + (node + 1);
  }

  public String namespace(int node) {
    return namespaces.get(node);
  }

  /** The prefix that runs a command inside node {@code i}'s namespace. */
  public List<String> exec(int node) {
    return List.of("ip", "netns", "exec", namespace(node));
  }

  /** Drops every packet between {@code node} and the other nodes, both ways; the root namespace still reaches all. */
  public void cut(int node) {
    for (int other = 0; other < namespaces.size(); other++) {
      if (other != node) {
        run("ip", "netns", "exec", namespace(node), "iptables", "-A", "INPUT", "-s", address(other), "-j", "DROP");
        run("ip", "netns", "exec", namespace(other), "iptables", "-A", "INPUT", "-s", address(node), "-j", "DROP");
      }
    }
  }

  /** Removes every cut. */
  public void heal() {
    for (String ns : namespaces) {
      run("ip", "netns", "exec", ns, "iptables", "-F", "INPUT");
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    removeAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  /** Deleting a namespace deletes its veth pair and its iptables rules; then the bridge goes. */
  private void removeAll() {
    for (int i = 0; i < namespaces.size(); i++) {
      // The host end too: a namespace outlives its name while a process runs in it, and its veth pair with it.
      quietly("ip", "link", "del", "hv" + run + "h" + i);
      quietly("ip", "netns", "del", namespaces.get(i));
    }
    quietly("ip", "link", "del", bridge);
  }

  private static void run(String... cmd) {
    String out = exec(cmd);
    if (out != null) {
      throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
    }
  }

  private static void quietly(String... cmd) {
    exec(cmd);
  }

  /** Runs {@code cmd}; null if it succeeded, else its output. */
  private static String exec(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "timed out";
      }
      return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out.trim();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
