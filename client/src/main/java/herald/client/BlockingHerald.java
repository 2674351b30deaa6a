package herald.client;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * A blocking facade over {@link HeraldClient}, for scripts and tests, with a Vert.x of its own. Each call
 * waits for its outcome and throws the same {@link HeraldException}s; every wait is bounded by the client's
 * own limits (the pong timeout while connected, the disconnected wait otherwise). Do not call it from an
 * event loop; message handlers run on the client's loop, as in the asynchronous API.
 *
 * <pre>{@code
 * try (BlockingHerald herald = BlockingHerald.connect("127.0.0.1:8888")) {
 *   long seq = herald.publish("news", "Hello World!");
 * }
 * }</pre>
 */
public final class BlockingHerald implements AutoCloseable {

  private final Vertx vertx;
  private final HeraldClient client;

  private BlockingHerald(Vertx vertx, HeraldClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  /** Connects to the first node of {@code nodes} ({@code host:port[,host:port...]}) that answers. */
  public static BlockingHerald connect(String nodes) {
    return connect(ClientOptions.of(nodes));
  }

  public static BlockingHerald connect(ClientOptions options) {
    Vertx vertx = Vertx.vertx();
    try {
      return new BlockingHerald(vertx, HeraldClient.connect(vertx, options).await());
    } catch (RuntimeException e) {
      vertx.close().await();
      throw e;
    }
  }

  /** The seq the message got. */
  public long publish(String topic, Object message) {
    return client.publish(topic, message).await();
  }

  /** Publishes JSON text as it is; see {@link HeraldClient#publishJson}. */
  public long publishJson(String topic, String json) {
    return client.publishJson(topic, json).await();
  }

  public Subscription subscribe(String topic, From from, Handler<Message> handler) {
    return client.subscribe(topic, from, handler).await();
  }

  /** Joins consumer group {@code group} of {@code topic}; see {@link HeraldClient#subscribe(String, Group, Handler)}. */
  public Subscription subscribe(String topic, Group group, Handler<Message> handler) {
    return client.subscribe(topic, group, handler).await();
  }

  public void unsubscribe(String topic) {
    client.unsubscribe(topic).await();
  }

  public Duration ping() {
    return client.ping().await();
  }

  /** The asynchronous client underneath, for pipelining. */
  public HeraldClient async() {
    return client;
  }

  @Override
  public void close() {
    Future<Void> closed = client.close();
    try {
      closed.await();
    } finally {
      vertx.close().await();
    }
  }
}
