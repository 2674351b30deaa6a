package herald.client;


import herald.codec.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to one node: framing, the greeting, matching replies to requests, heartbeats and the
 * liveness check. What the replies mean is {@link HeraldClient}'s business. Used only on the client's event
 * loop.
 *
 * <p>With credentials, {@code auth} is part of opening the link: it is sent right after the greeting, and the
 * link is handed to the client only once the node answered {@code authenticated}. Nothing is pipelined
 * behind it, so a refused {@code auth} ({@code auth_failed}, which ends the connection) leaves no publish
 * with an unknown outcome, and every request the client sends runs with the user's permissions. The cost
 * is one round trip per connection.
 *
 * <p>Replies are matched to requests <b>by order</b>, not by {@code id}: the broker answers each connection's
 * requests in the order it read them (docs/protocol.md, Framing), so a FIFO of requests in flight is all
 * the bookkeeping needed, and frames carry no id the broker must echo.
 */
final class Link {

  /** What a link reports to its client. */
  interface Events {
    void message(JsonObject frame, String line);

    void reply(Request request, JsonObject frame);

    /**
     * The connection ended. {@code unanswered} were sent and got no reply; if {@code shuttingDown}, the node
     * said so first, and had answered everything it read, so none of them was read.
     */
    void closed(Link link, List<Request> unanswered, boolean shuttingDown, Throwable reason);
  }

  /** The greeting is a few hundred bytes; the bound only matters when the peer is not a Herald node. */
  static final int GREETING_MAX_BYTES = 65_536;

  /**
   * A pushed frame is a published message (at most {@code max_frame_bytes}, from the greeting) plus its
   * envelope: type, a topic of at most 255 characters, and the seq.
   */
  static final int PUSH_ENVELOPE_BYTES = 1_024;

  private final Address address;
  private final Vertx vertx;
  private final ClientOptions options;
  private final Events events;
  private final ArrayDeque<Request> inFlight = new ArrayDeque<>();
  private final Promise<Link> greeted = Promise.promise();
  private final Promise<Void> ended = Promise.promise();
  private NetSocket socket;
  private RecordParser parser;
  private String node;
  private String user;
  private long maxFrameBytes = Long.MAX_VALUE;
  private int publishesInFlight;
  private long lastSentNanos;
  private long lastReceivedNanos;
  private boolean heartbeatOutstanding;
  private boolean shuttingDown;
  private boolean closeWhenAnswered;
  private Throwable reason;
  private long greetingTimer = -1;
  private long tickTimer = -1;

  private Link(Address address, Vertx vertx, ClientOptions options, Events events) {
    this.address = address;
    this.vertx = vertx;
    this.options = options;
    this.events = events;
  }

  /**
   * Connects, waits for the greeting and, with credentials, for {@code authenticated}; fails with the node's
   * refusal ({@link HeraldException.AuthFailed} among them) or the connection's error.
   */
  static Future<Link> open(Vertx vertx, NetClient net, Address address, ClientOptions options, Events events) {
    Link link = new Link(address, vertx, options, events);
    return net.connect(address.port(), address.host()).compose(link::start);
  }

  private Future<Link> start(NetSocket s) {
    socket = s;
    lastReceivedNanos = lastSentNanos = System.nanoTime();
    parser = RecordParser.newDelimited("\n")
        .maxRecordSize(GREETING_MAX_BYTES)
        .handler(this::onLine)
        .exceptionHandler(e -> fail(new IllegalStateException(address + " sent a line longer than expected", e)));
    socket.handler(data -> {
      lastReceivedNanos = System.nanoTime();
      parser.handle(data);
    });
    socket.exceptionHandler(this::fail);
    socket.closeHandler(v -> onClosed());
    greetingTimer = vertx.setTimer(options.connectTimeout().toMillis(), t -> fail(new HeraldException.NotConnected(
        address + (node == null ? " sent no greeting" : " did not answer auth") + " within " + options.connectTimeout(),
        null)));
    return greeted.future();
  }

  Address address() {
    return address;
  }

  /** The node's id, from its greeting. */
  String node() {
    return node;
  }

  /** The user this connection acts as: from the auth reply, or the greeting's certificate user; else null. */
  String user() {
    return user;
  }

  long maxFrameBytes() {
    return maxFrameBytes;
  }

  /** False once the connection is closing: nothing more is sent on it. */
  boolean usable() {
    return reason == null && !closeWhenAnswered;
  }

  int publishesInFlight() {
    return publishesInFlight;
  }

  void send(Request r) {
    long now = System.nanoTime();
    r.sentNanos = now;
    lastSentNanos = now;
    inFlight.add(r);
    if (r.kind == Request.Kind.PUBLISH) {
      publishesInFlight++;
    }
    socket.write(r.frame);
  }

  /** Closes once every request sent has its reply, or after {@code bound}; completes when closed. */
  Future<Void> closeWhenAnswered(java.time.Duration bound) {
    closeWhenAnswered = true;
    if (inFlight.isEmpty()) {
      socket.close();
    } else {
      vertx.setTimer(bound.toMillis(), t -> socket.close());
    }
    return ended.future();
  }

  /** Ends the connection at once, as {@code why}. */
  void fail(Throwable why) {
    if (reason == null) {
      reason = why;
    }
    socket.close();
  }

  private void onLine(Buffer line) {
    if (reason != null) {
      return; // closing: what follows a fatal error or a protocol violation is not trusted
    }
    JsonObject frame;
    try {
      frame = new JsonObject(line);
    } catch (DecodeException | ClassCastException e) {
      fail(new IllegalStateException(address + " sent a line that is not a JSON object: " + line, e));
      return;
    }
    if (node == null) {
      greeting(frame);
      return;
    }
    if (!greeted.future().isComplete() && "message".equals(frame.getString("type"))) {
      fail(new IllegalStateException(address + " pushed a message before authentication: " + line));
      return;
    }
    if ("message".equals(frame.getString("type"))) {
      events.message(frame, line.toString());
      return;
    }
    if ("error".equals(frame.getString("status")) && closesConnection(frame.getString("error"))) {
      // Not a reply: the node is about to close the connection (docs/protocol.md, Errors).
      // Both codes come after the node answered every request it read: the rest were never read.
      shuttingDown = ErrorCode.SHUTTING_DOWN.wire().equals(frame.getString("error"))
          || ErrorCode.NO_QUORUM.wire().equals(frame.getString("error"));
      fail(HeraldException.fromWire(frame.getString("error"), frame.getString("detail")));
      return;
    }
    Request r = inFlight.poll();
    if (r == null) {
      fail(new IllegalStateException(address + " sent a reply to no request: " + line));
      return;
    }
    if (r.kind == Request.Kind.PUBLISH) {
      publishesInFlight--;
    } else if (r.kind == Request.Kind.HEARTBEAT) {
      heartbeatOutstanding = false;
    }
    if (r.kind == Request.Kind.AUTH) {
      authenticated(frame);
      return;
    }
    if (!greeted.future().isComplete()) {
      return; // a heartbeat's pong while auth is pending: nobody waits for it
    }
    events.reply(r, frame);
    if (closeWhenAnswered && inFlight.isEmpty()) {
      socket.close();
    }
  }

  private void greeting(JsonObject frame) {
    if ("error".equals(frame.getString("status"))) {
      fail(HeraldException.fromWire(frame.getString("error"), frame.getString("detail")));
      return;
    }
    if (!"connected".equals(frame.getString("status")) || frame.getString("node") == null) {
      fail(new IllegalStateException(address + " is not a Herald node: it greeted with " + frame));
      return;
    }
    node = frame.getString("node");
    JsonObject limits = frame.getJsonObject("limits", new JsonObject());
    Long max = limits.getLong("max_frame_bytes");
    if (max != null) {
      maxFrameBytes = max;
      parser.maxRecordSize((int) Math.min(Integer.MAX_VALUE, max + PUSH_ENVELOPE_BYTES));
    }
    long tickMillis = Math.max(10, Math.min(options.heartbeatInterval().toMillis(), options.pongTimeout().toMillis()) / 4);
    tickTimer = vertx.setPeriodic(tickMillis, t -> tick());
    user = frame.getString("user");
    if (options.authenticates()) {
      send(Request.auth(options.authFrame())); // the connect timeout still runs: it bounds the reply too
      return;
    }
    vertx.cancelTimer(greetingTimer);
    greeted.complete(this);
  }

  private void authenticated(JsonObject reply) {
    String status = reply.getString("status");
    if ("authenticated".equals(status)) {
      user = reply.getString("user");
      vertx.cancelTimer(greetingTimer);
      greeted.complete(this);
    } else if ("error".equals(status)) {
      fail(HeraldException.fromWire(reply.getString("error"), reply.getString("detail")));
    } else {
      fail(new IllegalStateException(address + " answered auth with " + reply));
    }
  }

  /**
   * Pings after silence either way (the node's idle timer counts only what it receives; ours counts what we
   * receive), and gives up on a connection whose oldest request has waited a pong timeout with nothing at all
   * received meanwhile.
   */
  private void tick() {
    long now = System.nanoTime();
    Request oldest = inFlight.peek();
    if (oldest != null && now - Math.max(lastReceivedNanos, oldest.sentNanos) > options.pongTimeout().toNanos()) {
      fail(new HeraldException.NotConnected(address + " answered nothing for " + options.pongTimeout(), null));
      return;
    }
    long interval = options.heartbeatInterval().toNanos();
    if (!heartbeatOutstanding && !closeWhenAnswered
        && (now - lastSentNanos >= interval || now - lastReceivedNanos >= interval)) {
      heartbeatOutstanding = true;
      send(Request.heartbeat());
    }
  }

  private void onClosed() {
    vertx.cancelTimer(greetingTimer);
    vertx.cancelTimer(tickTimer);
    if (!greeted.future().isComplete()) {
      greeted.fail(reason != null ? reason
          : new HeraldException.NotConnected(address + " closed the connection before its greeting", null));
      return;
    }
    List<Request> unanswered = new ArrayList<>(inFlight);
    inFlight.clear();
    publishesInFlight = 0;
    events.closed(this, unanswered, shuttingDown,
        reason != null ? reason : new IllegalStateException(address + " closed the connection"));
    ended.complete();
  }

  private static boolean closesConnection(String code) {
    for (ErrorCode c : ErrorCode.values()) {
      if (c.wire().equals(code)) {
        return c.closesConnection();
      }
    }
    return false;
  }
}
