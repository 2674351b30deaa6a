package herald.ops;

import herald.auth.Identity;
import herald.auth.Mode;
import herald.auth.Permissions;
import herald.auth.Security;
import herald.auth.Users;
import herald.bus.Addresses;
import herald.bus.ConnRef;
import herald.bus.LocalBus;
import herald.bus.ToConnections;
import herald.bus.ToTopics;
import herald.codec.ErrorCode;
import herald.codec.Frame;
import herald.codec.TopicName;
import herald.match.TopicPattern;
import herald.topic.TopicQueries;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The JSON API under {@code /api/} (docs/api.md), the data behind the web console and a tool for scripts.
 * Any node answers for the whole cluster ({@link ClusterView}).
 *
 * <p><b>Security.</b> With users or JWT keys configured (modes REQUIRED and OPTIONAL) every request needs
 * HTTP Basic credentials of the users file or a bearer JWT: the console is an operator's tool, so the
 * client port's anonymity in OPTIONAL mode does not extend to it. Peeking needs the subscribe permission
 * for the topic, publishing the publish permission, and listing shows only the topics the user may
 * subscribe to. Without users, the client port's protected mode applies: loopback only unless
 * {@code HERALD_ALLOW_ANONYMOUS=true}.
 *
 * <p><b>Publishing</b> goes through the same path as a client's publish: a {@link ToTopics.Requests} to the
 * node's topic verticle, whose reply comes back on this verticle's own {@code LocalBus} address like a
 * connection's. So it gets a seq, reaches subscribers, and in a cluster is acknowledged only once stored
 * with its backups.
 *
 * <p><b>Concurrency.</b> Runs on the {@link OpsVerticle}'s event loop; its pending publishes are confined
 * to it.
 */
public final class Api {

  /** Topics listed when the request gives no {@code limit}: a screenful. */
  static final int DEFAULT_LIMIT = 100;

  /**
   * How long a checked password is taken again without bcrypt. A browser sends Basic credentials with every
   * request, and the console polls every few seconds: a bcrypt check each time (tens of milliseconds of CPU
   * by design) would cost the broker's cores more than the console is worth. An entry is good only for the
   * users file it was checked against, so a changed password or a removed user takes effect at the next
   * reload, whatever the entry's age.
   */
  static final long LOGIN_CACHE_MS = 60_000;

  /** Logins remembered at once: far more operators than a node has; past it the cache starts again. */
  static final int LOGIN_CACHE_ENTRIES = 256;

  /** A password check that succeeded against {@code users}, good until {@code expiresAt}. */
  private record Login(Identity identity, Users users, long expiresAt) {}

  /** The LocalBus address of publishes' replies: one per node, since each node has its own LocalBus. */
  static final String REPLIES = "herald.api";

  private final Vertx vertx;
  private final Security security;
  private final ClusterView cluster;
  private final String node;
  private final LocalBus bus;
  private final int maxFrameBytes;
  private final Map<Integer, Promise<Buffer>> publishing = new HashMap<>();
  private final Map<String, Login> logins = new HashMap<>();
  private final byte[] loginSalt = new byte[16];
  private int nextSlot;

  public Api(Vertx vertx, Security security, String node, LocalBus bus, int maxFrameBytes) {
    this.vertx = vertx;
    this.security = security;
    this.cluster = new ClusterView(vertx);
    this.node = node;
    this.bus = bus;
    this.maxFrameBytes = maxFrameBytes;
    new SecureRandom().nextBytes(loginSalt);
  }

  /** Adds the routes; call from the verticle's start(), which also makes this the receiver of replies. */
  void mount(Router router) {
    bus.receive(REPLIES, this::replies);
    // The body is read first: authentication is asynchronous (bcrypt on the worker pool), and the request's
    // body would be lost while it runs.
    router.post("/api/topics/:topic/messages").handler(BodyHandler.create(false).setBodyLimit(maxFrameBytes));
    router.route("/api/*").handler(this::authenticate);
    router.get("/api/overview").handler(ctx -> cluster.overview(node).onComplete(ar -> answer(ctx, ar)));
    router.get("/api/topics").handler(this::topics);
    router.get("/api/topics/:topic/messages").handler(this::peek);
    router.post("/api/topics/:topic/messages").handler(this::publish);
    router.route("/api/*").handler(ctx -> error(ctx, 404, "not_found", "no such API: " + ctx.request().method()
        + " " + ctx.request().path() + " (see docs/api.md)"));
    router.route("/api/*").failureHandler(ctx -> {
      if (ctx.statusCode() == 413) {
        error(ctx, 413, ErrorCode.FRAME_TOO_LARGE.wire(),
            "the message is larger than " + maxFrameBytes + " bytes (HERALD_MAX_FRAME_BYTES)");
      } else {
        error(ctx, ctx.statusCode() > 0 ? ctx.statusCode() : 500, "internal", String.valueOf(ctx.failure()));
      }
    });
  }

  // ---- who is asking -------------------------------------------------------------------------------

  private void authenticate(RoutingContext ctx) {
    Mode mode = security.mode();
    if (mode == Mode.OPEN) {
      next(ctx, Identity.ANONYMOUS);
      return;
    }
    if (mode == Mode.PROTECTED) {
      if (security.refuses(ctx.request().remoteAddress())) {
        security.failure("protected_mode");
        error(ctx, 401, ErrorCode.AUTH_REQUIRED.wire(), Security.protectedModeDetail());
      } else {
        next(ctx, Identity.ANONYMOUS);
      }
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    Future<Identity> check;
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      check = security.token(header.substring(7).trim());
    } else if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
      String pair;
      try {
        pair = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        pair = "";
      }
      int colon = pair.indexOf(':');
      check = colon <= 0 ? Future.failedFuture(new IllegalArgumentException("bad_basic_header"))
          : password(pair.substring(0, colon), pair.substring(colon + 1));
    } else {
      ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"herald\", charset=\"UTF-8\"");
      error(ctx, 401, ErrorCode.AUTH_REQUIRED.wire(),
          "this node has users configured: send HTTP Basic credentials of the users file or a bearer JWT");
      return;
    }
    check.onComplete(ar -> {
      if (ar.succeeded()) {
        next(ctx, ar.result());
      } else {
        security.failure(ar.cause().getMessage());
        ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"herald\", charset=\"UTF-8\"");
        error(ctx, 401, ErrorCode.AUTH_FAILED.wire(), "authentication failed");
      }
    });
  }

  /** {@link Security#password}, or a success remembered for the same user, password and users file. */
  private Future<Identity> password(String user, String password) {
    Users users = security.users();
    String key = loginKey(user, password);
    long now = System.currentTimeMillis();
    Login known = logins.get(key);
    if (known != null && known.users() == users && known.expiresAt() > now) {
      return Future.succeededFuture(known.identity());
    }
    return security.password(user, password).onSuccess(identity -> {
      if (logins.size() >= LOGIN_CACHE_ENTRIES) {
        logins.clear();
      }
      logins.put(key, new Login(identity, users, now + LOGIN_CACHE_MS));
    });
  }

  /** The user and a salted hash of the password: the cache never holds a password itself. */
  private String loginKey(String user, String password) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(loginSalt);
      sha.update(password.getBytes(StandardCharsets.UTF_8));
      return user + '\0' + Base64.getEncoder().encodeToString(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void next(RoutingContext ctx, Identity identity) {
    ctx.put("identity", identity);
    ctx.next();
  }

  /** The asker's permissions; answers 403 and returns null for a user removed from the users file. */
  private Permissions permissions(RoutingContext ctx) {
    Identity identity = ctx.get("identity");
    Permissions p = security.permissions(identity);
    if (p == null) {
      error(ctx, 403, ErrorCode.FORBIDDEN.wire(), "user " + identity.user() + " is no longer in the users file");
    }
    return p;
  }

  // ---- the routes ----------------------------------------------------------------------------------

  private void topics(RoutingContext ctx) {
    String pattern = ctx.request().getParam("pattern");
    if (pattern != null && pattern.isEmpty()) {
      pattern = null;
    }
    String problem = pattern == null ? null : TopicPattern.problem(pattern);
    if (problem != null) {
      error(ctx, 400, ErrorCode.INVALID_TOPIC.wire(), problem);
      return;
    }
    Integer limit = integer(ctx, "limit", DEFAULT_LIMIT, 1, ClusterView.MAX_LISTED);
    Permissions p = limit == null ? null : permissions(ctx);
    if (p == null) {
      return;
    }
    Predicate<String> visible = p == Permissions.ALL ? null : p::maySubscribe;
    cluster.topics(pattern, limit, visible).onComplete(ar -> answer(ctx, ar));
  }

  private void peek(RoutingContext ctx) {
    String topic = topic(ctx);
    Integer last = topic == null ? null : integer(ctx, "last", 10, 1, TopicQueries.MAX_PEEK);
    Permissions p = last == null ? null : permissions(ctx);
    if (p == null) {
      return;
    }
    if (!p.maySubscribe(topic)) {
      error(ctx, 403, ErrorCode.FORBIDDEN.wire(), security.forbidden("subscribe", user(ctx), topic));
      return;
    }
    cluster.peek(topic, last).onComplete(ar -> answer(ctx, ar));
  }

  private void publish(RoutingContext ctx) {
    String topic = topic(ctx);
    Permissions p = topic == null ? null : permissions(ctx);
    if (p == null) {
      return;
    }
    if (!p.mayPublish(topic)) {
      error(ctx, 403, ErrorCode.FORBIDDEN.wire(), security.forbidden("publish", user(ctx), topic));
      return;
    }
    Object message;
    try {
      message = ctx.body().isEmpty() ? null : Json.decodeValue(ctx.body().buffer());
    } catch (DecodeException e) {
      error(ctx, 400, ErrorCode.INVALID_JSON.wire(), "the body is not JSON: " + e.getMessage());
      return;
    }
    if (message == null) {
      error(ctx, 400, ErrorCode.MISSING_MESSAGE.wire(), "the body is the message: a JSON value that is not null");
      return;
    }
    // Encoded again, compactly: the stored frame is one line, so the message may hold no raw newline.
    Buffer data = Buffer.buffer(Json.encode(message));
    int slot = nextSlot++;
    Promise<Buffer> reply = Promise.promise();
    publishing.put(slot, reply);
    bus.send(Addresses.TOPICS, new ToTopics.Requests(new ConnRef(REPLIES, 0),
        List.of(new ToTopics.Request(slot, new Frame.Publish(null, topic, data))), System.nanoTime()));
    long timer = vertx.setTimer(ClusterView.ASK_TIMEOUT_MS * 5, t -> {
      Promise<Buffer> waiting = publishing.remove(slot);
      if (waiting != null) {
        waiting.fail("no answer from the topic verticle");
      }
    });
    reply.future().onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.failed()) {
        error(ctx, 503, ErrorCode.UNAVAILABLE.wire(), "the message's outcome is unknown: " + ar.cause().getMessage());
        return;
      }
      JsonObject frame = new JsonObject(ar.result());
      if ("published".equals(frame.getString("status"))) {
        json(ctx, 200, new JsonObject().put("topic", topic).put("seq", frame.getLong("seq")));
      } else {
        String code = frame.getString("error");
        error(ctx, ErrorCode.TOO_MANY_TOPICS.wire().equals(code) ? 400 : 503, code, frame.getString("detail"));
      }
    });
  }

  /** The topic verticle's replies to publishes, as to a connection's. */
  private void replies(ToConnections batch) {
    for (ToConnections.Item item : batch.items()) {
      if (item instanceof ToConnections.Reply r) {
        Promise<Buffer> waiting = publishing.remove(r.slot());
        if (waiting != null) {
          waiting.complete(r.frame());
        }
      }
    }
  }

  // ---- helpers -------------------------------------------------------------------------------------

  private static String user(RoutingContext ctx) {
    Identity identity = ctx.get("identity");
    return identity.user();
  }

  /** The path's topic, or null after answering 400 invalid_topic. */
  private static String topic(RoutingContext ctx) {
    String topic = ctx.pathParam("topic");
    String problem = TopicName.problem(topic);
    if (problem != null) {
      error(ctx, 400, ErrorCode.INVALID_TOPIC.wire(), problem);
      return null;
    }
    return topic;
  }

  /** A query parameter between {@code min} and {@code max}, or null after answering 400 invalid_field. */
  private static Integer integer(RoutingContext ctx, String name, int absent, int min, int max) {
    String value = ctx.request().getParam(name);
    if (value == null) {
      return absent;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    error(ctx, 400, ErrorCode.INVALID_FIELD.wire(), name + " must be an integer from " + min + " to " + max);
    return null;
  }

  private static void answer(RoutingContext ctx, io.vertx.core.AsyncResult<JsonObject> ar) {
    if (ar.succeeded()) {
      json(ctx, 200, ar.result());
    } else {
      error(ctx, 503, ErrorCode.UNAVAILABLE.wire(), "the node could not answer now: " + ar.cause().getMessage());
    }
  }

  static void error(RoutingContext ctx, int status, String code, String detail) {
    json(ctx, status, new JsonObject().put("error", code).put("detail", detail));
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }
  }
}
