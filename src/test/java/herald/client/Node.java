package herald.client;

import herald.wire.TestBroker;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * A single node in a Vert.x of its own: two {@link TestBroker}s on one Vert.x would share its event bus, and
 * so their topics. Closing it drains the node ({@code shutting_down}) and stops its Vert.x.
 */
final class Node implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final TestBroker broker;

  private Node(JsonObject overrides) {
    broker = TestBroker.start(vertx, overrides);
  }

  static Node start(JsonObject overrides) {
    return new Node(overrides);
  }

  static Node start() {
    return new Node(new JsonObject());
  }

  int port() {
    return broker.port();
  }

  @Override
  public void close() {
    try {
      broker.close();
    } finally {
      vertx.close().await();
    }
  }
}
