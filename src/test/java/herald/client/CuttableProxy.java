package herald.client;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy in front of one node, whose connections a test can cut: the client then loses its
 * connection while the node stays up, sees the same address answer again, and the node sees the old
 * connection gone. Listens on port 0.
 */
final class CuttableProxy implements AutoCloseable {

  private final NetServer server;
  private final NetClient client;
  private final List<NetSocket> sockets = new CopyOnWriteArrayList<>();
  /** While true, new connections are closed at once: the client stays disconnected while the node goes on. */
  private volatile boolean refusing;

  private CuttableProxy(Vertx vertx, int target) {
    client = vertx.createNetClient();
    server = vertx.createNetServer().connectHandler(front -> {
      if (refusing) {
        front.close();
        return;
      }
      front.pause();
      sockets.add(front);
      client.connect(target, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          front.close();
          return;
        }
        NetSocket back = ar.result();
        sockets.add(back);
        front.handler(back::write);
        back.handler(front::write);
        front.closeHandler(v -> back.close());
        back.closeHandler(v -> front.close());
        front.resume();
      });
    });
    server.listen(0, "127.0.0.1").await();
  }

  static CuttableProxy start(Vertx vertx, int target) {
    return new CuttableProxy(vertx, target);
  }

  int port() {
    return server.actualPort();
  }

  /** Closes every connection through the proxy; new ones are accepted as before. */
  void cut() {
    sockets.forEach(NetSocket::close);
    sockets.clear();
  }

  /** Cuts every connection and refuses new ones until {@link #admit()}. */
  void cutAndRefuse() {
    refusing = true;
    cut();
  }

  /** Accepts new connections again. */
  void admit() {
    refusing = false;
  }

  @Override
  public void close() {
    cut();
    server.close().await();
    client.close().await();
  }
}
