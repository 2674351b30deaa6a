package herald.client;

import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for a node that greets like Herald and then answers only what the test tells it to, so tests can
 * see exactly what the client puts on the wire, and when.
 */
final class FakeNode implements AutoCloseable {

  static final String GREETING = "{\"status\":\"connected\",\"server\":\"herald\",\"version\":\"fake\","
      + "\"node\":\"fake\",\"cluster\":false,\"limits\":{\"max_frame_bytes\":1048576}}";

  private final NetServer server;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private volatile NetSocket socket;

  private FakeNode(Vertx vertx) {
    server = vertx.createNetServer().connectHandler(s -> {
      socket = s;
      s.handler(RecordParser.newDelimited("\n", line -> lines.add(line.toString())));
      s.write(GREETING + "\n");
    });
    server.listen(0, "127.0.0.1").await();
  }

  static FakeNode start(Vertx vertx) {
    return new FakeNode(vertx);
  }

  int port() {
    return server.actualPort();
  }

  /** The next line the client sent; fails the test after 10 s. */
  String nextLine() {
    try {
      String line = lines.poll(10, TimeUnit.SECONDS);
      return line != null ? line : fail("the client sent nothing within 10 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  void send(String json) {
    socket.write(Buffer.buffer(json.replace('\'', '"') + "\n"));
  }

  /** Ends the client's connection, as a node that crashed would. */
  void dropConnection() {
    socket.close().await();
  }

  @Override
  public void close() {
    server.close().await();
  }
}
