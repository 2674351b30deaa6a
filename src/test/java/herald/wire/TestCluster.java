package herald.wire;

import herald.Broker;
import herald.bus.Addresses;
import herald.config.HeraldConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Herald nodes in this JVM, each with its own clustered Vert.x and Hazelcast member, joined by TCP-IP on
 * 127.0.0.1 with ports picked free for this run. With one node and {@code clustered == false} it is a plain
 * single node, so one test body can run against both.
 */
public final class TestCluster implements AutoCloseable {

  private final List<Broker> nodes;
  private java.nio.file.Path dataDir;
  private final String name;

  private TestCluster(List<Broker> nodes, String name) {
    this.nodes = nodes;
    this.name = name;
  }

  /** One node, on disk (the default storage) in a data directory of its own, removed on close. */
  public static TestCluster single() {
    java.nio.file.Path dataDir = TempDirs.make("herald-data");
    JsonObject settings = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("http_port", 0)
        .put("data_dir", dataDir.toString());
    TestCluster one = new TestCluster(List.of(Broker.launch(HeraldConfig.defaults(settings)).await()), "single node");
    one.dataDir = dataDir;
    return one;
  }

  /** {@code size} nodes, each on disk (the default storage) in a data directory of its own, removed on close. */
  public static TestCluster of(int size, JsonObject overrides) {
    java.nio.file.Path dataDir = TempDirs.make("herald-cluster-data");
    List<Integer> hzPorts = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      hzPorts.add(freePort());
    }
    String members = hzPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    String clusterName = "test-" + Long.toHexString(System.nanoTime());
    List<Future<Broker>> starting = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      JsonObject settings = new JsonObject()
          .put("host", "127.0.0.1").put("port", 0).put("http_port", 0).put("node_id", "node" + i)
          .put("cluster", true).put("cluster_name", clusterName).put("members", members)
          .put("hazelcast_port", hzPorts.get(i)).put("eventbus_host", "127.0.0.1")
          .put("data_dir", dataDir.resolve("node" + i).toString())
          .mergeIn(overrides);
      starting.add(Broker.launch(HeraldConfig.defaults(settings)));
    }
    List<Broker> nodes = new ArrayList<>();
    for (Future<Broker> f : starting) {
      nodes.add(f.await());
    }
    TestCluster cluster = new TestCluster(nodes, size + "-node cluster");
    cluster.dataDir = dataDir;
    return cluster;
  }

  public static TestCluster of(int size) {
    return of(size, new JsonObject());
  }

  public int size() {
    return nodes.size();
  }

  public Broker node(int i) {
    return nodes.get(i % nodes.size());
  }

  /** A client on node {@code i} (modulo the cluster's size). */
  public WireClient connect(int i) {
    return WireClient.connect(node(i).port());
  }

  /** Node {@code i}'s TopicVerticle's own view of its state. */
  public JsonObject stats(int i) {
    return node(i).vertx().eventBus().<JsonObject>request(Addresses.TOPICS_STATS, "").await().body();
  }

  @Override
  public void close() {
    List<Future<Void>> closing = nodes.stream().map(Broker::close).toList();
    try {
      Future.join(closing).await();
    } finally {
      TempDirs.delete(dataDir);
    }
  }

  @Override
  public String toString() {
    return name;
  }

  /** A port free on this machine now, for a node's listener or Hazelcast member. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
