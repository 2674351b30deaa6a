package herald.bench;

import herald.cli.SecurityOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;

/**
 * How the generator's connections authenticate and whether they speak TLS, made from the same options as
 * every client command ({@link SecurityOptions}, README "Security", "Clients"). The generator needs an
 * SSLContext for its own selector loop and the bytes of one auth request, not the Java client's options.
 */
final class Security {

  /** Plain TCP, no auth: the generator as it was before security. */
  static final Security NONE = new Security(null, null);

  private final byte[] authFrame;
  private final SSLContext context;

  private Security(byte[] authFrame, SSLContext context) {
    this.authFrame = authFrame;
    this.context = context;
  }

  /** Builds the context (reading the CA and key files) and the auth frame; throws IllegalArgumentException. */
  static Security from(SecurityOptions.Resolved r) {
    SSLContext context = null;
    if (r.tls()) {
      try {
        context = Pem.context(r.ca(), r.cert(), r.key());
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
      }
    }
    return new Security(auth(r.user(), r.password(), r.token()), context);
  }

  /**
   * The {@code auth} request each connection sends first, or null when it sends none (no credentials, or a
   * client certificate alone). Built once: every connection sends the same bytes.
   */
  byte[] authFrame() {
    return authFrame;
  }

  /** The context every TLS connection's engine comes from, or null without TLS. */
  SSLContext sslContext() {
    return context;
  }

  /** Whether the connections wait for {@code authenticated} before the scenario starts. */
  boolean authenticates() {
    return authFrame != null;
  }

  static byte[] auth(String user, String password, String token) {
    JsonObject auth = new JsonObject().put("action", "auth");
    if (user != null) {
      auth.put("user", user).put("password", password);
    } else if (token != null) {
      auth.put("token", token);
    } else {
      return null;
    }
    // JsonObject escapes whatever the password holds, so it cannot break the frame.
    return (auth.encode() + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
