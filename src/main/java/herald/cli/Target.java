package herald.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Which broker a command talks to, shared by every client command: {@code --host}/{@code --port}, else
 * {@code HERALD_URL}, else {@code 127.0.0.1:8888}.
 *
 * <p>{@code HERALD_URL} is {@code [tcp://]host:port[,host:port...]}: several nodes of one cluster, tried in
 * order, so one variable serves both a laptop and a cluster.
 */
public final class Target {

  /** The port the broker listens on when nothing says otherwise (docs/protocol.md). */
  public static final int DEFAULT_PORT = 8888;

  public static final String DEFAULT_HOST = "127.0.0.1";

  /** A broker node's address. */
  public record Address(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  @Option(names = "--host", description = "Broker host (default: from $HERALD_URL, else 127.0.0.1).")
  String host;

  @Option(names = "--port", description = "Broker port (default: from $HERALD_URL, else 8888).")
  Integer port;

  /** The addresses to try, in order; never empty. */
  public List<Address> addresses() {
    return addresses(System.getenv());
  }

  List<Address> addresses(Map<String, String> env) {
    String url = env.get("HERALD_URL");
    List<Address> fromUrl = url == null || url.isBlank() ? List.of() : parse(url);
    if (host == null && port == null && !fromUrl.isEmpty()) {
      return fromUrl;
    }
    // An explicit --host or --port wins; the part not given comes from HERALD_URL's first node, or the default.
    Address first = fromUrl.isEmpty() ? new Address(DEFAULT_HOST, DEFAULT_PORT) : fromUrl.get(0);
    return List.of(new Address(host != null ? host : first.host(), port != null ? port : first.port()));
  }

  /** Parses {@code [tcp://]host:port[,host:port...]}; a node without a port gets 8888. */
  public static List<Address> parse(String url) {
    String rest = url.strip();
    if (rest.startsWith("tcp://")) {
      rest = rest.substring("tcp://".length());
    }
    List<Address> out = new ArrayList<>();
    for (String part : rest.split(",")) {
      String node = part.strip();
      if (node.isEmpty()) {
        throw new IllegalArgumentException("HERALD_URL has an empty node: '" + url + "'");
      }
      int colon = node.lastIndexOf(':');
      if (colon < 0) {
        out.add(new Address(node, DEFAULT_PORT));
        continue;
      }
      String h = node.substring(0, colon);
      int p;
      try {
        p = Integer.parseInt(node.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("HERALD_URL has a bad port in '" + node + "'");
      }
      if (h.isEmpty() || p < 1 || p > 65_535) {
        throw new IllegalArgumentException("HERALD_URL has a bad node '" + node + "' (expected host:port)");
      }
      out.add(new Address(h, p));
    }
    return out;
  }
}
