package herald.cli;

import herald.client.ClientOptions;
import herald.client.HeraldClient;
import io.vertx.core.Vertx;
import java.io.PrintWriter;

/**
 * What {@code herald pub} and {@code herald sub} share: a Vert.x and a client connected to the nodes of
 * {@link Target}, and their way of failing, with one line on stderr.
 */
final class ClientSession implements AutoCloseable {

  private final Vertx vertx;
  final HeraldClient client;

  private ClientSession(Vertx vertx, HeraldClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  /** Connects, or throws with a message fit for {@link #fail}. */
  static ClientSession open(Target target) {
    ClientOptions options = ClientOptions.of(target.addresses());
    Vertx vertx = Vertx.vertx();
    try {
      return new ClientSession(vertx, HeraldClient.connect(vertx, options).await());
    } catch (RuntimeException e) {
      vertx.close().await();
      throw e;
    }
  }

  /** Prints {@code herald CMD: what went wrong} as one line; the exit status for it. */
  static int fail(PrintWriter err, String command, Throwable e) {
    String message = e.getMessage() != null ? e.getMessage() : e.toString();
    err.println("herald " + command + ": " + message.replace('\n', ' '));
    err.flush();
    return 1;
  }

  @Override
  public void close() {
    try {
      client.close().await();
    } finally {
      vertx.close().await();
    }
  }
}
