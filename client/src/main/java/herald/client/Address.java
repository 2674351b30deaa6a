package herald.client;

import java.util.List;

/** A broker node's address. */
public record Address(String host, int port) {

  /** The port a broker listens on when nothing says otherwise (docs/protocol.md). */
  public static final int DEFAULT_PORT = 8888;

  public static final String DEFAULT_HOST = "127.0.0.1";

  /**
   * The nodes of a {@code HERALD_URL}, {@code [tcp://|tls://][user:password@]host:port[,host:port...]}: several
   * nodes of one cluster, tried in order. A node without a port gets 8888. {@link HeraldUrl#parse} gives the
   * TLS flag and the credentials as well.
   */
  public static List<Address> parseList(String url) {
    return HeraldUrl.parse(url).nodes();
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
