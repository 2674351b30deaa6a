package herald.client;

import java.util.ArrayList;
import java.util.List;

/** A broker node's address. */
public record Address(String host, int port) {

  /** The port a broker listens on when nothing says otherwise (docs/protocol.md). */
  public static final int DEFAULT_PORT = 8888;

  public static final String DEFAULT_HOST = "127.0.0.1";

  /**
   * Parses {@code [tcp://]host:port[,host:port...]}, the form of {@code HERALD_URL}: several nodes of one
   * cluster, tried in order. A node without a port gets 8888.
   */
  public static List<Address> parseList(String url) {
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

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
