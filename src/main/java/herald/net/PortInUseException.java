package herald.net;

import herald.config.Setting;
import io.vertx.core.Future;
import java.net.BindException;
import java.util.function.Function;

/**
 * A port the node must listen on is taken, usually by another node on the same machine. The message names the
 * port and the setting that chose it ({@code port 8888 (HERALD_PORT) is already in use}), where the JDK only
 * says {@code java.net.BindException: Address already in use} and leaves the user to guess which of up to four
 * ports it was.
 */
public final class PortInUseException extends RuntimeException {

  private PortInUseException(Setting setting, int port, Throwable cause) {
    super("port " + port + " (" + setting.env() + ") is already in use", cause);
  }

  /** For {@link Future#recover}: a bind failure on {@code port} becomes this; other failures pass unchanged. */
  public static <T> Function<Throwable, Future<T>> naming(Setting setting, int port) {
    return e -> Future.failedFuture(isAddressInUse(e) ? new PortInUseException(setting, port, e) : e);
  }

  /**
   * True if {@code e} or a cause is a bind that failed because the address is taken. Matched on the message
   * as well as the type: Netty's native transports and Hazelcast report it in exceptions of their own, and
   * a {@code BindException} for an address that is not this machine's ("Cannot assign requested address")
   * is a different problem.
   */
  public static boolean isAddressInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof PortInUseException) {
        return false; // already named
      }
      String message = t.getMessage() == null ? "" : t.getMessage();
      if ((t instanceof BindException || t.getClass().getName().contains("NativeIoException")
          || t.getClass().getName().contains("Hazelcast")) && message.contains("already in use")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
