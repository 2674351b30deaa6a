package herald.net;

import herald.auth.Identity;
import herald.auth.Security;
import herald.auth.Users;
import herald.bus.Addresses;
import herald.bus.ConnRef;
import herald.bus.LocalBus;
import herald.bus.ToConnections;
import herald.bus.ToTopics;
import herald.cluster.Quorum;
import herald.codec.ErrorCode;
import herald.config.HeraldConfig;
import herald.codec.FrameDecoder;
import herald.codec.FrameEncoder;
import herald.ops.ErrorCounts;
import herald.ops.LoopCounters;
import herald.ops.NodeMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.ServerSSLOptions;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.function.Consumer;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Owns the client listener and the connections it accepts. Several instances share the port (Vert.x
 * balances accepted sockets across them), one per event loop.
 *
 * <p><b>Concurrency.</b> Each instance's {@code connections} map, and every {@link Connection} in it, is
 * touched only on that instance's event loop: from its sockets' handlers, its {@link LocalBus} receiver and its
 * timer. The only state shared between instances is {@code open}, the node's connection count, an atomic
 * counter because the limit is per node.
 */
public final class NetServerVerticle extends VerticleBase {

  /** How often idle connections are looked for; the idle timeout is honoured to within this. */
  static final long IDLE_SWEEP_MS = 1_000;

  /**
   * How often the node checks it is still in the cluster's majority (a local read of Hazelcast's member
   * list): small beside the failure detector's 5 s, so clients of a cut-off node are told within about it.
   */
  static final long QUORUM_CHECK_MS = 200;

  private final Limits limits;
  private final JsonObject greeting;
  private final AtomicInteger open;
  private final String host;
  private final int port;
  private final int instance;
  private final LoopCounters counters;
  private final ErrorCounts errors;
  private final Supplier<JsonObject> membership;
  private final BooleanSupplier quorum;
  private boolean inQuorum = true;
  private long quorumTimer = -1; // -1: none (Vert.x numbers timers from 0)
  private final Map<Integer, Connection> connections = new HashMap<>();
  private final FrameDecoder decoder = new FrameDecoder(); // one per event loop: connections share it
  private final List<Connection> touched = new ArrayList<>();
  private String address;
  private NodeStats stats;
  private NetServer server;
  private final LocalBus bus;
  private LocalBus.Registration consumer;
  private int nextId;
  private long sweepTimer = -1;
  private final Security security;
  private Consumer<Users> usersListener;
  private Consumer<ServerSSLOptions> tlsListener;
  private static final Logger LOG = Logger.getLogger("herald");

  /**
   * @param open the node-wide count of open connections, shared by all instances
   * @param greeting the fields of the {@code connected} frame
   * @param counters this instance's metrics, written only on its event loop
   * @param membership the cluster's members for {@code stats} (thread-safe; empty on a single node)
   * @param quorum true while the node is in the cluster's majority (thread-safe); {@link Quorum#ALWAYS} on a node
   *     that cannot lose it, which is then not checked
   */
  public NetServerVerticle(HeraldConfig config, JsonObject greeting, AtomicInteger open, int instance,
      LoopCounters counters, ErrorCounts errors, Supplier<JsonObject> membership, BooleanSupplier quorum, LocalBus bus,
      Security security) {
    this.quorum = quorum;
    this.errors = errors;
    this.bus = bus;
    this.security = security;
    this.counters = counters;
    this.membership = membership;
    this.limits = Limits.from(config);
    this.host = config.host();
    this.port = config.port();
    this.greeting = greeting;
    this.open = open;
    this.instance = instance;
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    address = Addresses.connections(deploymentID(), instance);
    stats = new NodeStats(vertx, greeting, open, membership, errors);
    consumer = bus.receive(address, (ToConnections batch) -> {
      int pushes = 0;
      for (ToConnections.Item item : batch.items()) {
        Connection c = connections.get(item.conn());
        if (c != null) { // gone already: its Gone message is on the way to the TopicVerticle
          c.deliver(item);
          touched.add(c);
          if (item instanceof ToConnections.Push) {
            pushes++;
          }
        }
      }
      counters.add(NodeMetrics.NET_MESSAGES_OUT, pushes); // once per batch, not per message
      touched.forEach(Connection::flush);
      touched.clear();
    });
    if (limits.idleTimeoutMillis() > 0) {
      sweepTimer = vertx.setPeriodic(IDLE_SWEEP_MS, t -> closeIdle());
    }
    if (quorum != Quorum.ALWAYS) {
      quorumTimer = vertx.setPeriodic(QUORUM_CHECK_MS, t -> checkQuorum());
    }
    NetServerOptions options = new NetServerOptions()
        .setHost(host)
        .setPort(port)
        // Writes are already coalesced per batch; Nagle would only add latency on top.
        .setTcpNoDelay(true)
        .setReuseAddress(true);
    ServerSSLOptions tls = security.tlsOptions();
    if (tls != null) {
      options.setSsl(true)
          .setKeyCertOptions(tls.getKeyCertOptions())
          .setEnabledSecureTransportProtocols(tls.getEnabledSecureTransportProtocols())
          .setSslHandshakeTimeout(tls.getSslHandshakeTimeout())
          .setSslHandshakeTimeoutUnit(tls.getSslHandshakeTimeoutUnit());
      if (tls.getTrustOptions() != null) {
        options.setTrustOptions(tls.getTrustOptions()).setClientAuth(tls.getClientAuth());
      }
    }
    server = vertx.createNetServer(options);
    server.connectHandler(this::accept);
    // Both run on the file-checking thread: hop onto this verticle's loop, which owns the connections.
    var loop = context;
    usersListener = users -> loop.runOnContext(v -> closeRemovedUsers(users));
    tlsListener = ssl -> loop.runOnContext(v -> server.updateSSLOptions(ssl, true)
        .onFailure(e -> LOG.warning("security: the new TLS certificate was not taken: " + e)));
    security.onUsersChanged(usersListener);
    security.onTlsChanged(tlsListener);
    return server.listen();
  }

  private void closeRemovedUsers(Users users) {
    for (Connection c : List.copyOf(connections.values())) {
      Identity id = c.identity();
      if (id != null && id.fromUsersFile() && !users.contains(id.user())) {
        c.userRemoved();
      }
    }
  }

  /**
   * Stops accepting, then gives each connection up to the shutdown timeout to answer what it has already
   * read; each is told {@code shutting_down} before it is closed.
   */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    vertx.cancelTimer(quorumTimer);
    security.removeUsersListener(usersListener);
    security.removeTlsListener(tlsListener);
    return server.shutdown(limits.shutdownTimeoutMillis(), TimeUnit.MILLISECONDS)
        .onComplete(ar -> consumer.unregister()).mapEmpty();
  }

  /**
   * A node cut off from the cluster's majority tells every client {@code no_quorum}, after answering what
   * it had read, so that clients move to a node of the majority (docs/protocol.md).
   */
  private void checkQuorum() {
    boolean now = quorum.getAsBoolean();
    if (now == inQuorum) {
      return;
    }
    inQuorum = now;
    if (instance == 0) { // one line per node, not per event loop
        LOG.warning(now ? "back in the cluster's majority: serving clients again"
        : "cut off from the cluster's majority (HERALD_CLUSTER_SIZE): telling " + connections.size()
            + " connection(s) of this event loop no_quorum and refusing new ones");
    }
    if (!now) {
      for (Connection c : List.copyOf(connections.values())) {
        c.closeWith(null, ErrorCode.NO_QUORUM, noQuorum());
      }
    }
  }

  private static String noQuorum() {
    return "this node is not in the cluster's majority (cut off, or the cluster is starting and a majority has not yet"
        + " restored its topics from disk); reconnect to another node, or retry";
  }

  private void accept(NetSocket socket) {
    if (!quorum.getAsBoolean()) {
      socket.write(errors.frame(null, ErrorCode.NO_QUORUM, noQuorum()));
      socket.close();
      return;
    }
    if (open.incrementAndGet() > limits.maxConnections()) {
      open.decrementAndGet();
      socket.write(errors.frame(null, ErrorCode.TOO_MANY_CONNECTIONS,
          "this node serves its maximum of " + limits.maxConnections() + " connections (HERALD_MAX_CONNECTIONS)"));
      socket.close();
      return;
    }
    if (security.refuses(socket.remoteAddress())) {
      open.decrementAndGet();
      security.failure("protected_mode");
      LOG.info("refused " + socket.remoteAddress() + ": protected mode serves only loopback clients");
      socket.write(errors.frame(null, ErrorCode.AUTH_REQUIRED, Security.protectedModeDetail()));
      socket.close();
      return;
    }
    Identity identity = security.initialIdentity();
    JsonObject hello = greeting;
    if (security.requiresClientCertificates()) {
      String cn = commonName(socket);
      identity = security.certificate(cn);
      if (identity == null) {
        open.decrementAndGet();
        security.failure("unknown_certificate");
        socket.write(errors.frame(null, ErrorCode.AUTH_FAILED,
            "the client certificate's CN " + cn + " names no user of the users file"));
        socket.close();
        return;
      }
      hello = greeting.copy().put("user", identity.user());
    }
    int id = nextId++;
    Connection connection = new Connection(vertx, socket, new ConnRef(address, id), limits, decoder, counters, stats, bus,
        security, identity, errors);
    connections.put(id, connection);
    // A reset or broken pipe is a client going away abruptly, not a broker error: counted, and kept out of
    // the log's WARN/ERROR lines (Vert.x would log each at ERROR with a stack trace). The close handler
    // below still cleans up.
    socket.exceptionHandler(e -> {
      counters.add(NodeMetrics.NET_CONNECTION_ERRORS, 1);
      LOG.fine(() -> "connection from " + socket.remoteAddress() + " failed: " + e);
    });
    // The one place a connection is torn down: whatever closed it (the client, an error, shutdown), its
    // subscriptions go with it.
    socket.closeHandler(v -> {
      connection.closed();
      connections.remove(id);
      open.decrementAndGet();
      bus.send(Addresses.TOPICS, new ToTopics.Gone(connection.ref()));
    });
    socket.shutdownHandler(v -> connection.drainAndClose());
    connection.send(FrameEncoder.connected(hello));
  }

  /** The subject CN of the client's certificate (the TLS handshake has verified it), or null. */
  private static String commonName(NetSocket socket) {
    try {
      List<Certificate> chain = socket.peerCertificates();
      if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate cert)) {
        return null;
      }
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
    } catch (Exception e) {
      LOG.info("no usable client certificate from " + socket.remoteAddress() + ": " + e);
    }
    return null;
  }

  private void closeIdle() {
    long cutoff = System.currentTimeMillis() - limits.idleTimeoutMillis();
    for (Connection c : List.copyOf(connections.values())) {
      if (c.lastReadMillis() < cutoff) {
        c.idleTimeout("nothing was received for "
            + limits.idleTimeoutMillis() / 1000 + " s (HERALD_IDLE_TIMEOUT_SECONDS); send ping to keep a connection open");
      }
    }
  }
}
