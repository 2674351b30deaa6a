package herald.topic;

import herald.bus.Addresses;
import herald.bus.ConnRef;
import herald.bus.LocalBus;
import herald.bus.ToTopics;
import herald.codec.ErrorCode;
import herald.codec.Frame;
import herald.codec.FrameEncoder;
import herald.codec.Replay;
import herald.match.TokenTrie;
import herald.match.TopicPattern;
import herald.ops.LoopCounters;
import herald.ops.NodeMetrics;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A node's subscriptions, replay and delivery, over its {@link TopicLogs}: in memory on a single node, in
 * Hazelcast in a cluster. Everything a feature does with subscribers is written here once.
 *
 * <p><b>Publishing</b> goes through {@link GroupCommit}: the publishes of one handled batch are appended per
 * topic, and each is answered {@code published} once its append completes.
 *
 * <p><b>Delivering.</b> While a client of this node subscribes to a topic, the node follows it
 * ({@link TopicLogs#follow}): the logs hand every new message, in seq order, to {@link #deliver}, which
 * pushes it to the topic's live subscribers. A {@link Stream} remembers the next seq the logs will deliver.
 * A subscriber that replays reads the log from its start seq in chunks ({@link #catchUp}) and turns live when
 * it reaches the stream's position; from then on it takes each message from the stream, once.
 *
 * <p><b>Concurrency.</b> One instance per node. All of its state is touched only on its own event loop: from
 * its {@code LocalBus} receiver, its stats consumers, its timer, and the completions and deliveries of its
 * logs, which come back on that loop. With {@link LocalLogs} every result is ready at once, so a
 * subscribe-with-replay reads the backlog and joins the live stream in one handler call, with no publish in
 * between; in a cluster the same code waits for the log, and the stream's position keeps the hand-over exact.
 *
 * <p><b>Output.</b> Replies and pushes for the connections of one NetServer verticle are gathered in an
 * {@link Outboxes.Outbox} while one incoming message is handled, then sent as one batch: that keeps their
 * order and makes one hop per batch instead of one per delivered message.
 */
public final class TopicVerticle extends VerticleBase {

  /**
   * A replaying subscriber gets about this many bytes of stored frames, then waits until it has written
   * them before it gets more. Replays are therefore paced by the client's reading speed and do not trip the
   * slow-consumer limit, however much the topic holds.
   */
  static final int REPLAY_CHUNK_BYTES = 64 * 1024;

  /**
   * Most messages one replay read brings. The chunk's bytes bound it first for any real message (a frame is
   * at least ~40 bytes); this only caps the list a cluster read carries back.
   */
  static final int REPLAY_READ = 2_048;

  /** Pause before retrying a failed replay read, e.g. while partitions migrate after a node loss. */
  static final long RETRY_MS = 200;

  /** How often retention, reclaiming and the logs' housekeeping run. */
  public static final long TICK_MS = 1_000;

  private final TopicLogs logs;
  private final Retention retention;
  private final int maxSubscriptionsPerConnection;
  private final NodeMetrics metrics;
  private final LoopCounters counters;
  private final LocalBus bus;
  /** The subscriptions as made: topics and patterns, per connection. */
  private final SubscriptionIndex<ConnRef, Subscription> subscriptions = new SubscriptionIndex<>();
  /** Who reads which concrete topic, and where: one cursor per connection and topic. */
  private final SubscriptionIndex<ConnRef, Cursor> cursors = new SubscriptionIndex<>();
  /** The pattern subscriptions, to find those matching a topic in time proportional to its tokens. */
  private final TokenTrie<Subscription> patterns = new TokenTrie<>();
  /** How many subscriptions hold each pattern: the logs follow a pattern while one does. */
  private final Map<String, Integer> patternHolders = new HashMap<>();
  /** Changes whenever a pattern subscription comes or goes: a stream then looks for new readers once. */
  private long patternEpoch;
  /** The topics this node follows, one per topic its clients read. */
  private final Map<String, Stream> streams = new HashMap<>();
  /** This node's consumer-group members. */
  private final Groups groups;

  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Outboxes outboxes;
  private GroupCommit appends;
  private LocalBus.Registration requests;
  /** When the read that carried the requests being handled arrived (for the publish latency metric). */
  private long readNanos;
  private long published;
  private long delivered;
  private long timer;
  private boolean stopped;
  /** The metrics show groups: once the last member goes they are cleared once, then left alone. */
  private boolean groupsShown;
  /** Inside {@link #handle}, which flushes the outboxes once at its end. */
  private boolean handling;

  public TopicVerticle(TopicLogs logs, Retention retention, int maxSubscriptionsPerConnection, NodeMetrics metrics,
      LocalBus bus) {
    this.logs = logs;
    this.retention = retention;
    this.maxSubscriptionsPerConnection = maxSubscriptionsPerConnection;
    this.metrics = metrics;
    this.counters = metrics.topicCounters();
    this.bus = bus;
    this.groups = new Groups(logs, metrics.errors(), subscriptions, new GroupsHost());
  }

  /** What {@link Groups} may do with this verticle. */
  private final class GroupsHost implements Groups.Host {
    @Override
    public Future<?> follow(String topic) {
      return TopicVerticle.this.follow(topic);
    }

    @Override
    public void unfollowIfUnused(String topic) {
      TopicVerticle.this.unfollowIfUnused(topic);
    }

    @Override
    public Future<Void> holdPattern(Subscription sub) {
      return TopicVerticle.this.holdPattern(sub);
    }

    @Override
    public void forgetPattern(Subscription sub) {
      TopicVerticle.this.forgetPattern(sub);
    }

    @Override
    public void patternReady(Subscription sub) {
      sub.ready = true;
      patternEpoch++;
    }

    @Override
    public void flushIfAsync() {
      TopicVerticle.this.flushIfAsync();
    }

    @Override
    public boolean stopped() {
      return stopped;
    }

    @Override
    public void delivered() {
      delivered++;
    }
  }

  @Override
  public Future<?> start() {
    outboxes = new Outboxes(bus);
    appends = new GroupCommit(logs, outboxes, metrics, retention.maxTopics(), n -> {
      published += n;
      if (!handling) { // an append that completed later: its publishes count now, not at the next tick
        counters.set(NodeMetrics.TOPIC_MESSAGES_IN, published);
      }
    });
    return logs.start(context, this::deliver).compose(v -> {
      requests = bus.receive(Addresses.TOPICS, this::handle);
      consumers.add(vertx.eventBus().<Object>localConsumer(Addresses.TOPICS_STATS,
          m -> stats().onComplete(ar -> reply(m, ar))));
      consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.TOPICS_LIST,
          m -> list(m.body()).onComplete(ar -> reply(m, ar))));
      consumers.add(vertx.eventBus().<JsonArray>localConsumer(Addresses.TOPICS_SUBSCRIBERS,
          m -> m.reply(TopicQueries.subscribers(cursors, m.body()))));
      consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.TOPICS_PEEK,
          m -> peek(m.body()).onComplete(ar -> reply(m, ar))));
      timer = vertx.setPeriodic(TICK_MS, t -> {
        logs.tick();
        // Messages given back to a group (ack wait over) are claimed here, at most a tick after.
        groups.tick();
        publishCounters();
        if (!groups.isEmpty() || groupsShown) {
          groupsShown = !groups.isEmpty();
          groups.figures().onSuccess(metrics::groups);
        }
      });
      return Future.join(consumers.stream().map(MessageConsumer::completion).toList());
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    appends.stop();
    vertx.cancelTimer(timer);
    if (requests != null) {
      requests.unregister();
    }
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).compose(v -> logs.stop());
  }

  private void handle(ToTopics body) {
    handling = true;
    try {
      dispatch(body);
      appends.endTurn(); // on disk: the batch's publishes are written before their replies leave
    } finally {
      handling = false;
    }
    outboxes.flush();
    publishCounters();
  }

  private void dispatch(ToTopics body) {
    if (body instanceof ToTopics.Requests r) {
      readNanos = r.readNanos();
      for (ToTopics.Request request : r.requests()) {
        handleRequest(r.conn(), request);
      }
      appends.commitQueued();
    } else if (body instanceof ToTopics.Credit c) {
      Cursor cursor = cursors.get(c.conn(), c.topic());
      if (cursor != null && !cursor.live) {
        catchUp(cursor);
      }
    } else if (body instanceof ToTopics.Gone g) {
      for (Subscription sub : subscriptions.removeAll(g.conn())) {
        forgetPattern(sub);
        groups.leave(sub);
      }
      for (Cursor cursor : cursors.removeAll(g.conn())) {
        unfollowIfUnused(cursor.topic);
      }
    }
  }

  /** Publishes this loop's numbers for the metrics scrape (release stores; see {@link LoopCounters}). */
  private void publishCounters() {
    counters.set(NodeMetrics.TOPIC_MESSAGES_IN, published);
    counters.set(NodeMetrics.TOPIC_SUBSCRIPTIONS, subscriptions.subscriptionCount());
    counters.set(NodeMetrics.TOPIC_TOPICS, logs.heldTopics());
    counters.set(NodeMetrics.TOPIC_RETAINED_BYTES, logs.heldBytes());
  }

  private void handleRequest(ConnRef conn, ToTopics.Request request) {
    Outboxes.Outbox out = outboxes.of(conn);
    int slot = request.slot();
    Frame frame = request.frame();
    switch (frame.action()) {
      case PUBLISH -> appends.queue(conn, out, slot, (Frame.Publish) frame, readNanos);
      case SUBSCRIBE -> {
        // Publishes earlier in this batch are stored first, so a live subscriber starts after them, as if
        // each request had been handled alone.
        appends.commitQueued();
        subscribe(conn, out, slot, (Frame.Subscribe) frame);
      }
      case UNSUBSCRIBE -> {
        appends.commitQueued();
        unsubscribe(conn, out, slot, (Frame.Unsubscribe) frame);
      }
      case ACK -> groups.ack(conn, out, slot, (Frame.Ack) frame);
      case PING -> out.reply(conn, slot, FrameEncoder.pong(frame.id())); // connections answer pings; kept for totality
      case STATS, TOPICS, AUTH -> out.reply(conn, slot, metrics.errors().frame(frame.id(), ErrorCode.UNAVAILABLE,
          frame.action() + " is answered by the connection, not the topic verticle")); // never forwarded; kept for totality
    }
  }

  // ---- subscribe and unsubscribe -----------------------------------------------------------------------

  /**
   * Makes a subscription: finds the topics it reads now (the topic itself, or every topic the pattern
   * matches), follows each and reads its bounds, answers {@code subscribed}, then gives the connection a
   * cursor in each topic it does not read yet, at the start its replay asks for. A pattern also reads topics
   * that appear later: {@link #deliver} finds them.
   */
  private void subscribe(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Subscribe s) {
    Buffer settled = SubscribeRules.settled(metrics.errors(), subscriptions, maxSubscriptionsPerConnection, conn, s);
    if (settled != null) {
      out.reply(conn, slot, settled);
      return;
    }
    Subscription sub = new Subscription(conn, s.topic(), s.replay(), s.group(), out);
    if (sub.group != null) {
      groups.join(sub, slot, s);
      return;
    }
    subscriptions.add(conn, sub.key, sub);
    // A pattern lists the topics that exist only once the logs report those that appear: none falls between.
    Future<Collection<String>> reads = sub.pattern
        ? holdPattern(sub).compose(v -> logs.summarize(s.topic(), sub::matches)).map(Map::keySet)
        : Future.succeededFuture(List.of(s.topic()));
    List<String> fresh = new ArrayList<>();
    reads.compose(topics -> {
      List<Future<Slice>> bounds = new ArrayList<>();
      for (String topic : topics) {
        if (cursors.get(conn, topic) == null) { // a topic the connection reads already is not replayed again
          fresh.add(topic);
          // Followed before its bounds are read, so every message after those bounds is delivered.
          bounds.add(follow(topic).compose(stream -> logs.bounds(topic)));
        }
      }
      return Future.all(bounds).map(all -> bounds.stream().map(Future::result).toList());
    }).onComplete(ar -> {
      boolean held = subscriptions.get(conn, sub.key) == sub; // not unsubscribed or gone meanwhile
      if (ar.failed()) {
        if (held) {
          subscriptions.remove(conn, sub.key);
          forgetPattern(sub);
        }
        fresh.forEach(this::unfollowIfUnused);
        out.reply(conn, slot, metrics.errors().frame(s.id(), ErrorCode.UNAVAILABLE,
            "the topic queue cannot be read now, retry: " + ar.cause().getMessage()));
        flushIfAsync();
        return;
      }
      List<Slice> bounds = ar.result();
      long start = 0;
      if (!sub.pattern && !bounds.isEmpty() && !(s.replay() instanceof Replay.Live)) {
        start = s.replay().startSeq(bounds.get(0).start(), bounds.get(0).end());
      }
      out.reply(conn, slot, FrameEncoder.subscribed(s.id(), s.topic(), start));
      for (int i = 0; i < fresh.size(); i++) {
        String topic = fresh.get(i);
        if (held && cursors.get(conn, topic) == null && streams.containsKey(topic)) {
          attach(sub, topic, bounds.get(i).start(), bounds.get(i).end());
        } else {
          unfollowIfUnused(topic);
        }
      }
      if (held && sub.pattern) {
        sub.ready = true; // from now on it also reads topics that appear, from their first message
        patternEpoch++;
      }
      flushIfAsync();
    });
  }

  /** Gives {@code sub}'s connection a cursor in {@code topic}, whose oldest held seq is {@code first} and next is {@code end}. */
  private void attach(Subscription sub, String topic, long first, long end) {
    Stream stream = streams.get(topic);
    Cursor cursor = new Cursor(sub.conn, topic, sub.outbox, sub.replay.startSeq(first, end));
    cursors.add(sub.conn, topic, cursor);
    if (cursor.next >= stream.next) {
      cursor.live = true; // the stream delivers from here; seqs below cursor.next are skipped
    } else {
      catchUp(cursor);
    }
  }

  private void unsubscribe(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Unsubscribe u) {
    Subscription sub = subscriptions.get(conn, Subscription.key(u.topic(), u.group()));
    out.reply(conn, slot, SubscribeRules.unsubscribe(metrics.errors(), subscriptions, conn, u));
    if (sub == null) {
      return;
    }
    forgetPattern(sub);
    if (sub.group != null) {
      groups.leave(sub);
      return;
    }
    List<Cursor> matched = sub.pattern
        ? cursors.of(conn).stream().filter(c -> sub.matches(c.topic)).toList()
        : cursors.get(conn, u.topic()) == null ? List.of() : List.of(cursors.get(conn, u.topic()));
    for (Cursor cursor : matched) {
      if (subscriptions.of(conn).stream().noneMatch(other -> other.group == null && other.matches(cursor.topic))) {
        cursors.remove(conn, cursor.topic); // no other subscription of the connection reads this topic
        unfollowIfUnused(cursor.topic);
      }
    }
  }

  /** Adds a pattern subscription; completes once the logs will report topics that appear from now on. */
  private Future<Void> holdPattern(Subscription sub) {
    patterns.add(sub.topic, sub);
    patternEpoch++;
    patternHolders.merge(sub.topic, 1, Integer::sum);
    return logs.followPattern(sub.topic);
  }

  private void forgetPattern(Subscription sub) {
    if (sub.pattern && patterns.remove(sub.topic, sub)) {
      patternEpoch++;
      if (patternHolders.merge(sub.topic, -1, Integer::sum) == 0) {
        patternHolders.remove(sub.topic);
        logs.unfollowPattern(sub.topic);
      }
    }
  }

  /** This node's stream of {@code topic}, followed if need be; completes once the logs deliver it. */
  private Future<Stream> follow(String topic) {
    Stream existing = streams.get(topic);
    if (existing != null) {
      return existing.followed;
    }
    Stream stream = new Stream();
    streams.put(topic, stream);
    stream.followed = logs.follow(topic).map(next -> {
      stream.next = Math.max(stream.next, next);
      return stream;
    });
    stream.followed.onFailure(e -> {
      if (streams.get(topic) == stream) {
        streams.remove(topic);
        logs.unfollow(topic);
      }
    });
    return stream.followed;
  }

  /** Stops following a topic once no client of this node reads it. */
  private void unfollowIfUnused(String topic) {
    if (!cursors.hasSubscribers(topic) && !groups.has(topic) && streams.remove(topic) != null) {
      logs.unfollow(topic);
    }
  }

  // ---- delivery --------------------------------------------------------------------------------------

  /**
   * New messages of a followed topic, from the logs: each goes to every live cursor not past it. A topic
   * the node does not follow yet arrives here because a pattern matches it (it appeared after the pattern's
   * subscription was made): it gets a stream, starting at these messages.
   */
  private void deliver(String topic, long firstSeq, List<Buffer> frames) {
    if (stopped) {
      return;
    }
    Stream stream = streams.get(topic);
    boolean found = stream == null;
    if (found) {
      if (patterns.size() == 0 || !patterns.matchesAny(topic)) {
        return;
      }
      stream = new Stream();
      stream.next = firstSeq;
      stream.origin = firstSeq;
      stream.followed = Future.succeededFuture(stream);
      streams.put(topic, stream);
      logs.follow(topic); // already delivering: this only keeps it followed (and, in memory, never forgotten)
    }
    if (stream.epoch != patternEpoch) {
      stream.epoch = patternEpoch;
      attachPatterns(topic, stream);
    }
    long seq = firstSeq;
    for (Buffer frame : frames) {
      if (seq >= stream.next) {
        for (Cursor cursor : cursors.subscribers(topic)) {
          if (cursor.live && seq >= cursor.next) {
            cursor.outbox.push(cursor.conn, frame);
            cursor.next = seq + 1;
            delivered++;
          } // a cursor still replaying reads this message from the log when it gets there
        }
      }
      seq++;
    }
    stream.next = Math.max(stream.next, seq);
    groups.delivered(topic); // new messages for the groups: members with room claim them
    if (found) {
      unfollowIfUnused(topic); // no ready pattern took it
    }
    flushIfAsync();
  }

  /**
   * Gives a cursor in {@code topic} to each ready pattern subscription that matches it and whose connection
   * has none: from the stream's origin if the topic appeared after the subscriptions were made (so a new
   * topic is read from its first message), else from the stream's position, as its replay asks.
   */
  private void attachPatterns(String topic, Stream stream) {
    List<Subscription> found = new ArrayList<>();
    List<Subscription> groupSubs = new ArrayList<>();
    long end = stream.origin > 0 ? stream.origin : stream.next;
    patterns.forEachMatch(topic, sub -> {
      if (sub.ready && sub.group != null) {
        groupSubs.add(sub);
      } else if (sub.ready && cursors.get(sub.conn, topic) == null) {
        found.add(sub);
      }
    });
    for (Subscription sub : found) {
      attach(sub, topic, 1, end); // the log's oldest held seq is found by the replay read, if one is needed
    }
    for (Subscription sub : groupSubs) {
      groups.found(sub, topic, end); // a topic that appeared after the group was joined: it starts there
    }
  }

  /** Sends a replaying cursor its next chunk; it turns live once it reaches the stream's position. */
  private void catchUp(Cursor cursor) {
    logs.read(cursor.topic, cursor.next, REPLAY_READ, REPLAY_CHUNK_BYTES).onComplete(ar -> {
      if (stopped || cursors.get(cursor.conn, cursor.topic) != cursor) {
        return;
      }
      if (ar.failed()) {
        vertx.setTimer(RETRY_MS, t -> catchUp(cursor));
        return;
      }
      Slice slice = ar.result();
      cursor.next = Math.max(cursor.next, slice.start()); // retention dropped what lay before: the seq jumps
      long seq = slice.start();
      for (Buffer frame : slice.frames()) {
        if (seq >= cursor.next) {
          cursor.outbox.push(cursor.conn, frame);
          cursor.next = seq + 1;
        }
        seq++;
      }
      Stream stream = streams.get(cursor.topic);
      if (stream == null || cursor.next >= stream.next) {
        cursor.live = true; // everything below the stream's position has been replayed
      } else {
        cursor.outbox.wantCredit(cursor.conn, cursor.topic);
      }
      flushIfAsync();
    });
  }

  /**
   * Sends what a completion produced. Completions that run inside a handler call (all of them, with
   * {@link LocalLogs}) leave it to that call's one flush, so a batch stays one message per NetServer verticle.
   */
  private void flushIfAsync() {
    if (!handling) {
      outboxes.flush();
    }
  }

  // ---- for operators (/api/, the topics request) -------------------------------------------------------

  private Future<JsonObject> list(JsonObject request) {
    String pattern = request.getString("pattern");
    Predicate<String> matches = TopicPattern.matcher(pattern);
    return logs.summarize(pattern, matches).map(found -> {
      Map<String, TopicSummary> all = new HashMap<>(found);
      TopicQueries.addSubscribed(cursors, matches, all); // subscribed to, never published to
      return TopicQueries.list(all, request.getInteger("limit", 0));
    });
  }

  private Future<JsonObject> peek(JsonObject request) {
    String topic = request.getString("topic");
    int last = TopicQueries.last(request);
    return logs.bounds(topic)
        .compose(b -> logs.read(topic, Math.max(b.start(), b.end() - last), last, Integer.MAX_VALUE))
        .map(slice -> {
          JsonArray messages = new JsonArray();
          slice.frames().forEach(f -> messages.add(TopicQueries.peeked(f)));
          return TopicQueries.peek(topic, messages);
        });
  }

  private static void reply(Message<?> m, AsyncResult<JsonObject> ar) {
    if (ar.succeeded()) {
      m.reply(ar.result());
    } else {
      m.fail(503, "the topic logs cannot be read now: " + ar.cause().getMessage());
    }
  }

  /** This node's figures, with the groups its clients are members of (their figures from the log). */
  private Future<JsonObject> stats() {
    JsonObject stats = new JsonObject();
    logs.describe(stats);
    stats.put("subscriptions", subscriptions.subscriptionCount())
        .put("subscribers", subscriptions.subscriberCount())
        .put("subscribed_topics", cursors.topicCount())
        .put("published", published)
        .put("delivered", delivered);
    return groups.figures().map(figures -> stats.put("groups", figures));
  }

  /** A topic this node follows because some of its clients read it. */
  private static final class Stream {
    Future<Stream> followed;
    /** The seq the logs deliver next: a cursor at or past it is live. */
    long next;
    /** For a topic found through a pattern when it appeared: the first seq delivered (0 otherwise). */
    long origin;
    /** The {@link #patternEpoch} at which this stream last looked for pattern readers. */
    long epoch = -1;
  }
}
