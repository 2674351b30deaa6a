package herald.cli;

import herald.client.Address;
import herald.client.HeraldUrl;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Which broker a command talks to, shared by every client command: {@code --host}/{@code --port}, else
 * {@code HERALD_URL}, else {@code 127.0.0.1:8888}.
 *
 * <p>{@code HERALD_URL} is {@code [tcp://|tls://][user:password@]host:port[,host:port...]}: several nodes of one
 * cluster, tried in order, so one variable serves both a laptop and a cluster. Its TLS flag and credentials
 * are read by {@link SecurityOptions}.
 */
public final class Target {

  @Option(names = "--host", description = "Broker host (default: from $HERALD_URL, else 127.0.0.1).")
  String host;

  @Option(names = "--port", description = "Broker port (default: from $HERALD_URL, else 8888).")
  Integer port;

  /** The addresses to try, in order; never empty. */
  public List<Address> addresses() {
    return addresses(System.getenv());
  }

  List<Address> addresses(Map<String, String> env) {
    return url(env).nodes();
  }

  /** The nodes to try, in order (never empty), with HERALD_URL's TLS flag and credentials, if any. */
  public HeraldUrl url() {
    return url(System.getenv());
  }

  HeraldUrl url(Map<String, String> env) {
    String url = env.get("HERALD_URL");
    HeraldUrl parsed = url == null || url.isBlank() ? null : HeraldUrl.parse(url);
    if (parsed == null) {
      parsed = new HeraldUrl(List.of(new Address(Address.DEFAULT_HOST, Address.DEFAULT_PORT)), false, null, null);
    }
    if (host == null && port == null) {
      return parsed;
    }
    // An explicit --host or --port wins; the part not given comes from HERALD_URL's first node, or the default.
    Address first = parsed.nodes().get(0);
    Address chosen = new Address(host != null ? host : first.host(), port != null ? port : first.port());
    return new HeraldUrl(List.of(chosen), parsed.tls(), parsed.user(), parsed.password());
  }

  /** Parses {@code [tcp://|tls://][user:password@]host:port[,host:port...]}; a node without a port gets 8888. */
  public static List<Address> parse(String url) {
    return Address.parseList(url);
  }
}
