package herald.client;


import herald.codec.ErrorCode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Herald client on Vert.x futures: publish, subscribe, unsubscribe, ping, over one connection to one node
 * at a time, moving to the next node of its list when that connection is lost.
 *
 * <p><b>Threading.</b> All state belongs to one event loop (the context the client was connected from, or a
 * new one). Methods may be called from any thread; they hand their work to that loop. Message and gap
 * handlers run on it, so they must not block.
 *
 * <p><b>Publishing.</b> At most {@link ClientOptions#maxInFlight()} publishes are on the wire unanswered;
 * more wait, in order, up to {@link ClientOptions#maxQueuedPublishes()}, beyond which a publish fails at
 * once. While no node is connected, requests wait up to {@link ClientOptions#disconnectedWait()}, then fail
 * as {@link HeraldException.NotConnected}. A publish whose connection ended before its reply fails as
 * {@link HeraldException.OutcomeUnknown} (it may be stored), except when the node said
 * {@code shutting_down} first: it had answered all it read, so the rest are sent again on the next node.
 *
 * <p><b>Subscriptions</b> survive reconnects: on each new connection the client subscribes again from the
 * last seq it delivered + 1, so there is no gap and no duplicate while the topic still holds the messages.
 * When it does not, the gap goes to {@link #gapHandler}.
 *
 * <p><b>Patterns.</b> {@code subscribe("orders.*", ...)} (docs/protocol.md, Wildcard subscriptions) gets
 * every push whose concrete topic the pattern matches; {@link Message#topic()} names that topic and
 * {@link Message#seq()} is that topic's seq. The node sends a message once per connection however many of
 * its subscriptions match it; the client hands it to <em>each</em> of its subscriptions that matches (the
 * exact one first, then the patterns in the order they were made), as if each had its own connection. Gaps
 * are found per concrete topic. For how a pattern resumes after a reconnect, see {@link Subscription}.
 *
 * <p><b>Consumer groups.</b> {@link #subscribe(String, Group, Handler)} joins a group, whose messages carry
 * {@link Message#group()} and {@link Message#delivery()} and are acked automatically after the handler or by
 * {@link Message#ack()} (see {@link Group}). A member holds its messages only while its connection lasts, so
 * an ack goes on the connection its message came on, and fails as {@link HeraldException.NotHeld} at once
 * if that connection has ended; an ack whose connection ends before its reply fails as
 * {@link HeraldException.OutcomeUnknown} (if the node did not read it, the message comes again). After a
 * reconnect the client joins each group again with the same settings.
 *
 * <p><b>Authentication.</b> With {@link ClientOptions#credentials} or {@link ClientOptions#token}, every new
 * connection sends {@code auth} right after the greeting and waits for {@code authenticated} before it
 * subscribes again and sends what waits, so those run with the user's permissions. Two refusals end the
 * client, as {@link #close()} would, because trying again cannot help: {@code auth_failed} (on connecting to
 * any node, or later, when the user was removed) and {@code token_expired}. Requests waiting, every
 * subscription's {@link Subscription#ended()}, and every later call then fail with that exception; a publish
 * in flight fails as {@link HeraldException.OutcomeUnknown} with it as the cause. {@link #failure()} completes
 * with it too. To outlive a token, make a new client with a fresh one. {@code forbidden} fails just the
 * publish or subscribe it answers.
 */
public final class HeraldClient {

  private static final Logger LOG = Logger.getLogger("herald.client");

  private final Vertx vertx;
  private final Context context;
  private final ClientOptions options;
  private final List<Address> nodes;
  private final NetClient net;
  private final Backoff backoff;
  private final Link.Events events = new LinkEvents();
  private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
  /** The plain subscriptions to a pattern, also in {@link #subscriptions}: each push is matched against them. */
  private final Set<Subscription> patterns = new LinkedHashSet<>();
  /** Publishes waiting for a slot or a connection, and pings waiting for a connection, in call order. */
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private int waitingPublishes;
  private Link link;
  private volatile String node;
  private int next;
  private boolean closed;
  private long reconnectTimer = -1;
  private Future<Void> closing;
  private Thread loop;
  /** Why the client ended by itself (auth_failed, token_expired); null while it runs or after close(). */
  private HeraldException finalError;
  private final Promise<HeraldException> failure = Promise.promise();
  private volatile String user;
  private volatile Handler<Gap> gapHandler = gap -> LOG.warning("herald client: " + gap);

  private HeraldClient(Vertx vertx, ClientOptions options) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.nodes = options.nodes();
    this.net = vertx.createNetClient(options.netClientOptions());
    this.backoff = new Backoff(options.reconnectMin(), options.reconnectMax());
  }

  /**
   * Connects to the first node of {@code options} that answers, trying each once in order; fails as
   * {@link HeraldException.NotConnected}, naming each node's error, when none does.
   */
  public static Future<HeraldClient> connect(Vertx vertx, ClientOptions options) {
    HeraldClient client = new HeraldClient(vertx, options);
    Promise<HeraldClient> done = Promise.promise();
    client.onLoop(() -> client.firstConnect(0, new ArrayList<>(), done));
    return done.future();
  }

  /** The id of the node this client is connected to, or null while it is not connected. */
  public String node() {
    return node;
  }

  /**
   * The user the node says this client acts as (from {@code authenticated}, or its certificate); null when
   * anonymous or not connected.
   */
  public String user() {
    return user;
  }

  /**
   * Completes with {@link HeraldException.AuthFailed} or {@link HeraldException.TokenExpired} if the client
   * ends because of one (see Authentication above); never completes otherwise.
   */
  public Future<HeraldException> failure() {
    return failure.future();
  }

  /** Receives every gap in a subscription's messages; the default logs a warning. */
  public HeraldClient gapHandler(Handler<Gap> handler) {
    this.gapHandler = Objects.requireNonNull(handler);
    return this;
  }

  /** Publishes any JSON value (String, Number, Boolean, JsonObject, JsonArray, Map, List); the seq it got. */
  public Future<Long> publish(String topic, Object message) {
    return publishText(topic, Json.encode(message));
  }

  /**
   * Publishes JSON text as it is (the broker checks it), so that subscribers receive exactly these bytes. Line
   * breaks, which can only be whitespace in valid JSON, become spaces: a line break ends a frame on the wire.
   */
  public Future<Long> publishJson(String topic, String json) {
    return publishText(topic, json.replace('\n', ' ').replace('\r', ' '));
  }

  private Future<Long> publishText(String topic, String json) {
    Objects.requireNonNull(topic, "topic");
    Buffer frame = Buffer.buffer("{\"action\":\"publish\",\"topic\":" + Json.encode(topic) + ",\"message\":" + json + "}\n");
    Request r = Request.publish(topic, frame);
    onLoop(() -> enqueue(r));
    return r.published.future();
  }

  /**
   * Subscribes {@code handler} to {@code topic} from {@code from}; completes when the node confirms. The
   * subscription lasts until unsubscribed or the client is closed, across reconnects.
   */
  public Future<Subscription> subscribe(String topic, From from, Handler<Message> handler) {
    return subscribe(new Subscription(this, Objects.requireNonNull(topic, "topic"), Objects.requireNonNull(from),
        null, Objects.requireNonNull(handler)));
  }

  /**
   * Joins consumer group {@code group} of {@code topic}: {@code handler} receives the messages the group hands
   * this member, one member at a time per message. Completes when the node confirms; the membership lasts
   * until unsubscribed or the client is closed, across reconnects. A client may also subscribe to the topic
   * plainly, and be a member of several of its groups, but of each group once.
   */
  public Future<Subscription> subscribe(String topic, Group group, Handler<Message> handler) {
    return subscribe(new Subscription(this, Objects.requireNonNull(topic, "topic"), From.now(),
        Objects.requireNonNull(group, "group"), Objects.requireNonNull(handler)));
  }

  private Future<Subscription> subscribe(Subscription s) {
    String topic = s.topic();
    onLoop(() -> {
      if (closed) {
        s.subscribed.fail(whyClosed());
      } else if (subscriptions.containsKey(s.key())) {
        // The broker would confirm a second subscribe and ignore its start: say so instead.
        s.subscribed.fail(new IllegalStateException("already subscribed to '" + topic + "'"
            + (s.group() == null ? "" : " in group " + s.group()) + "; unsubscribe first"));
      } else {
        subscriptions.put(s.key(), s);
        if (s.isPattern() && s.group() == null) {
          patterns.add(s);
        }
        if (connected()) {
          send(Request.subscribe(s, s.resumeFrom()));
        } else {
          waitForNode(s);
        }
      }
    });
    return s.subscribed.future();
  }

  /**
   * Ends the plain subscription to {@code topic}; after it completes, its handler receives nothing more. (A
   * group membership ends with its {@link Subscription#unsubscribe()}.)
   */
  public Future<Void> unsubscribe(String topic) {
    return unsubscribe(topic, null);
  }

  Future<Void> unsubscribe(Subscription s) {
    return unsubscribe(s.topic(), s.group());
  }

  private Future<Void> unsubscribe(String topic, String group) {
    Promise<Void> done = Promise.promise();
    onLoop(() -> {
      Subscription s = subscriptions.get(Subscription.key(topic, group));
      if (s == null || s.unsubscribing) {
        done.fail(HeraldException.of(ErrorCode.NOT_SUBSCRIBED, "this client holds no subscription to '" + topic + "'"
            + (group == null ? "" : " in group " + group)));
      } else if (!connected()) {
        // Nothing to tell a node: the next connection simply does not subscribe again.
        forget(s, null);
        s.subscribed.tryFail(new HeraldException.NotConnected("unsubscribed before any node confirmed", null));
        done.complete();
      } else {
        s.unsubscribing = true;
        send(Request.unsubscribe(s, done));
      }
    });
    return done.future();
  }

  /** Acks {@code m} on the connection it came on; completes with 1. */
  Future<Long> ack(Message m) {
    Promise<Long> done = Promise.promise();
    onLoop(() -> {
      Subscription s = m.member();
      if (subscriptions.get(s.key()) != s) {
        done.fail(HeraldException.of(ErrorCode.NOT_SUBSCRIBED, "this client is no longer a member of group "
            + m.group() + " on '" + m.topic() + "'"));
      } else if (m.link() != link || !connected()) {
        done.fail(HeraldException.of(ErrorCode.NOT_HELD, "seq " + m.seq() + " came on a connection that has "
            + "ended; its messages went back to group " + m.group()));
      } else {
        Request ack = Request.ack(s, m.topic(), m.seq(), false);
        ack.published.future().onComplete(done);
        send(ack);
      }
    });
    return done.future();
  }

  /** Acks what {@code s}'s member holds in {@code topic} up to {@code seq}, on the current connection; the count. */
  Future<Long> ackUpto(Subscription s, String topic, long seq) {
    Promise<Long> done = Promise.promise();
    onLoop(() -> {
      if (subscriptions.get(s.key()) != s) {
        done.fail(HeraldException.of(ErrorCode.NOT_SUBSCRIBED, "this client is no longer a member of group "
            + s.group() + " on '" + s.topic() + "'"));
      } else if (!connected()) {
        done.fail(HeraldException.of(ErrorCode.NOT_HELD, "not connected: a member holds nothing while no node "
            + "is connected"));
      } else {
        Request ack = Request.ack(s, topic, seq, true);
        ack.published.future().onComplete(done);
        send(ack);
      }
    });
    return done.future();
  }

  /** A ping to the node; the round trip. */
  public Future<Duration> ping() {
    Request r = Request.ping();
    onLoop(() -> enqueue(r));
    return r.pong.future();
  }

  /** The node's description of itself ({@code {"status":"stats",...}}, docs/protocol.md), as it sent it. */
  public Future<JsonObject> stats() {
    Request r = Request.stats();
    onLoop(() -> enqueue(r));
    return r.stats.future();
  }

  /**
   * The cluster's topics matching {@code pattern} ({@code *}/{@code >} syntax; null for every topic) that
   * this client may subscribe to, with their counts: {@code {"status":"topics","topics":[...],"truncated":B}}
   * (docs/protocol.md), as the node sent it.
   */
  public Future<JsonObject> topics(String pattern) {
    Request r = Request.topics(pattern);
    onLoop(() -> enqueue(r));
    return r.stats.future();
  }

  /**
   * Stops reconnecting, fails whatever waits to be sent, waits (up to the pong timeout) for the replies to
   * what was sent, then closes the connection.
   */
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    onLoop(() -> {
      if (closing == null) {
        closed = true;
        vertx.cancelTimer(reconnectTimer);
        HeraldException e = new HeraldException.ClientClosed("the client was closed before this was sent");
        waiting.forEach(r -> {
          vertx.cancelTimer(r.waitTimer);
          r.fail(e);
        });
        waiting.clear();
        waitingPublishes = 0;
        Future<Void> linkClosed = link != null ? link.closeWhenAnswered(options.pongTimeout()) : Future.succeededFuture();
        closing = linkClosed.eventually(net::close).andThen(ar -> {
          for (Subscription s : subscriptions.values()) {
            vertx.cancelTimer(s.waitTimer);
            s.subscribed.tryFail(new HeraldException.ClientClosed("the client was closed before the node confirmed"));
            s.end(null);
          }
          subscriptions.clear();
          patterns.clear();
        });
      }
      closing.onComplete(done);
    });
    return done.future();
  }

  // ---- everything below runs on the client's event loop

  private void onLoop(Runnable task) {
    if (Thread.currentThread() == loop) {
      task.run();
    } else {
      context.runOnContext(v -> {
        loop = Thread.currentThread();
        task.run();
      });
    }
  }

  /** Tries each node once; the failure of the last one tried is the cause of NotConnected. */
  private void firstConnect(int i, List<String> failures, Promise<HeraldClient> done) {
    firstConnect(i, failures, null, done);
  }

  private void firstConnect(int i, List<String> failures, Throwable last, Promise<HeraldClient> done) {
    if (i == nodes.size()) {
      closed = true;
      net.close();
      done.fail(HeraldException.NotConnected.cannotConnect(failures, last));
      return;
    }
    Link.open(vertx, net, nodes.get(i), options, events).onComplete(ar -> {
      if (ar.succeeded()) {
        next = (i + 1) % nodes.size();
        connected(ar.result());
        done.complete(this);
      } else if (ar.cause() instanceof HeraldException.AuthFailed refused) {
        // The same credentials on another node of the cluster would be refused the same way.
        closed = true;
        net.close();
        done.fail(refused);
      } else {
        failures.add(HeraldException.NotConnected.failure(nodes.get(i), describe(ar.cause())));
        firstConnect(i + 1, failures, ar.cause(), done);
      }
    });
  }

  private void reconnect() {
    long delay = backoff.nextDelayMillis();
    if (delay == 0) {
      attempt();
    } else {
      reconnectTimer = vertx.setTimer(delay, t -> attempt());
    }
  }

  private void attempt() {
    if (closed) {
      return;
    }
    Address address = nodes.get(next);
    next = (next + 1) % nodes.size();
    Link.open(vertx, net, address, options, events).onComplete(ar -> {
      if (ar.failed() && ar.cause() instanceof HeraldException.AuthFailed refused && !closed) {
        LOG.warning("herald client: " + address + " refused the credentials: " + refused.getMessage() + "; stopping");
        stop(refused);
      } else if (ar.failed()) {
        LOG.fine(() -> "herald client: " + address + " refused: " + ar.cause().getMessage());
        backoff.failed();
        if (!closed) {
          reconnect();
        }
      } else if (closed) {
        ar.result().fail(new HeraldException.ClientClosed("closed while connecting"));
      } else {
        connected(ar.result());
      }
    });
  }

  private void connected(Link l) {
    link = l;
    node = l.node();
    user = l.user();
    backoff.succeeded();
    LOG.fine(() -> "herald client: connected to node " + node + " at " + l.address());
    Resume round = new Resume(l);
    // Where the connection goes on in each concrete topic: every plain subscription that matches a topic
    // received each of its messages, so the furthest any of them got is where all of them are.
    Map<String, Long> next = new HashMap<>();
    for (Subscription s : subscriptions.values()) {
      if (s.group() == null) {
        s.nextSeqs().forEach((topic, seq) -> {
          if (seq > 0) {
            next.merge(topic, seq, Math::max);
          }
        });
      }
    }
    for (Subscription s : subscriptions.values()) {
      vertx.cancelTimer(s.waitTimer);
      s.waitTimer = -1;
      if (patterns.contains(s)) {
        continue; // once the exact subscribes are answered, so that those topics are not replayed for it
      }
      if (s.resumesBlind()) {
        gap(new Gap(s.topic(), Gap.Kind.UNKNOWN, 0, 0));
      }
      From from = s.group() == null && s.confirmed() && next.containsKey(s.topic())
          ? From.seq(next.get(s.topic())) : s.resumeFrom();
      Request r = Request.subscribe(s, from);
      if (s.group() == null) {
        r.resume = round;
        round.exactPending++;
      }
      send(r);
    }
    next.forEach((topic, seq) -> {
      if (!subscriptions.containsKey(topic)) { // a topic only patterns read: the client subscribes it for them
        Request pin = Request.pin(topic, seq);
        pin.resume = round;
        round.exactPending++;
        round.pins.add(topic);
        send(pin);
      }
    });
    if (round.exactPending == 0) {
      resubscribePatterns(round);
    }
    waiting.forEach(r -> {
      vertx.cancelTimer(r.waitTimer);
      r.waitTimer = -1;
    });
    pump();
  }

  private void enqueue(Request r) {
    if (closed) {
      r.fail(whyClosed());
      return;
    }
    if ((r.kind == Request.Kind.PING || r.kind == Request.Kind.STATS || r.kind == Request.Kind.TOPICS) && connected()) {
      send(r); // does not wait behind publishes waiting for a slot: a ping checks the connection
      return;
    }
    if (r.kind == Request.Kind.PUBLISH) {
      if (waitingPublishes >= options.maxQueuedPublishes()) {
        r.fail(new HeraldException.PublishQueueFull(waitingPublishes + " publishes already wait (maxQueuedPublishes)"));
        return;
      }
      waitingPublishes++;
    }
    waiting.add(r);
    if (!connected()) {
      waitForNode(r);
    } else {
      pump();
    }
  }

  /** Sends what waits, in order, while there are slots for publishes. */
  private void pump() {
    while (connected() && !waiting.isEmpty()) {
      Request r = waiting.peek();
      if (r.kind == Request.Kind.PUBLISH) {
        if (link.publishesInFlight() >= options.maxInFlight()) {
          return;
        }
        waitingPublishes--;
      }
      waiting.poll();
      send(r);
    }
  }

  private void send(Request r) {
    if (r.kind == Request.Kind.PUBLISH && r.frame.length() - 1 > link.maxFrameBytes()) {
      // The node would close the connection (frame_too_large) and take the other requests in flight with it.
      r.fail(HeraldException.of(ErrorCode.FRAME_TOO_LARGE, "the publish frame is " + (r.frame.length() - 1)
          + " bytes; node " + link.node() + " accepts at most " + link.maxFrameBytes() + " (max_frame_bytes)"));
      return;
    }
    link.send(r);
  }

  /** True while there is a connection to send on (not one that is closing). */
  private boolean connected() {
    return link != null && link.usable();
  }

  private void waitForNode(Request r) {
    if (r.waitTimer != -1) {
      return; // already waiting: it came while the connection was closing
    }
    if (options.disconnectedWait().isZero()) {
      waiting.remove(r);
      dequeued(r);
      r.fail(notConnected());
      return;
    }
    r.waitTimer = vertx.setTimer(options.disconnectedWait().toMillis(), t -> {
      r.waitTimer = -1;
      if (waiting.remove(r)) {
        dequeued(r);
        r.fail(notConnected());
      }
    });
  }

  private void waitForNode(Subscription s) {
    if (s.waitTimer != -1) {
      return;
    }
    long wait = Math.max(1, options.disconnectedWait().toMillis());
    s.waitTimer = vertx.setTimer(wait, t -> {
      s.waitTimer = -1;
      if (!s.confirmed() && subscriptions.get(s.key()) == s) {
        forget(s, null);
        s.subscribed.tryFail(notConnected());
      }
    });
  }

  private void dequeued(Request r) {
    if (r.kind == Request.Kind.PUBLISH) {
      waitingPublishes--;
    }
  }

  /**
   * A connection failure in one line. Vert.x reports every TLS failure as "Failed to create SSL connection";
   * the reason (an unknown CA, a host name the certificate does not name) is the innermost cause.
   */
  static String describe(Throwable e) {
    if (!(e instanceof javax.net.ssl.SSLException)) {
      return e.getMessage();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return "TLS handshake failed: " + root.getMessage();
  }

  /** What a call made after the client ended fails with. */
  private HeraldException whyClosed() {
    return finalError != null ? finalError : new HeraldException.ClientClosed("the client is closed");
  }

  /**
   * Ends the client because of {@code why} (auth_failed, token_expired): like close(), but everything waiting
   * fails with {@code why}, so the caller learns the reason wherever it waits.
   */
  private void stop(HeraldException why) {
    closed = true;
    finalError = why;
    vertx.cancelTimer(reconnectTimer);
    waiting.forEach(r -> {
      vertx.cancelTimer(r.waitTimer);
      r.fail(why);
    });
    waiting.clear();
    waitingPublishes = 0;
    for (Subscription s : subscriptions.values()) {
      vertx.cancelTimer(s.waitTimer);
      s.subscribed.tryFail(why);
      s.end(why);
    }
    subscriptions.clear();
    patterns.clear();
    closing = net.close();
    failure.complete(why);
  }

  private HeraldException notConnected() {
    return new HeraldException.NotConnected("no node of " + nodes + " was reachable within "
        + options.disconnectedWait() + " (disconnectedWait)", null);
  }

  private void forget(Subscription s, Throwable reason) {
    if (subscriptions.get(s.key()) == s) {
      subscriptions.remove(s.key());
    }
    patterns.remove(s);
    if (s.resuming != null) {
      patternResumed(s); // a pattern that will not be confirmed no longer holds up its round
    }
    vertx.cancelTimer(s.waitTimer);
    s.end(reason);
  }

  private void gap(Gap g) {
    try {
      gapHandler.handle(g);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "herald client: the gap handler threw on " + g, e);
    }
  }

  private void subscribed(Request r, JsonObject reply, HeraldException error) {
    if (r.pin) {
      pinned(r, reply, error);
    } else {
      subscribed(r.subscription, r, reply, error);
    }
    if (r.resume != null && --r.resume.exactPending == 0) {
      resubscribePatterns(r.resume);
    }
  }

  private void subscribed(Subscription s, Request r, JsonObject reply, HeraldException error) {
    if (error == null) {
      Gap g = s.confirm(r.from, reply.getLong("from"));
      if (g != null) {
        gap(g);
      }
      s.subscribed.tryComplete(s);
      if (s.resuming != null) {
        patternResumed(s);
      }
      return;
    }
    if (error instanceof HeraldException.Unavailable && s.confirmed() && !s.unsubscribing) {
      // A resubscription during a cluster failover: nothing was changed, so it is safe to ask again.
      if (s.retry == null) {
        s.retry = new Backoff(options.reconnectMin(), options.reconnectMax());
      }
      s.retry.failed();
      Link asked = link;
      vertx.setTimer(Math.max(1, s.retry.nextDelayMillis()), t -> {
        if (link == asked && connected() && subscriptions.get(s.key()) == s && !s.unsubscribing) {
          send(Request.subscribe(s, s.resumeFrom()));
        }
      });
      return;
    }
    forget(s, error);
    s.subscribed.tryFail(error);
  }

  /**
   * The answer to an exact subscribe the client made to resume a topic its patterns had delivered: each of
   * those patterns goes on in the topic where the node said.
   */
  private void pinned(Request r, JsonObject reply, HeraldException error) {
    if (error != null) {
      // The pattern reads the topic again from its own start: from now, what came meanwhile is lost.
      LOG.warning("herald client: node " + node + " refused to resume '" + r.topic + "' for its patterns: "
          + error.getMessage());
      r.resume.pins.remove(r.topic);
      gap(new Gap(r.topic, Gap.Kind.UNKNOWN, 0, 0));
      return;
    }
    Long from = reply.getLong("from");
    Gap reported = null;
    for (Subscription s : patterns) {
      if (from != null && s.hasDelivered(r.topic)) {
        Gap g = s.resumed(r.topic, r.from.seq(), from);
        if (g != null && reported == null) {
          reported = g; // one gap in the topic, however many patterns read it
          gap(g);
        }
      }
    }
  }

  /** The exact subscribes of {@code round} are answered: subscribes the patterns again, if still on its link. */
  private void resubscribePatterns(Resume round) {
    if (round.link != link || !connected()) {
      return; // the next connection resumes them
    }
    for (Subscription s : patterns) {
      if (s.resumesBlind()) {
        gap(new Gap(s.topic(), Gap.Kind.UNKNOWN, 0, 0));
      }
      s.resuming = round;
      round.patternsPending++;
      send(Request.subscribe(s, s.resumeFrom()));
    }
    if (round.patternsPending == 0) {
      unpin(round);
    }
  }

  /** {@code s} was confirmed again, or given up: once all of its round are, the round's pins go. */
  private void patternResumed(Subscription s) {
    Resume round = s.resuming;
    s.resuming = null;
    if (--round.patternsPending == 0) {
      unpin(round);
    }
  }

  /**
   * Drops the exact subscribes that resumed the patterns' topics: the node keeps reading a topic while any
   * subscription of the connection matches it. A topic the application subscribed to meanwhile is its own.
   */
  private void unpin(Resume round) {
    if (round.link != link || !connected()) {
      return;
    }
    for (String topic : round.pins) {
      if (!subscriptions.containsKey(topic)) {
        send(Request.unpin(topic));
      }
    }
    round.pins.clear();
  }

  /**
   * One reconnect's resubscription of the plain subscriptions. The exact topics go first, those only
   * patterns had delivered among them (pins), each from its next seq; the patterns once every one of those is
   * answered, since the node replays no topic the connection already reads; the pins are dropped once every
   * pattern is confirmed. Touched only on the client's event loop.
   */
  static final class Resume {
    final Link link;
    int exactPending;
    int patternsPending;
    final List<String> pins = new ArrayList<>();

    Resume(Link link) {
      this.link = link;
    }
  }

  /** Reply handling and connection loss, as the current link reports them. */
  private final class LinkEvents implements Link.Events {

    @Override
    public void message(JsonObject frame, String line) {
      String topic = frame.getString("topic");
      String group = frame.getString("group");
      Long seq = frame.getLong("seq");
      List<Subscription> targets = topic == null || seq == null ? List.of() : targets(topic, group);
      if (targets.isEmpty()) {
        LOG.warning("herald client: a pushed message this client has no subscription for: " + line);
        return;
      }
      if (group != null) {
        Subscription s = targets.get(0);
        deliver(s, new Message(topic, seq, frame.getValue("data"), line, group, frame.getInteger("delivery", 1),
            HeraldClient.this, link, s));
        return;
      }
      Message m = new Message(topic, seq, frame.getValue("data"), line);
      for (Subscription s : targets) {
        deliver(s, m);
      }
    }

    /**
     * The subscriptions a push of the concrete {@code topic} goes to: without a group, the exact one and each
     * matching pattern; with one, the one member it was handed to (its exact membership, else the first
     * pattern of that group that matches).
     */
    private List<Subscription> targets(String topic, String group) {
      Subscription exact = subscriptions.get(Subscription.key(topic, group));
      if (group != null) {
        if (exact != null) {
          return List.of(exact);
        }
        for (Subscription s : subscriptions.values()) {
          if (group.equals(s.group()) && s.isPattern() && s.matches(topic)) {
            return List.of(s);
          }
        }
        return List.of();
      }
      if (patterns.isEmpty()) {
        return exact == null ? List.of() : List.of(exact);
      }
      List<Subscription> found = new ArrayList<>(2);
      if (exact != null) {
        found.add(exact);
      }
      for (Subscription s : patterns) {
        if (s.matches(topic)) {
          found.add(s);
        }
      }
      return found; // a copy: a handler may subscribe or unsubscribe
    }

    private void deliver(Subscription s, Message m) {
      String topic = m.topic();
      String group = m.group();
      long seq = m.seq();
      Gap g = s.arrived(m);
      if (g != null) {
        gap(g);
      }
      try {
        s.handle(m);
      } catch (RuntimeException e) {
        // Not acked, even with auto-ack: the group gives it again after its ack wait.
        LOG.log(Level.WARNING, "herald client: the handler of '" + s.topic() + "'"
            + (group == null ? "" : " in group " + group) + " threw on seq " + seq + " of '" + topic + "'", e);
        return;
      }
      if (group != null && s.membership().ackMode() == Group.Ack.AUTO) {
        ack(m).onFailure(e -> LOG.log(Level.WARNING, "herald client: auto-ack of seq " + seq + " of '" + topic
            + "' in group " + group + " failed: " + e.getMessage()));
      }
    }

    @Override
    public void reply(Request r, JsonObject frame) {
      String status = frame.getString("status");
      HeraldException error = "error".equals(status)
          ? HeraldException.fromWire(frame.getString("error"), frame.getString("detail")) : null;
      String expected = switch (r.kind) {
        case PUBLISH -> "published";
        case SUBSCRIBE -> "subscribed";
        case UNSUBSCRIBE -> "unsubscribed";
        case ACK -> "acked";
        case PING, HEARTBEAT -> "pong";
        case STATS -> "stats";
        case TOPICS -> "topics";
        case AUTH -> "authenticated";
      };
      if (error == null && !expected.equals(status)) {
        link.fail(new IllegalStateException("node " + node + " answered " + r.describe() + " with " + frame));
        r.fail(new HeraldException.OutcomeUnknown("node " + node + " answered " + r.describe() + " with " + frame, null));
        return;
      }
      switch (r.kind) {
        case PUBLISH -> {
          if (error == null) {
            r.published.complete(frame.getLong("seq"));
          } else {
            r.published.fail(error);
          }
          pump();
        }
        case SUBSCRIBE -> subscribed(r, frame, error);
        case ACK -> {
          if (error == null) {
            r.published.complete(frame.getLong("count", 1L));
          } else {
            r.published.fail(error);
          }
        }
        case UNSUBSCRIBE -> {
          if (r.pin) {
            if (error != null) {
              LOG.warning("herald client: node " + node + " refused to drop '" + r.topic + "': " + error.getMessage());
            }
          } else if (error == null) {
            forget(r.subscription, null);
            r.unsubscribed.complete();
          } else {
            r.subscription.unsubscribing = false;
            r.unsubscribed.fail(error);
          }
        }
        case PING -> {
          if (error == null) {
            r.pong.complete(Duration.ofNanos(System.nanoTime() - r.sentNanos));
          } else {
            r.pong.fail(error);
          }
        }
        case HEARTBEAT -> {
          if (error != null) {
            LOG.warning("herald client: node " + node + " refused a heartbeat ping: " + error.getMessage());
          }
        }
        case STATS, TOPICS -> {
          if (error == null) {
            r.stats.complete(frame);
          } else {
            r.stats.fail(error);
          }
        }
        case AUTH -> { } // answered inside the link, before the client has it
      }
    }

    @Override
    public void closed(Link l, List<Request> unanswered, boolean shuttingDown, Throwable reason) {
      if (l != link) {
        return;
      }
      link = null;
      node = null;
      user = null;
      boolean refused = reason instanceof HeraldException.AuthFailed || reason instanceof HeraldException.TokenExpired;
      List<Request> again = new ArrayList<>();
      for (Request r : unanswered) {
        switch (r.kind) {
          case PUBLISH -> {
            if (shuttingDown) {
              again.add(r); // never read by the node, so certainly not stored (docs/protocol.md)
            } else {
              r.fail(new HeraldException.OutcomeUnknown(r.describe() + " was sent to node " + l.node() + " at "
                  + l.address() + ", and the connection ended before its reply: it may or may not be stored",
                  reason));
            }
          }
          case PING, STATS -> {
            if (refused) {
              r.fail(reason);
            } else {
              again.add(r); // changes nothing on the node: safe to ask the next one
            }
          }
          case UNSUBSCRIBE -> {
            if (r.pin) {
              continue; // the next connection has pins of its own
            }
            forget(r.subscription, null); // the next connection does not subscribe again: done
            r.unsubscribed.complete();
          }
          case ACK -> r.fail(new HeraldException.OutcomeUnknown(r.describe() + " was sent to node " + l.node()
              + ", and the connection ended before its reply: if the node did not read it, the message comes"
              + " again", reason));
          case SUBSCRIBE, HEARTBEAT, AUTH -> { } // subscriptions are all sent again on the next connection
        }
      }
      for (int i = again.size() - 1; i >= 0; i--) {
        Request r = again.get(i);
        waiting.addFirst(r);
        if (r.kind == Request.Kind.PUBLISH) {
          waitingPublishes++;
        }
      }
      if (closed) {
        HeraldException e = new HeraldException.ClientClosed("the client was closed before this was sent");
        waiting.forEach(r -> r.fail(e));
        waiting.clear();
        waitingPublishes = 0;
        return;
      }
      if (refused) {
        LOG.warning("herald client: node " + l.node() + " at " + l.address() + " ended the session ("
            + reason.getMessage() + "); stopping");
        stop((HeraldException) reason);
        return;
      }
      LOG.info("herald client: connection to node " + l.node() + " at " + l.address() + " lost ("
          + reason.getMessage() + "); reconnecting");
      new ArrayList<>(waiting).forEach(HeraldClient.this::waitForNode);
      for (Subscription s : new ArrayList<>(subscriptions.values())) {
        if (!s.confirmed()) {
          waitForNode(s);
        }
      }
      reconnect();
    }
  }
}
