package herald.net;

import herald.auth.Identity;
import herald.auth.Permissions;
import herald.auth.Security;
import herald.bus.Addresses;
import herald.bus.ConnRef;
import herald.bus.LocalBus;
import herald.bus.ToConnections;
import herald.bus.ToTopics;
import herald.codec.DecodeError;
import herald.codec.Decoded;
import herald.codec.ErrorCode;
import herald.codec.Frame;
import herald.codec.FrameDecoder;
import herald.codec.FrameEncoder;
import herald.codec.LineSplitter;
import herald.match.TopicPattern;
import herald.ops.ErrorCounts;
import herald.ops.LoopCounters;
import herald.ops.NodeMetrics;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * One client. It frames lines, decodes them, answers what needs no topic state (malformed frames, pings)
 * and forwards the rest to the TopicVerticle; it writes replies in request order and pushed messages as
 * they come. It routes; it does not decide anything about topics.
 *
 * <p><b>Concurrency.</b> Created and used only on the event loop of the {@link NetServerVerticle} instance
 * that accepted the socket.
 *
 * <p><b>Writes coalesce.</b> Everything produced while handling one read or one batch from the
 * TopicVerticle is gathered ({@code out}, {@code more}) and written with one {@code write} by {@link #flush()}:
 * one syscall per batch rather than one per frame, and one copy of each frame into a buffer of the batch's size.
 */
final class Connection {

  private static final Logger LOG = Logger.getLogger("herald");

  /**
   * How long a slow consumer's queued bytes (at most the outbound limit) may take to drain after the
   * {@code slow_consumer} notice before the socket is closed hard. A graceful close alone would wait
   * forever for a client that never reads, keeping its buffer and subscriptions alive.
   */
  static final long SLOW_CONSUMER_GRACE_MS = 5_000;

  /**
   * A connection keeps the list it gathers a batch's frames in only while batches are at most this many frames:
   * a list that once held a big batch would otherwise stay that big for the connection's life.
   */
  static final int KEPT_BATCH_FRAMES = 64;

  /**
   * How long after a failed {@code auth} the connection is closed. Each guess then costs a client a second
   * and a new connection (a TLS handshake, where TLS is on), which slows down brute force without a lockout
   * that an attacker could use to lock real users out.
   */
  static final long AUTH_FAILURE_CLOSE_DELAY_MS = 1_000;

  private final Vertx vertx;
  private final LocalBus bus;
  private final NetSocket socket;
  private final ConnRef ref;
  private final Limits limits;
  private final FrameDecoder decoder;
  private final LoopCounters counters;
  private final NodeStats stats;
  private final LineSplitter lines;
  private final ReplyOrder replies = new ReplyOrder();
  private List<ToTopics.Request> batch;
  /** The first frame gathered since the last write: written as it is if no other joins it. */
  private Buffer out;
  /** The frames gathered after {@code out}; copied once, into a buffer of exactly {@code outBytes}, by {@link #takeOut}. */
  private List<Buffer> more;
  private int outBytes;
  private List<String> creditsDue;
  private long lastReadMillis;
  private boolean paused;
  private boolean closing;
  private boolean closed;
  private final Security security;
  private final ErrorCounts errors;
  /** Who this connection is: null until it authenticates where authentication is required. */
  private Identity identity;
  private PermissionCache permissionCache;
  /** Requests read while an {@code auth} is being checked: carried out after it, with what it grants. */
  private List<Deferred> deferred;
  private long authTimer = -1;
  private long expiryTimer = -1;
  /** After a failed auth the close waits for its timer, not for the replies to drain. */
  private boolean closeOnTimer;

  private record Deferred(int slot, Frame frame) {}

  Connection(Vertx vertx, NetSocket socket, ConnRef ref, Limits limits, FrameDecoder decoder, LoopCounters counters,
      NodeStats stats, LocalBus bus, Security security, Identity identity, ErrorCounts errors) {
    this.vertx = vertx;
    this.errors = errors;
    this.security = security;
    this.identity = identity;
    this.bus = bus;
    this.stats = stats;
    this.counters = counters;
    this.socket = socket;
    this.ref = ref;
    this.limits = limits;
    this.decoder = decoder;
    this.lastReadMillis = System.currentTimeMillis();
    this.lines = new LineSplitter(limits.maxFrameBytes(), new LineSplitter.Lines() {
      @Override
      public void line(Buffer source, int start, int end) {
        onLine(source, start, end);
      }

      @Override
      public void tooLong() {
        badFrame(ErrorCode.FRAME_TOO_LARGE);
        closeWith(null, ErrorCode.FRAME_TOO_LARGE, tooLarge());
      }
    });
    socket.setWriteQueueMaxSize(limits.maxOutboundBytes());
    socket.handler(this::onRead);
    if (identity == null) {
      authTimer = vertx.setTimer(security.authTimeoutMillis(), t -> authTimedOut());
    }
  }

  Identity identity() {
    return identity;
  }

  ConnRef ref() {
    return ref;
  }

  long lastReadMillis() {
    return lastReadMillis;
  }

  /** Sends a frame that is not a reply (the greeting, a closing error) ahead of anything else pending. */
  void send(Buffer frame) {
    append(frame);
    flush();
  }

  private void onRead(Buffer data) {
    lastReadMillis = System.currentTimeMillis();
    counters.add(NodeMetrics.NET_BYTES_IN, data.length());
    lines.feed(data);
    sendBatch();
    if (!paused && (replies.pending() >= Limits.MAX_UNANSWERED
        || replies.pendingBytes() >= Limits.MAX_UNANSWERED_BYTES)) {
      paused = true;
      socket.pause();
    }
    replies.drain(this::append);
    flush();
  }

  private void onLine(Buffer source, int start, int end) {
    if (closing) {
      return;
    }
    Decoded decoded = decoder.decode(source, start, end);
    if (decoded == null) {
      return; // a blank line
    }
    int slot = replies.reserve(end - start);
    if (decoded instanceof DecodeError e) {
      badFrame(e.code());
      replies.fill(slot, errors.frame(e.id(), e.code(), e.detail()));
      return;
    }
    Frame frame = (Frame) decoded;
    if (deferred != null) {
      deferred.add(new Deferred(slot, frame));
      return;
    }
    dispatch(slot, frame);
  }

  private void dispatch(int slot, Frame frame) {
    if (identity == null && frame.action() != Frame.Action.PING && frame.action() != Frame.Action.AUTH) {
      replies.fill(slot, errors.frame(frame.id(), ErrorCode.AUTH_REQUIRED,
          "authenticate first: {\"action\":\"auth\",\"user\":...,\"password\":...} or {\"action\":\"auth\",\"token\":...}"));
      return;
    }
    switch (frame.action()) {
      case PING -> replies.fill(slot, FrameEncoder.pong(frame.id()));
      case AUTH -> authenticate(slot, (Frame.Auth) frame);
      case PUBLISH -> {
        if (permitted(slot, frame, ((Frame.Publish) frame).topic(), true)) {
          forward(slot, frame);
        }
      }
      case SUBSCRIBE -> {
        if (permitted(slot, frame, ((Frame.Subscribe) frame).topic(), false)) {
          forward(slot, frame);
        }
      }
      case UNSUBSCRIBE -> forward(slot, frame);
      case ACK -> {
        // Acking is reading: it needs the topic's subscribe permission, like the membership it acks through.
        if (permitted(slot, frame, ((Frame.Ack) frame).topic(), false)) {
          forward(slot, frame);
        }
      }
      case TOPICS -> topics(slot, (Frame.Topics) frame);
      case STATS -> {
        sendBatch(); // the topic verticle takes its messages in order: this read's earlier requests count first
        stats.reply(frame.id()).onSuccess(reply -> {
          replies.fill(slot, reply);
          replies.drain(this::append);
          flush();
        });
      }
    }
  }

  /** Lists the cluster's topics that this connection may subscribe to. */
  private void topics(int slot, Frame.Topics frame) {
    String problem = frame.pattern() == null ? null : TopicPattern.problem(frame.pattern());
    if (problem != null) {
      replies.fill(slot, errors.frame(frame.id(), ErrorCode.INVALID_TOPIC, problem));
      return;
    }
    Permissions p = security.permissions(identity);
    if (p == null) {
      replies.fill(slot, errors.frame(frame.id(), ErrorCode.FORBIDDEN, security.forbidden("topics", identity.user(), null)));
      return;
    }
    sendBatch(); // like stats: this read's earlier requests reach the topic verticle first
    stats.topics(frame.id(), frame.pattern(), p == Permissions.ALL ? null : p::maySubscribe).onSuccess(reply -> {
      replies.fill(slot, reply);
      replies.drain(this::append);
      flush();
    });
  }

  /** Whether this connection may publish ({@code publish}) or subscribe to {@code topic}; answers forbidden if not. */
  private boolean permitted(int slot, Frame frame, String topic, boolean publish) {
    Permissions p = security.permissions(identity);
    if (p == Permissions.ALL) {
      return true; // anonymous where that is allowed: no lookup at all
    }
    if (p != null) {
      if (permissionCache == null) {
        permissionCache = new PermissionCache();
      }
      if (publish ? permissionCache.mayPublish(p, topic) : permissionCache.maySubscribe(p, topic)) {
        return true;
      }
    }
    String detail = security.forbidden(publish ? "publish" : "subscribe", identity.user(), p == null ? null : topic);
    replies.fill(slot, errors.frame(frame.id(), ErrorCode.FORBIDDEN, detail));
    return false;
  }

  /**
   * Checks credentials off the event loop; the requests read meanwhile wait in {@code deferred}, so that a
   * client may pipeline {@code auth} and what it wants to do next.
   */
  private void authenticate(int slot, Frame.Auth auth) {
    deferred = new ArrayList<>();
    var check = auth.token() != null ? security.token(auth.token()) : security.password(auth.user(), auth.password());
    check.onComplete(ar -> authenticated(slot, auth, ar));
  }

  private void authenticated(int slot, Frame.Auth auth, AsyncResult<Identity> ar) {
    List<Deferred> waiting = deferred;
    deferred = null;
    if (closed) {
      return;
    }
    if (closing) { // the node is draining: answer nothing more, but let the drain see every slot filled
      replies.fill(slot, Buffer.buffer());
      waiting.forEach(d -> replies.fill(d.slot(), Buffer.buffer()));
      replies.drain(this::append);
      flush();
      return;
    }
    Identity fresh = ar.succeeded() ? ar.result() : null;
    if (fresh == null || (identity != null && identity != Identity.ANONYMOUS && !identity.user().equals(fresh.user()))) {
      security.failure(fresh == null ? ar.cause().getMessage() : "other_user");
      failAuth(slot, auth.id(), fresh == null ? "authentication failed"
          : "this connection is authenticated as " + identity.user() + " and cannot become " + fresh.user());
      return;
    }
    identity = fresh;
    cancelTimers();
    if (fresh.expiresAtMillis() > 0) {
      long left = Math.max(1, fresh.expiresAtMillis() - System.currentTimeMillis());
      expiryTimer = vertx.setTimer(left, t -> tokenExpired(fresh));
    }
    replies.fill(slot, FrameEncoder.authenticated(auth.id(), fresh.user(), fresh.expiresAtMillis() / 1_000));
    for (int i = 0; i < waiting.size(); i++) {
      Deferred d = waiting.get(i);
      if (deferred != null) { // another auth among them: the rest wait for that one
        deferred.add(d);
      } else {
        dispatch(d.slot(), d.frame());
      }
    }
    sendBatch();
    replies.drain(this::append);
    flush();
  }

  /** Answers {@code auth_failed} in order, stops reading, and closes a second later. */
  private void failAuth(int slot, String id, String detail) {
    closing = true;
    closeOnTimer = true;
    cancelTimers();
    lines.stop();
    socket.pause();
    replies.fill(slot, errors.frame(id, ErrorCode.AUTH_FAILED, detail));
    replies.drain(this::append);
    flush();
    vertx.setTimer(AUTH_FAILURE_CLOSE_DELAY_MS, t -> close());
  }

  private void authTimedOut() {
    authTimer = -1;
    if (identity == null && !closing) {
      security.failure("timeout");
      endNow(ErrorCode.AUTH_REQUIRED, "no successful auth within " + security.authTimeoutMillis() / 1_000
          + " s of connecting (HERALD_AUTH_TIMEOUT_SECONDS)");
    }
  }

  private void tokenExpired(Identity token) {
    expiryTimer = -1;
    if (identity == token && !closed) {
      security.failure("token_expired");
      endNow(ErrorCode.TOKEN_EXPIRED, "the token of " + token.user() + " expired; connect and auth with a fresh one");
    }
  }

  /** The users file no longer has this connection's user. */
  void userRemoved() {
    if (!closed) {
      security.failure("user_removed");
      endNow(ErrorCode.AUTH_FAILED, "user " + identity.user() + " was removed from the users file");
    }
  }

  /**
   * Sends {@code code} ahead of any reply still pending and closes: for events that are not answers to a
   * request (a timer ran out, the user was removed), where waiting for in-flight replies could wait forever.
   */
  private void endNow(ErrorCode code, String detail) {
    closing = true;
    lines.stop();
    append(errors.frame(null, code, detail));
    socket.write(takeOut());
    close();
  }

  /** Cancels this connection's timers; the NetServer verticle calls it once the socket has closed. */
  void closed() {
    closed = true;
    cancelTimers();
  }

  private void cancelTimers() {
    if (authTimer >= 0) {
      vertx.cancelTimer(authTimer);
      authTimer = -1;
    }
    if (expiryTimer >= 0) {
      vertx.cancelTimer(expiryTimer);
      expiryTimer = -1;
    }
  }

  private void sendBatch() {
    if (batch != null) {
      List<ToTopics.Request> requests = batch;
      batch = null;
      bus.send(Addresses.TOPICS, new ToTopics.Requests(ref, requests, System.nanoTime()));
    }
  }

  private void forward(int slot, Frame frame) {
    if (batch == null) {
      batch = new ArrayList<>();
    }
    batch.add(new ToTopics.Request(slot, frame));
  }

  /** Takes one item from the TopicVerticle; the NetServer verticle calls {@link #flush()} after the batch. */
  void deliver(ToConnections.Item item) {
    if (item instanceof ToConnections.Push p) {
      append(p.frame());
    } else if (item instanceof ToConnections.Reply r) {
      replies.fill(r.slot(), r.frame());
      replies.drain(this::append);
    } else if (item instanceof ToConnections.WantCredit w) {
      if (creditsDue == null) {
        creditsDue = new ArrayList<>(1);
      }
      creditsDue.add(w.topic());
    }
  }

  /** Writes what has been gathered; enforces the slow-consumer limit; resumes reading when it can. */
  void flush() {
    if (closed) {
      return;
    }
    if (out != null) {
      Buffer data = takeOut();
      counters.add(NodeMetrics.NET_BYTES_OUT, data.length());
      var written = socket.write(data);
      if (creditsDue != null) {
        // Replay is paced by the client: the next chunk is asked for only once this one has reached the
        // kernel, so a reader slower than the replay is slowed down instead of being disconnected.
        List<String> topics = creditsDue;
        creditsDue = null;
        written.onSuccess(v -> topics.forEach(t -> bus.send(Addresses.TOPICS, new ToTopics.Credit(ref, t))));
      }
      if (socket.writeQueueFull()) {
        slowConsumer();
        return;
      }
    }
    if (closing && replies.pending() == 0 && !closeOnTimer) {
      close();
      return;
    }
    if (paused && !closing && replies.pending() < Limits.MAX_UNANSWERED / 2
        && replies.pendingBytes() < Limits.MAX_UNANSWERED_BYTES / 2) {
      paused = false;
      socket.resume();
    }
  }

  /**
   * Answers {@code code} in order (after every request already read), then closes. Reading stops at once.
   */
  void closeWith(String id, ErrorCode code, String detail) {
    if (closing) {
      return;
    }
    closing = true;
    lines.stop();
    socket.pause();
    int slot = replies.reserve(0);
    replies.fill(slot, errors.frame(id, code, detail));
    replies.drain(this::append);
    flush();
  }

  /** Stops reading and closes once every request already read has been answered (graceful shutdown). */
  void drainAndClose() {
    closeWith(null, ErrorCode.SHUTTING_DOWN, "the broker is shutting down; reconnect to another node");
  }

  /**
   * A malformed or oversized request is a client's mistake, not the broker's: counted, and logged only at
   * DEBUG, since a client that floods bad JSON would otherwise flood the log (LogTest).
   */
  private void badFrame(ErrorCode code) {
    counters.add(NodeMetrics.NET_BAD_FRAMES, 1);
    LOG.fine(() -> "bad frame from " + socket.remoteAddress() + ": " + code.wire());
  }

  /** Closes a connection that sent nothing for the idle timeout: counted, logged only at DEBUG. */
  void idleTimeout(String detail) {
    counters.add(NodeMetrics.NET_IDLE_TIMEOUTS, 1);
    LOG.fine(() -> "idle timeout: closing " + socket.remoteAddress());
    closeWith(null, ErrorCode.IDLE_TIMEOUT, detail);
  }

  private String tooLarge() {
    return "a frame exceeded " + limits.maxFrameBytes() + " bytes (HERALD_MAX_FRAME_BYTES)";
  }

  private void slowConsumer() {
    closing = true;
    counters.add(NodeMetrics.NET_SLOW_CONSUMERS, 1);
    // INFO, not WARNING: the broker is doing its job. One line per cut-off, which operators want to see
    // (who is being cut off), and at most one per connection.
    LOG.info(() -> "slow consumer: cut off " + socket.remoteAddress() + " (more than "
        + limits.maxOutboundBytes() + " bytes waiting, HERALD_MAX_OUTBOUND_BYTES)");
    // Past the limit nothing more is queued but this notice, which a client that is merely slow still reads
    // before the connection ends. One that does not read at all is cut off after the grace period.
    socket.write(errors.frame(null, ErrorCode.SLOW_CONSUMER, "more than " + limits.maxOutboundBytes()
        + " bytes were waiting for this client to read (HERALD_MAX_OUTBOUND_BYTES)"));
    close();
    vertx.setTimer(SLOW_CONSUMER_GRACE_MS, t -> abort());
  }

  /** Closes gracefully: what is queued is flushed first (Vert.x closes after the pending writes). */
  private void close() {
    if (!closed) {
      closed = true;
      socket.close();
    }
  }

  /** Closes now, discarding whatever is still queued; the close handler then cleans up as usual. */
  private void abort() {
    // channel().close() would enter Vert.x's own handler, which turns it into the same graceful close;
    // closing from that handler's context starts below it, at the transport.
    ((NetSocketInternal) socket).channelHandlerContext().close();
  }

  private void append(Buffer frame) {
    if (closed) {
      return;
    }
    outBytes += frame.length();
    if (out == null) {
      // A flush of one frame (the common case at low rates) writes the frame itself: no buffer, no copy.
      // The frame may be shared with other subscribers and the store, so it is never appended to.
      out = frame;
      return;
    }
    if (more == null) {
      more = new ArrayList<>();
    }
    more.add(frame);
  }

  /**
   * What has been gathered, as one buffer: the frame itself if it is alone, else a copy of them all into one
   * buffer of the exact size (appending to a growing buffer cost the delivering loop about a fifth of its time
   * in a cross-node fan-out, reallocating and copying as it doubled).
   */
  private Buffer takeOut() {
    Buffer data = out;
    out = null;
    if (more != null && !more.isEmpty()) {
      Buffer batch = Buffer.buffer(outBytes);
      batch.appendBuffer(data);
      for (Buffer frame : more) {
        batch.appendBuffer(frame);
      }
      if (more.size() > KEPT_BATCH_FRAMES) {
        more = null;
      } else {
        more.clear();
      }
      data = batch;
    }
    outBytes = 0;
    return data;
  }
}
