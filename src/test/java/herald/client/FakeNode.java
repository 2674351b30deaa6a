package herald.client;

import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a node that greets like Herald and then answers only what the test tells it to, so tests can
 * see exactly what the client puts on the wire, and when.
 */
final class FakeNode implements AutoCloseable {

  static final String GREETING = "{\"status\":\"connected\",\"server\":\"herald\",\"version\":\"fake\","
      + "\"node\":\"fake\",\"cluster\":false,\"limits\":{\"max_frame_bytes\":1048576}}";

  private final NetServer server;
  private final String host;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile NetSocket socket;

  private FakeNode(Vertx vertx, NetServerOptions options, String host) {
    this.host = host;
    server = vertx.createNetServer(options).connectHandler(s -> {
      socket = s;
      connections.incrementAndGet();
      s.handler(RecordParser.newDelimited("\n", line -> lines.add(line.toString())));
      s.write(GREETING + "\n");
    });
    server.listen(0, host).await();
  }

  static FakeNode start(Vertx vertx) {
    return new FakeNode(vertx, new NetServerOptions(), "127.0.0.1");
  }

  /** A fake node with these socket settings, e.g. TLS. */
  static FakeNode start(Vertx vertx, NetServerOptions options) {
    return new FakeNode(vertx, options, "127.0.0.1");
  }

  /** ... listening on {@code host}, a loopback address. */
  static FakeNode start(Vertx vertx, NetServerOptions options, String host) {
    return new FakeNode(vertx, options, host);
  }

  String host() {
    return host;
  }

  /** Connections accepted so far (with TLS, those whose handshake succeeded). */
  int connections() {
    return connections.get();
  }

  /** The client's current connection, e.g. to read its certificate. */
  NetSocket socket() {
    return socket;
  }

  /** The next line the client sent, or null if it sent none within {@code millis}. */
  String lineWithin(long millis) {
    try {
      return lines.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
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
