package herald.auth;

import herald.config.ConfigException;
import herald.config.HeraldConfig;
import herald.config.Setting;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * A node's authentication and TLS: its {@link Mode}, the users file, the JWT keys and the listener's TLS
 * files, each re-read when it changes. One per node, shared by its NetServer verticles (see the package
 * doc for why that is safe).
 */
public final class Security {

  /**
   * How often the users file and the TLS files are checked for changes. Kubernetes updates a mounted
   * Secret within about a minute; a couple of seconds more is nothing next to that, and reading three small
   * files that often costs nothing.
   */
  public static final long FILE_CHECK_INTERVAL_MS = 2_000;

  /**
   * How long a TLS handshake may take. A client that connects in plaintext and waits for a greeting sends
   * no ClientHello, so without this bound it would hang; with it, it is closed after this long. A client that
   * sends a plaintext frame is closed at once (it is not a TLS record). Vert.x's default, and room for a full
   * handshake on a loaded node.
   */
  public static final long TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

  /** The cost of the hash checked for unknown users, so that they take as long as a wrong password does. */
  private static final int DUMMY_COST = 10;

  private static final Logger LOG = Logger.getLogger("herald");

  private final Vertx vertx;
  private final Mode mode;
  private final String usersPath;
  private final String tlsCertPath;
  private final String tlsKeyPath;
  private final String tlsClientCaPath;
  private final JWTAuth jwt;
  private final long authTimeoutMillis;
  private final String dummyHash;
  private volatile Users users;
  private volatile String usersText;
  private volatile TlsFiles tls;
  private final List<Consumer<Users>> usersListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<ServerSSLOptions>> tlsListeners = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, Counter> failures = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> forbidden = new ConcurrentHashMap<>();
  private MeterRegistry registry;
  private long timer = -1;

  private Security(Vertx vertx, HeraldConfig config) {
    this.vertx = vertx;
    usersPath = config.string(Setting.USERS_FILE);
    tlsCertPath = config.string(Setting.TLS_CERT);
    tlsKeyPath = config.string(Setting.TLS_KEY);
    tlsClientCaPath = config.string(Setting.TLS_CLIENT_CA);
    String jwtPath = config.string(Setting.JWT_KEYS);
    authTimeoutMillis = config.number(Setting.AUTH_TIMEOUT_SECONDS) * 1_000;
    if (tlsCertPath.isEmpty() != tlsKeyPath.isEmpty()) {
      throw new ConfigException(Setting.TLS_CERT.env() + " and " + Setting.TLS_KEY.env()
          + " go together: set both to turn TLS on, or neither");
    }
    if (!tlsClientCaPath.isEmpty() && tlsCertPath.isEmpty()) {
      throw new ConfigException(Setting.TLS_CLIENT_CA.env() + " needs TLS: set " + Setting.TLS_CERT.env() + " and "
          + Setting.TLS_KEY.env() + " too");
    }
    if (!tlsClientCaPath.isEmpty() && usersPath.isEmpty()) {
      throw new ConfigException(Setting.TLS_CLIENT_CA.env() + " maps a certificate's CN to a user of "
          + Setting.USERS_FILE.env() + ", which is not set");
    }
    try {
      if (!usersPath.isEmpty()) {
        usersText = read(usersPath, Setting.USERS_FILE);
        users = Users.parse(usersText, Setting.USERS_FILE.env() + " = " + usersPath);
      } else {
        users = Users.EMPTY;
      }
      jwt = jwtPath.isEmpty() ? null
          : JwtKeys.load(vertx, read(jwtPath, Setting.JWT_KEYS), Setting.JWT_KEYS.env() + " = " + jwtPath);
      tls = tlsCertPath.isEmpty() ? null : readTls();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    boolean configured = !usersPath.isEmpty() || jwt != null || !tlsClientCaPath.isEmpty();
    boolean anonymous = config.flag(Setting.ALLOW_ANONYMOUS);
    mode = anonymous ? (configured ? Mode.OPTIONAL : Mode.OPEN) : (configured ? Mode.REQUIRED : Mode.PROTECTED);
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    dummyHash = OpenBSDBCrypt.generate("2y", "no such user".toCharArray(), salt, DUMMY_COST);
  }

  /**
   * Reads and checks every file the settings name. Throws {@link ConfigException} naming the setting at
   * fault, so that a bad file stops start-up like any other bad setting.
   */
  public static Security load(Vertx vertx, HeraldConfig config) {
    return new Security(vertx, config);
  }

  /** The log line that says which mode is in force, written once at start-up. */
  public String describe() {
    String tlsPart = tls == null ? "TLS off" : "TLS on" + (tls.requiresClientCertificates() ? " with client certificates" : "");
    String auth = switch (mode) {
      case PROTECTED -> "protected mode: no users, keys or client CA configured, so only loopback clients are "
          + "served (set " + Setting.USERS_FILE.env() + " or " + Setting.JWT_KEYS.env() + ", or "
          + Setting.ALLOW_ANONYMOUS.env() + "=true)";
      case REQUIRED -> "authentication required (" + sources() + ")";
      case OPTIONAL -> "authentication optional: anonymous clients have every permission (" + sources() + ")";
      case OPEN -> "anonymous: every client has every permission (" + Setting.ALLOW_ANONYMOUS.env() + "=true)";
    };
    return "security: " + auth + "; " + tlsPart;
  }

  private String sources() {
    StringBuilder s = new StringBuilder();
    if (!usersPath.isEmpty()) {
      s.append(users.size()).append(" users from ").append(usersPath);
    }
    if (jwt != null) {
      s.append(s.length() > 0 ? ", " : "").append("JWTs");
    }
    if (tls != null && tls.requiresClientCertificates()) {
      s.append(s.length() > 0 ? ", " : "").append("client certificates");
    }
    return s.toString();
  }

  public Mode mode() {
    return mode;
  }

  public long authTimeoutMillis() {
    return authTimeoutMillis;
  }

  /** The listener's TLS options, or null when TLS is off. */
  public ServerSSLOptions tlsOptions() {
    TlsFiles t = tls;
    return t == null ? null : t.serverOptions(TLS_HANDSHAKE_TIMEOUT_MS);
  }

  public boolean requiresClientCertificates() {
    TlsFiles t = tls;
    return t != null && t.requiresClientCertificates();
  }

  /** Protected mode turns away every client that is not on loopback. */
  public boolean refuses(SocketAddress remote) {
    return mode == Mode.PROTECTED && !isLoopback(remote);
  }

  /** The detail of the {@code auth_required} sent to a client that protected mode refuses. */
  public static String protectedModeDetail() {
    return "protected mode: this node has no users configured and serves only clients on loopback; set "
        + Setting.USERS_FILE.env() + " or " + Setting.JWT_KEYS.env() + " (or " + Setting.TLS_CLIENT_CA.env()
        + "), or " + Setting.ALLOW_ANONYMOUS.env() + "=true to serve anyone";
  }

  static boolean isLoopback(SocketAddress remote) {
    String ip = remote == null ? null : remote.hostAddress();
    if (ip == null) {
      return remote != null && remote.isDomainSocket(); // a Unix socket is as local as loopback
    }
    try {
      return InetAddress.getByName(ip).isLoopbackAddress(); // an IP literal: no DNS lookup
    } catch (Exception e) {
      return false;
    }
  }

  /** The identity a connection starts with: anonymous where anonymity is allowed, else none (null). */
  public Identity initialIdentity() {
    return mode == Mode.REQUIRED ? null : Identity.ANONYMOUS;
  }

  /** The user a client certificate's CN names, or null when the users file has no such user. */
  public Identity certificate(String commonName) {
    return commonName != null && users.contains(commonName) ? Identity.certificate(commonName) : null;
  }

  /**
   * Checks a password against the user's bcrypt hash, on the worker pool (a check takes tens of
   * milliseconds by design). Unknown users and users without a password are checked against a dummy hash,
   * so that the time taken does not tell them apart from a wrong password. Fails when it does not match.
   */
  public Future<Identity> password(String user, String password) {
    Users current = users;
    return vertx.executeBlocking(() -> {
      herald.auth.User u = current.get(user);
      String hash = u != null && u.passwordHash() != null ? u.passwordHash() : dummyHash;
      boolean matches = OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
      if (!matches || hash == dummyHash) {
        throw new AuthException(u == null ? "unknown_user" : "bad_password");
      }
      return Identity.password(user);
    }, false);
  }

  /** Verifies a JWT: signature, {@code exp}, {@code nbf}; {@code sub} is the user, {@code herald} its permissions. */
  public Future<Identity> token(String token) {
    if (jwt == null) {
      return Future.failedFuture(new AuthException("no_jwt_keys"));
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> Future.failedFuture(new AuthException(
            String.valueOf(e.getMessage()).contains("expired") ? "token_expired" : "bad_token")))
        .compose(this::fromToken);
  }

  private Future<Identity> fromToken(User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
    String sub = claims.getString("sub");
    if (sub == null || sub.isEmpty()) {
      return Future.failedFuture(new AuthException("bad_token"));
    }
    Permissions permissions;
    try {
      permissions = Permissions.fromJson(claims.getValue("herald"), "the herald claim of the token for " + sub);
    } catch (IllegalArgumentException e) {
      LOG.info("token refused: " + e.getMessage());
      return Future.failedFuture(new AuthException("bad_token"));
    }
    long exp = claims.getLong("exp", 0L);
    return Future.succeededFuture(new Identity(sub, Identity.Kind.TOKEN, permissions, exp * 1_000));
  }

  /** What {@code identity} may do now, or null when its user has been removed from the users file. */
  public Permissions permissions(Identity identity) {
    if (!identity.fromUsersFile()) {
      return identity.tokenPermissions();
    }
    herald.auth.User u = users.get(identity.user());
    return u == null ? null : u.permissions();
  }

  public Users users() {
    return users;
  }

  // ---- metrics -------------------------------------------------------------------------------------

  /** Registers {@code herald_auth_failures_total} and {@code herald_forbidden_total} on the node's registry. */
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Counts a refused authentication under {@code reason}. */
  public void failure(String reason) {
    count(failures, "herald.auth.failures", "reason", reason, "Authentications refused, by reason");
  }

  /**
   * Counts a request refused as {@code forbidden} and returns the detail to send: {@code user} may not
   * {@code action} to {@code topic}, or, with no topic, the user is no longer in the users file.
   */
  public String forbidden(String action, String user, String topic) {
    count(forbidden, "herald.forbidden", "action", action, "Requests refused by permissions, by action");
    return topic == null ? "user " + user + " is no longer in the users file"
        : "user " + user + " may not " + action + " to " + topic;
  }

  private void count(ConcurrentHashMap<String, Counter> counters, String name, String tag, String value, String help) {
    if (registry == null) {
      return;
    }
    counters.computeIfAbsent(value, v -> Counter.builder(name).tag(tag, v).description(help).register(registry))
        .increment();
  }

  // ---- reloading -----------------------------------------------------------------------------------

  /** Calls {@code listener} with the new users after each change of the users file (on the checking thread). */
  public void onUsersChanged(Consumer<Users> listener) {
    usersListeners.add(listener);
  }

  public void removeUsersListener(Consumer<Users> listener) {
    usersListeners.remove(listener);
  }

  /** Calls {@code listener} with the new TLS options after the certificate or key files change. */
  public void onTlsChanged(Consumer<ServerSSLOptions> listener) {
    tlsListeners.add(listener);
  }

  public void removeTlsListener(Consumer<ServerSSLOptions> listener) {
    tlsListeners.remove(listener);
  }

  /** Starts checking the files every {@link #FILE_CHECK_INTERVAL_MS}. */
  public void watch() {
    if (usersPath.isEmpty() && tls == null) {
      return;
    }
    timer = vertx.setPeriodic(FILE_CHECK_INTERVAL_MS, t -> vertx.executeBlocking(() -> {
      check();
      return null;
    }, false));
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * One check of the files. A file that cannot be read or is invalid (a Secret half-way through an update)
   * is logged and skipped: the node keeps what it had, and takes the file on a later check once it is whole.
   */
  void check() {
    if (!usersPath.isEmpty()) {
      try {
        String text = read(usersPath, Setting.USERS_FILE);
        if (!text.equals(usersText)) {
          Users fresh = Users.parse(text, Setting.USERS_FILE.env() + " = " + usersPath);
          users = fresh;
          usersText = text;
          LOG.info("security: reloaded " + usersPath + ": " + fresh.size() + " users");
          usersListeners.forEach(l -> l.accept(fresh));
        }
      } catch (IllegalArgumentException e) {
        LOG.warning("security: kept the previous users: " + e.getMessage());
      }
    }
    if (tls != null) {
      try {
        TlsFiles fresh = readTls();
        if (!fresh.sameAs(tls)) {
          tls = fresh;
          LOG.info("security: TLS certificate reloaded from " + tlsCertPath);
          ServerSSLOptions options = fresh.serverOptions(TLS_HANDSHAKE_TIMEOUT_MS);
          tlsListeners.forEach(l -> l.accept(options));
        }
      } catch (IllegalArgumentException e) {
        LOG.warning("security: kept the previous TLS certificate: " + e.getMessage());
      }
    }
  }

  private TlsFiles readTls() {
    return TlsFiles.read(vertx, tlsCertPath, Setting.TLS_CERT.env(), tlsKeyPath, Setting.TLS_KEY.env(),
        tlsClientCaPath, Setting.TLS_CLIENT_CA.env());
  }

  private static String read(String path, Setting setting) {
    try {
      return Files.readString(Path.of(path));
    } catch (Exception e) {
      throw new IllegalArgumentException(setting.env() + " = " + path + ": cannot read it (" + e + ")");
    }
  }

  /** A refused authentication; {@link #getMessage()} is the metric's reason, never shown to the client. */
  public static final class AuthException extends RuntimeException {
    AuthException(String reason) {
      super(reason, null, false, false);
    }
  }
}
