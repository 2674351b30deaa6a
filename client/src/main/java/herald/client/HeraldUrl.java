package herald.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@code HERALD_URL} says: {@code [tcp://|tls://][user[:password]@]host:port[,host:port...]}. The nodes
 * of one cluster, tried in order; {@code tls://} turns TLS on; the user and password, percent-decoded, are
 * the credentials to send in {@code auth}. {@code user} and {@code password} are null when absent; a user
 * without a password is allowed here so that a command line can take the password from elsewhere.
 */
public record HeraldUrl(List<Address> nodes, boolean tls, String user, String password) {

  public HeraldUrl {
    nodes = List.copyOf(nodes);
  }

  /** Parses {@code url}; a node without a port gets {@link Address#DEFAULT_PORT}. */
  public static HeraldUrl parse(String url) {
    String rest = url.strip();
    boolean tls = false;
    int scheme = rest.indexOf("://");
    if (scheme >= 0) {
      String name = rest.substring(0, scheme);
      if (name.equals("tls")) {
        tls = true;
      } else if (!name.equals("tcp")) {
        throw new IllegalArgumentException("HERALD_URL has an unknown scheme '" + name + "://' (expected tcp:// or tls://)");
      }
      rest = rest.substring(scheme + "://".length());
    }
    String user = null;
    String password = null;
    // The last '@': a password may hold a raw '@' (host names cannot), though it should be written %40.
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
      if (user.isEmpty()) {
        throw new IllegalArgumentException("HERALD_URL has an empty user before '@'");
      }
    }
    return new HeraldUrl(nodes(url, rest), tls, user, password);
  }

  private static List<Address> nodes(String url, String list) {
    List<Address> out = new ArrayList<>();
    for (String part : list.split(",")) {
      String node = part.strip();
      if (node.isEmpty()) {
        throw new IllegalArgumentException("HERALD_URL has an empty node: '" + redacted(url) + "'");
      }
      int colon = node.lastIndexOf(':');
      if (colon < 0) {
        out.add(new Address(node, Address.DEFAULT_PORT));
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

  /** RFC 3986 percent-decoding as UTF-8; unlike URLDecoder, a '+' stays a '+'. */
  static String decode(String s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0) {
        throw new IllegalArgumentException("HERALD_URL has a bad percent escape in its user or password");
      }
      bytes.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
      i += 2;
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** The URL with its password replaced, for error messages: they end up in logs. */
  static String redacted(String url) {
    int at = url.lastIndexOf('@');
    if (at < 0) {
      return url;
    }
    int start = url.indexOf("://") + 1; // 0 when there is no scheme
    start = start == 0 ? 0 : start + 2;
    int colon = url.indexOf(':', start);
    return colon >= 0 && colon < at ? url.substring(0, colon + 1) + "***" + url.substring(at) : url;
  }

  /** Never shows the password. */
  @Override
  public String toString() {
    String scheme = tls ? "tls://" : "tcp://";
    String who = user == null ? "" : user + (password == null ? "" : ":***") + "@";
    return scheme + who + String.join(",", nodes.stream().map(Address::toString).toList());
  }
}
