package herald.client;


import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The nodes a {@link HeraldClient} may use, how it proves who it is, and every limit it works within. Each
 * default says why it has its value; every one can be changed.
 *
 * <p><b>Security.</b> {@link #credentials} (a user and password) or {@link #token} (a JWT), never both, are
 * sent in an {@code auth} request on every new connection, before anything else. {@link #tls} encrypts the
 * connection with Vert.x's own TLS, trusting the JVM's default trust store unless {@link #trustedCa} names a
 * CA; {@link #clientCertificate} adds a certificate for nodes that require one (its CN is the user, so no
 * credentials are needed then). The server's host name is checked against its certificate unless
 * {@link #verifyHost} is turned off.
 */
public final class ClientOptions {

  /**
   * Publishes on the wire without a reply yet. Enough to hide a round trip at tens of thousands of
   * publishes a second, and well under the 1,024 unanswered requests at which the broker stops reading a
   * connection (docs/protocol.md, Flow control), so the client's own bound is the one that applies.
   */
  public static final int DEFAULT_MAX_IN_FLIGHT = 128;

  /**
   * Publishes waiting for a slot or for a connection. Bounds the client's memory when the caller publishes
   * faster than the broker answers, or while no node is reachable; beyond it a publish fails at once.
   */
  public static final int DEFAULT_MAX_QUEUED_PUBLISHES = 10_000;

  /** The first wait before trying again when a connection attempt failed: quick to recover from a blip. */
  public static final Duration DEFAULT_RECONNECT_MIN = Duration.ofMillis(100);

  /** The longest wait between attempts: a dead cluster is retried every few seconds, not hammered. */
  public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(5);

  /**
   * Silence (nothing sent or nothing received) after which the client pings. Far below the broker's
   * default idle timeout (300 s), so a subscriber that only listens is not closed as idle, and short enough
   * to notice a silently dead peer quickly.
   */
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);

  /**
   * How long a request (a heartbeat ping included) may wait with nothing at all received before the
   * connection is taken for dead. Replies come in request order, so in a cluster a pong can wait behind a
   * publish that waits for Hazelcast's failure detection (5 s), its partition migration and its retries;
   * this leaves room for all three. A node that dies outright closes its sockets, which is noticed at once:
   * this bound is for connections that go silent.
   */
  public static final Duration DEFAULT_PONG_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How long a request made while no node is connected waits for one before it fails as not connected:
   * longer than a failover (5 s detection plus a reconnect), short enough that a script notices a cluster
   * that is down.
   */
  public static final Duration DEFAULT_DISCONNECTED_WAIT = Duration.ofSeconds(10);

  /** TCP connect plus the greeting; a node that takes longer is skipped for the next one. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final List<Address> nodes;
  private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
  private int maxQueuedPublishes = DEFAULT_MAX_QUEUED_PUBLISHES;
  private Duration reconnectMin = DEFAULT_RECONNECT_MIN;
  private Duration reconnectMax = DEFAULT_RECONNECT_MAX;
  private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
  private Duration pongTimeout = DEFAULT_PONG_TIMEOUT;
  private Duration disconnectedWait = DEFAULT_DISCONNECTED_WAIT;
  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  private String user;
  private String password;
  private String token;
  private boolean tls;
  private Path trustedCa;
  private Path clientCert;
  private Path clientKey;
  private boolean verifyHost = true;

  private ClientOptions(List<Address> nodes) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("at least one node address is needed");
    }
    this.nodes = List.copyOf(nodes);
  }

  /**
   * {@code [tcp://|tls://][user:password@]host:port[,host:port...]}, the form of {@code HERALD_URL}: the nodes,
   * tried in order; {@code tls://} turns TLS on, and a user and password become the {@link #credentials}.
   */
  public static ClientOptions of(String url) {
    HeraldUrl parsed = HeraldUrl.parse(url);
    ClientOptions options = new ClientOptions(parsed.nodes()).tls(parsed.tls());
    if (parsed.user() != null) {
      if (parsed.password() == null) {
        throw new IllegalArgumentException("HERALD_URL names user '" + parsed.user() + "' but no password (user:password@)");
      }
      options.credentials(parsed.user(), parsed.password());
    }
    return options;
  }

  public static ClientOptions of(List<Address> nodes) {
    return new ClientOptions(nodes);
  }

  public List<Address> nodes() {
    return nodes;
  }

  public int maxInFlight() {
    return maxInFlight;
  }

  public ClientOptions maxInFlight(int n) {
    this.maxInFlight = atLeastOne(n, "maxInFlight");
    return this;
  }

  public int maxQueuedPublishes() {
    return maxQueuedPublishes;
  }

  public ClientOptions maxQueuedPublishes(int n) {
    this.maxQueuedPublishes = atLeastOne(n, "maxQueuedPublishes");
    return this;
  }

  public Duration reconnectMin() {
    return reconnectMin;
  }

  public Duration reconnectMax() {
    return reconnectMax;
  }

  /** The first and the longest wait between connection attempts; the wait doubles in between. */
  public ClientOptions reconnectBackoff(Duration min, Duration max) {
    if (positive(min, "reconnect min").compareTo(positive(max, "reconnect max")) > 0) {
      throw new IllegalArgumentException("reconnect min " + min + " is above max " + max);
    }
    this.reconnectMin = min;
    this.reconnectMax = max;
    return this;
  }

  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  public Duration pongTimeout() {
    return pongTimeout;
  }

  /** Ping after {@code interval} of silence; a connection that answers nothing for {@code pongTimeout} is dead. */
  public ClientOptions heartbeat(Duration interval, Duration pongTimeout) {
    this.heartbeatInterval = positive(interval, "heartbeat interval");
    this.pongTimeout = positive(pongTimeout, "pong timeout");
    return this;
  }

  public Duration disconnectedWait() {
    return disconnectedWait;
  }

  /** How long requests made while disconnected wait for a node; {@link Duration#ZERO} fails them at once. */
  public ClientOptions disconnectedWait(Duration wait) {
    if (wait.isNegative()) {
      throw new IllegalArgumentException("disconnected wait must not be negative: " + wait);
    }
    this.disconnectedWait = wait;
    return this;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  public ClientOptions connectTimeout(Duration timeout) {
    this.connectTimeout = positive(timeout, "connect timeout");
    return this;
  }

  /** Sends {@code auth} with this user and password on each connection; not with {@link #token}. */
  public ClientOptions credentials(String user, String password) {
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("the user must not be empty");
    }
    if (password == null) {
      throw new IllegalArgumentException("user '" + user + "' needs a password");
    }
    if (token != null) {
      throw new IllegalArgumentException("give a user and password or a token, not both");
    }
    this.user = user;
    this.password = password;
    return this;
  }

  /** Sends {@code auth} with this JWT on each connection; not with {@link #credentials}. */
  public ClientOptions token(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the token must not be empty");
    }
    if (user != null) {
      throw new IllegalArgumentException("give a user and password or a token, not both");
    }
    this.token = token;
    return this;
  }

  /** The user of {@link #credentials}, or null. */
  public String user() {
    return user;
  }

  /** True when each connection starts with an {@code auth} request. */
  public boolean authenticates() {
    return user != null || token != null;
  }

  /** TLS on or off; a {@link #trustedCa} or a {@link #clientCertificate} turns it on by itself. */
  public ClientOptions tls(boolean on) {
    this.tls = on;
    return this;
  }

  public boolean tls() {
    return tls || trustedCa != null || clientCert != null;
  }

  /** Trusts server certificates signed by the CA in this PEM file, instead of the JVM's trust store; turns TLS on. */
  public ClientOptions trustedCa(Path caPem) {
    this.trustedCa = readable(caPem, "CA file");
    return this;
  }

  /** Presents this certificate and its private key (PEM files) to nodes that require one; turns TLS on. */
  public ClientOptions clientCertificate(Path certPem, Path keyPem) {
    this.clientCert = readable(certPem, "client certificate file");
    this.clientKey = readable(keyPem, "client key file");
    return this;
  }

  /**
   * Whether the server's certificate must name the host connected to (on by default). Turning it off lets
   * anyone with a certificate from a trusted CA stand in for the node; only for a CA of your own.
   */
  public ClientOptions verifyHost(boolean on) {
    this.verifyHost = on;
    return this;
  }

  /** The {@code auth} request line, newline included; only when {@link #authenticates()}. */
  Buffer authFrame() {
    JsonObject f = new JsonObject().put("action", "auth");
    if (token != null) {
      f.put("token", token);
    } else {
      f.put("user", user).put("password", password);
    }
    return f.toBuffer().appendByte((byte) '\n');
  }

  /** The socket settings: Vert.x's own TLS when asked for, with the PEM files as given. */
  NetClientOptions netClientOptions() {
    NetClientOptions net = new NetClientOptions()
        .setConnectTimeout((int) connectTimeout.toMillis())
        .setTcpNoDelay(true);
    if (!tls()) {
      return net;
    }
    net.setSsl(true).setHostnameVerificationAlgorithm(verifyHost ? "HTTPS" : "");
    if (trustedCa != null) {
      net.setTrustOptions(new PemTrustOptions().addCertPath(trustedCa.toString()));
    }
    if (clientCert != null) {
      net.setKeyCertOptions(new PemKeyCertOptions().setCertPath(clientCert.toString()).setKeyPath(clientKey.toString()));
    }
    return net;
  }

  private static Path readable(Path file, String what) {
    if (file == null || !Files.isReadable(file) || Files.isDirectory(file)) {
      throw new IllegalArgumentException(what + " " + file + " is not a readable file");
    }
    return file;
  }

  private static int atLeastOne(int n, String what) {
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, got " + n);
    }
    return n;
  }

  private static Duration positive(Duration d, String what) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }
}
