package herald.wire;

import herald.Broker;
import herald.bus.Addresses;
import herald.config.HeraldConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** A broker on 127.0.0.1, port 0, with any settings overridden (keys as in conf/config.json). */
public final class TestBroker implements AutoCloseable {

  private final Vertx vertx;
  private final Broker broker;
  /** The data directory this broker made for itself (deleted on close), or null. */
  private final java.nio.file.Path ownDataDir;

  private TestBroker(Vertx vertx, Broker broker, java.nio.file.Path ownDataDir) {
    this.vertx = vertx;
    this.broker = broker;
    this.ownDataDir = ownDataDir;
  }

  /**
   * Starts a broker as a user would get it: on disk (the default storage), in a fresh data directory of its
   * own unless {@code overrides} names one (or {@code storage: memory}).
   */
  public static TestBroker start(Vertx vertx, JsonObject overrides) {
    JsonObject settings = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("http_port", 0).mergeIn(overrides);
    java.nio.file.Path own = null;
    if (!settings.containsKey("data_dir")) {
      own = TempDirs.make("herald-data");
      settings.put("data_dir", own.toString());
    }
    try {
      return new TestBroker(vertx, Broker.start(vertx, HeraldConfig.defaults(settings)).await(), own);
    } catch (RuntimeException e) {
      TempDirs.delete(own);
      throw e;
    }
  }

  public static TestBroker start(Vertx vertx) {
    return start(vertx, new JsonObject());
  }

  public int port() {
    return broker.port();
  }

  /** The health and metrics port. */
  public int httpPort() {
    return broker.httpPort();
  }

  /** GETs {@code path} from the node's HTTP port and returns the body. */
  public String http(String path) {
    try {
      var client = java.net.http.HttpClient.newHttpClient();
      return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort() + path)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      throw new AssertionError("GET " + path, e);
    }
  }

  public WireClient connect() {
    return WireClient.connect(port());
  }

  /** A counter of the node's metrics ({@code herald.bytes.in}, ...), as Prometheus would scrape it now. */
  public double counter(String name) {
    return broker.metrics().registry().get(name).functionCounter().count();
  }

  /** A gauge of the node's metrics ({@code herald.connections}, ...). */
  public double gauge(String name) {
    return broker.metrics().registry().get(name).gauge().value();
  }

  /** The TopicVerticle's own view of its state (topics, subscriptions, messages...). */
  public JsonObject stats() {
    return vertx.eventBus().<JsonObject>request(Addresses.TOPICS_STATS, "").await().body();
  }

  @Override
  public void close() {
    try {
      broker.stop().await();
    } finally {
      TempDirs.delete(ownDataDir);
    }
  }
}
