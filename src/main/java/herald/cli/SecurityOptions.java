package herald.cli;

import herald.client.ClientOptions;
import herald.client.HeraldUrl;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How a client command proves who it is and protects the connection, shared by {@code pub}, {@code sub} and
 * {@code stats}: {@code --user}/{@code --password} or {@code --token}, and {@code --tls}, {@code --ca},
 * {@code --cert}/{@code --key}. What is not given on the command line comes from the environment:
 * {@code HERALD_URL}'s {@code tls://} and {@code user:password@}, then {@code HERALD_PASSWORD} and
 * {@code HERALD_TOKEN} (which keep secrets out of the process list, where any user of the machine sees
 * command lines).
 */
public final class SecurityOptions {

  @Option(names = "--user", paramLabel = "NAME",
      description = "Authenticate as this user (default: the user of $HERALD_URL, if any).")
  String user;

  @Option(names = "--password", paramLabel = "PASSWORD",
      description = "The user's password (default: from $HERALD_URL, else $HERALD_PASSWORD, which other users "
          + "of the machine cannot read from the process list).")
  String password;

  @Option(names = "--token", paramLabel = "JWT",
      description = "Authenticate with this token instead of a user and password (default: $HERALD_TOKEN).")
  String token;

  @Option(names = "--tls", description = "Connect with TLS (also: a tls:// HERALD_URL, --ca or --cert).")
  boolean tls;

  @Option(names = "--ca", paramLabel = "FILE",
      description = "Trust server certificates from this CA (PEM) instead of the JVM's trust store; implies --tls.")
  Path ca;

  @Option(names = "--cert", paramLabel = "FILE",
      description = "Client certificate (PEM) for nodes that require one; with --key; implies --tls.")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE", description = "The private key (PEM) of --cert.")
  Path key;

  /**
   * What the options and the environment say, resolved once: whether to speak TLS, with which files, and at
   * most one way to authenticate. The Java client's commands turn it into {@link ClientOptions}; the load
   * generator into an SSLContext and an auth frame.
   */
  public record Resolved(boolean tls, Path ca, Path cert, Path key, String user, String password, String token) {

    /** Plain TCP, no credentials. */
    public static final Resolved NONE = new Resolved(false, null, null, null, null, null, null);
  }

  /** Client options for {@code target}'s nodes, with this security; IllegalArgumentException says what is wrong. */
  ClientOptions clientOptions(HeraldUrl target) {
    return clientOptions(target, System.getenv());
  }

  ClientOptions clientOptions(HeraldUrl target, Map<String, String> env) {
    Resolved r = resolve(target, env);
    ClientOptions options = ClientOptions.of(target.nodes()).tls(r.tls());
    if (r.ca() != null) {
      options.trustedCa(r.ca());
    }
    if (r.cert() != null) {
      options.clientCertificate(r.cert(), r.key());
    }
    if (r.user() != null) {
      return options.credentials(r.user(), r.password());
    }
    if (r.token() != null) {
      options.token(r.token());
    }
    return options;
  }

  /**
   * Flags first, then {@code target}'s {@code tls://} and {@code user:password@}, then HERALD_PASSWORD and
   * HERALD_TOKEN. Throws IllegalArgumentException naming the contradiction or what is missing.
   */
  public Resolved resolve(HeraldUrl target, Map<String, String> env) {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("--cert and --key go together: give both");
    }
    boolean useTls = tls || (target != null && target.tls()) || ca != null || cert != null;
    String urlUser = target == null ? null : target.user();
    String who = user != null ? user : urlUser;
    if (who != null && token != null) {
      throw new IllegalArgumentException("give --user (with a password) or --token, not both");
    }
    if (who != null) {
      String secret = password != null ? password
          : urlUser != null && target.password() != null && who.equals(urlUser) ? target.password()
          : env.get("HERALD_PASSWORD");
      if (secret == null) {
        throw new IllegalArgumentException("user '" + who + "' needs a password: --password or HERALD_PASSWORD");
      }
      return new Resolved(useTls, ca, cert, key, who, secret, null);
    }
    if (password != null) {
      throw new IllegalArgumentException("--password needs --user");
    }
    String jwt = token != null ? token : env.get("HERALD_TOKEN");
    return new Resolved(useTls, ca, cert, key, null, null, jwt == null || jwt.isBlank() ? null : jwt);
  }
}
