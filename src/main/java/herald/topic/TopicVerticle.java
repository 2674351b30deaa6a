package herald.topic;

import herald.bus.Addresses;
import herald.bus.ConnRef;
import herald.bus.LocalBus;
import herald.bus.ToTopics;
import herald.codec.ErrorCode;
import herald.codec.Frame;
import herald.codec.FrameEncoder;
import herald.codec.Replay;
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
 * logs, which come back on that loop. With {@link MemoryLogs} every result is ready at once, so a
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
  private final SubscriptionIndex<ConnRef, Subscription> index = new SubscriptionIndex<>();
  /** The topics this node follows, one per topic its clients subscribe to. */
  private final Map<String, Stream> streams = new HashMap<>();
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
  }

  @Override
  public Future<?> start() {
    outboxes = new Outboxes(bus);
    appends = new GroupCommit(logs, outboxes, metrics, retention.maxTopics(), n -> published += n);
    return logs.start(context, this::deliver).compose(v -> {
      requests = bus.receive(Addresses.TOPICS, this::handle);
      consumers.add(vertx.eventBus().<Object>localConsumer(Addresses.TOPICS_STATS, m -> m.reply(stats())));
      consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.TOPICS_LIST,
          m -> list(m.body()).onComplete(ar -> reply(m, ar))));
      consumers.add(vertx.eventBus().<JsonArray>localConsumer(Addresses.TOPICS_SUBSCRIBERS,
          m -> m.reply(TopicQueries.subscribers(index, m.body()))));
      consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.TOPICS_PEEK,
          m -> peek(m.body()).onComplete(ar -> reply(m, ar))));
      timer = vertx.setPeriodic(TICK_MS, t -> {
        logs.tick();
        publishCounters();
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
      Subscription sub = index.get(c.conn(), c.topic());
      if (sub != null && !sub.live) {
        catchUp(sub);
      }
    } else if (body instanceof ToTopics.Gone g) {
      for (Subscription sub : index.removeAll(g.conn())) {
        unfollowIfUnused(sub.topic);
      }
    }
  }

  /** Publishes this loop's numbers for the metrics scrape (release stores; see {@link LoopCounters}). */
  private void publishCounters() {
    counters.set(NodeMetrics.TOPIC_MESSAGES_IN, published);
    counters.set(NodeMetrics.TOPIC_SUBSCRIPTIONS, index.subscriptionCount());
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
        Frame.Unsubscribe u = (Frame.Unsubscribe) frame;
        out.reply(conn, slot, SubscribeRules.unsubscribe(metrics.errors(), index, conn, u));
        unfollowIfUnused(u.topic());
      }
      case PING -> out.reply(conn, slot, FrameEncoder.pong(frame.id())); // connections answer pings; kept for totality
      case STATS, TOPICS, AUTH -> out.reply(conn, slot, metrics.errors().frame(frame.id(), ErrorCode.UNAVAILABLE,
          frame.action() + " is answered by the connection, not the topic verticle")); // never forwarded; kept for totality
    }
  }

  // ---- subscribe -------------------------------------------------------------------------------------

  private void subscribe(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Subscribe s) {
    Buffer settled = SubscribeRules.settled(metrics.errors(), index, maxSubscriptionsPerConnection, conn, s);
    if (settled != null) {
      out.reply(conn, slot, settled);
      return;
    }
    Subscription sub = new Subscription(conn, s.topic(), out, Long.MAX_VALUE);
    sub.live = false; // receives nothing until its start is known
    index.add(conn, s.topic(), sub);
    // The topic is followed before its bounds are read, so every message after those bounds is delivered.
    follow(s.topic()).compose(stream -> logs.bounds(s.topic())).onComplete(ar -> {
      if (ar.failed()) {
        if (index.get(conn, s.topic()) == sub) {
          index.remove(conn, s.topic());
          unfollowIfUnused(s.topic());
        }
        out.reply(conn, slot, metrics.errors().frame(s.id(), ErrorCode.UNAVAILABLE,
            "the topic queue cannot be read now, retry: " + ar.cause().getMessage()));
        flushIfAsync();
        return;
      }
      Slice bounds = ar.result();
      long start = s.replay().startSeq(bounds.start(), bounds.end());
      out.reply(conn, slot, FrameEncoder.subscribed(s.id(), s.topic(), s.replay() instanceof Replay.Live ? 0 : start));
      Stream stream = streams.get(s.topic());
      if (index.get(conn, s.topic()) == sub && stream != null) { // not unsubscribed or gone meanwhile
        sub.next = start;
        if (start >= stream.next) {
          sub.live = true; // the stream delivers from here; seqs below sub.next are skipped
        } else {
          catchUp(sub);
        }
      }
      flushIfAsync();
    });
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

  /** Stops following a topic once no client of this node subscribes to it. */
  private void unfollowIfUnused(String topic) {
    if (!index.hasSubscribers(topic) && streams.remove(topic) != null) {
      logs.unfollow(topic);
    }
  }

  // ---- delivery --------------------------------------------------------------------------------------

  /** New messages of a followed topic, from the logs: each goes to every live subscriber not past it. */
  private void deliver(String topic, long firstSeq, List<Buffer> frames) {
    Stream stream = streams.get(topic);
    if (stream == null || stopped) {
      return;
    }
    long seq = firstSeq;
    for (Buffer frame : frames) {
      if (seq >= stream.next) {
        for (Subscription sub : index.subscribers(topic)) {
          if (sub.live && seq >= sub.next) {
            sub.outbox.push(sub.conn, frame);
            sub.next = seq + 1;
            delivered++;
          } // a subscriber still replaying reads this message from the log when it gets there
        }
      }
      seq++;
    }
    stream.next = Math.max(stream.next, seq);
    flushIfAsync();
  }

  /** Sends a replaying subscriber its next chunk; it turns live once it reaches the stream's position. */
  private void catchUp(Subscription sub) {
    logs.read(sub.topic, sub.next, REPLAY_READ, REPLAY_CHUNK_BYTES).onComplete(ar -> {
      if (stopped || index.get(sub.conn, sub.topic) != sub) {
        return;
      }
      if (ar.failed()) {
        vertx.setTimer(RETRY_MS, t -> catchUp(sub));
        return;
      }
      Slice slice = ar.result();
      sub.next = Math.max(sub.next, slice.start()); // retention dropped what lay before: the seq jumps
      long seq = slice.start();
      for (Buffer frame : slice.frames()) {
        if (seq >= sub.next) {
          sub.outbox.push(sub.conn, frame);
          sub.next = seq + 1;
        }
        seq++;
      }
      Stream stream = streams.get(sub.topic);
      if (stream == null || sub.next >= stream.next) {
        sub.live = true; // everything below the stream's position has been replayed
      } else {
        sub.outbox.wantCredit(sub.conn, sub.topic);
      }
      flushIfAsync();
    });
  }

  /**
   * Sends what a completion produced. Completions that run inside a handler call (all of them, with
   * {@link MemoryLogs}) leave it to that call's one flush, so a batch stays one message per NetServer verticle.
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
      TopicQueries.addSubscribed(index, matches, all); // subscribed to, never published to
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

  private static void reply(Message<JsonObject> m, AsyncResult<JsonObject> ar) {
    if (ar.succeeded()) {
      m.reply(ar.result());
    } else {
      m.fail(503, "the topic logs cannot be read now: " + ar.cause().getMessage());
    }
  }

  private JsonObject stats() {
    JsonObject stats = new JsonObject();
    logs.describe(stats);
    return stats
        .put("subscriptions", index.subscriptionCount())
        .put("subscribers", index.subscriberCount())
        .put("subscribed_topics", index.topicCount())
        .put("published", published)
        .put("delivered", delivered);
  }

  /** A topic this node follows because some of its clients subscribe to it. */
  private static final class Stream {
    Future<Stream> followed;
    /** The seq the logs deliver next: a subscriber at or past it is live. */
    long next;
  }
}
