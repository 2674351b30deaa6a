package herald.bench;

import herald.client.HeraldUrl;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Map;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * How the generator's connections authenticate and whether they speak TLS: the same options, read the same
 * way, as herald.cli.SecurityOptions (README, "Security", "Clients"): what is not on the command line comes
 * from HERALD_URL's {@code tls://} and {@code user:password@}, then HERALD_PASSWORD and HERALD_TOKEN. Kept
 * in this one class, apart, because the generator needs an SSLContext and the bytes of one auth request, not
 * the Java client's options; to be merged with it later.
 */
final class Security {

  @Option(names = "--user", description = "Authenticate every connection as this user (default: the user of $HERALD_URL, if any).")
  String user;

  @Option(names = "--password", description = "The user's password (default: from $HERALD_URL, else $HERALD_PASSWORD).")
  String password;

  @Option(names = "--token", description = "Authenticate every connection with this JWT (default: $HERALD_TOKEN).")
  String token;

  @Option(names = "--tls", description = "Connect with TLS, trusting --ca, else the JVM's default CAs (also: a tls:// HERALD_URL).")
  boolean tls;

  @Option(names = "--ca", description = "PEM file of the CA(s) that signed the broker's certificate; implies --tls.")
  Path ca;

  @Option(names = "--cert", description = "PEM client certificate (chain) for brokers that require one; implies --tls.")
  Path cert;

  @Option(names = "--key", description = "PEM (PKCS#8) private key of --cert.")
  Path key;

  private byte[] authFrame;
  private SSLContext context;
  private boolean built;

  /** Reads the options, with {@code url}'s TLS flag and credentials as defaults; throws IllegalArgumentException. */
  void build(HeraldUrl url) {
    build(url, System.getenv());
  }

  /**
   * The {@code auth} request each connection sends first, or null when it sends none (no credentials, or a
   * client certificate alone). Built once: every connection sends the same bytes.
   */
  byte[] authFrame() {
    build();
    return authFrame;
  }

  /** The context every TLS connection's engine comes from, or null without TLS. */
  SSLContext sslContext() {
    build();
    return context;
  }

  /** Whether the connections wait for {@code authenticated} before the scenario starts. */
  boolean authenticates() {
    return authFrame() != null;
  }

  private void build() {
    if (!built) {
      build(null, System.getenv());
    }
  }

  void build(HeraldUrl url, Map<String, String> env) {
    String who = user != null ? user : url != null ? url.user() : null;
    if (password != null && who == null) {
      throw new IllegalArgumentException("--password needs --user");
    }
    String secret = password != null ? password
        : url != null && url.password() != null && who != null && who.equals(url.user()) ? url.password()
        : env.get("HERALD_PASSWORD");
    authFrame = auth(who, secret, token != null ? token : env.get("HERALD_TOKEN"));
    boolean wantsTls = tls || url != null && url.tls() || ca != null || cert != null || key != null;
    context = wantsTls ? sslContext(ca, cert, key) : null;
    built = true;
  }

  static byte[] auth(String user, String password, String token) {
    if (user != null && token != null && !token.isEmpty()) {
      throw new IllegalArgumentException("--user and --token are two ways to authenticate; give one");
    }
    JsonObject auth = new JsonObject().put("action", "auth");
    if (user != null) {
      if (password == null) {
        throw new IllegalArgumentException("--user needs --password or $HERALD_PASSWORD");
      }
      auth.put("user", user).put("password", password);
    } else if (token != null && !token.isEmpty()) {
      auth.put("token", token);
    } else {
      return null;
    }
    // JsonObject escapes whatever the password holds, so it cannot break the frame.
    return (auth.encode() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static SSLContext sslContext(Path ca, Path cert, Path key) {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("--cert and --key go together");
    }
    try {
      return Pem.context(ca, cert, key);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
    }
  }
}
