package herald.cluster;

import herald.bus.Addresses;
import herald.bus.ConnRef;
import herald.bus.LocalCodec;
import herald.bus.ToTopics;
import herald.codec.ErrorCode;
import herald.codec.Frame;
import herald.codec.FrameEncoder;
import herald.ops.LoopCounters;
import herald.ops.NodeMetrics;
import herald.topic.Outboxes;
import herald.topic.SubscribeRules;
import herald.topic.Subscription;
import herald.topic.SubscriptionIndex;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The TopicVerticle of a clustered node. Topic queues live in Hazelcast ringbuffers ({@link RingbufferLog});
 * this verticle owns only its node's subscriptions and the position of each.
 *
 * <p><b>Publishing</b> appends to the topic's ringbuffer, batching every publish that is waiting for the
 * same topic into one append (group commit, one append in flight per topic), and replies {@code published}
 * once the append, and its synchronous backups, have completed.
 *
 * <p><b>Delivering.</b> A node reads a topic only while one of its clients subscribes to it: a {@link Feed}
 * long-polls the ringbuffer from the next seq it has not seen and hands each message to the node's live
 * subscribers. Every node therefore sees a topic in the ringbuffer's one order, with no gap and no
 * duplicate, and a node with no subscriber of a topic receives none of its traffic.
 *
 * <p><b>Concurrency.</b> As for the single-node TopicVerticle: all state is confined to this verticle's
 * event loop; Hazelcast's completions are brought back onto it by {@link RingbufferLog}.
 */
public final class ClusterTopicVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(ClusterTopicVerticle.class.getName());

  /** Most publishes one append carries: large enough to amortise the round trip, small enough to stay prompt. */
  static final int APPEND_BATCH = 1_000;

  /** Most messages one feed read brings. */
  static final int FEED_BATCH = 1_000;

  /** Replays send about this many bytes, then wait for the client to write them (as on a single node). */
  static final int REPLAY_CHUNK_BYTES = 64 * 1024;

  /** Messages read per replay step; the chunk is cut to {@link #REPLAY_CHUNK_BYTES}. */
  static final int REPLAY_READ = 256;

  /** Pause before retrying a failed read, e.g. while partitions migrate after a node loss. */
  static final long RETRY_MS = 200;

  private final int maxSubscriptionsPerConnection;
  private final NodeMetrics metrics;
  private final LoopCounters counters;
  /** When the read that carried the requests being handled arrived (for the publish latency metric). */
  private long readNanos;
  private final SubscriptionIndex<ConnRef, Subscription> index = new SubscriptionIndex<>();
  private final Map<String, Feed> feeds = new HashMap<>();
  private final Map<String, Appends> appends = new HashMap<>();
  private final Set<Appends> toCommit = new LinkedHashSet<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private RingbufferLog log;
  private Outboxes outboxes;
  private long published;
  private long delivered;
  private long received;
  private boolean stopped;

  public ClusterTopicVerticle(int maxSubscriptionsPerConnection, NodeMetrics metrics) {
    this.metrics = metrics;
    this.counters = metrics.topicCounters();
    this.maxSubscriptionsPerConnection = maxSubscriptionsPerConnection;
  }

  @Override
  public Future<?> start() {
    LocalCodec.register(vertx.eventBus());
    log = new RingbufferLog(ClusterSetup.manager(vertx).getHazelcastInstance(), context);
    outboxes = new Outboxes(vertx);
    consumers.add(vertx.eventBus().<ToTopics>localConsumer(Addresses.TOPICS, this::handle));
    consumers.add(vertx.eventBus().<Object>localConsumer(Addresses.TOPICS_STATS, m -> m.reply(stats())));
    return Future.join(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  private void handle(Message<ToTopics> message) {
    ToTopics body = message.body();
    if (body instanceof ToTopics.Requests r) {
      readNanos = r.readNanos();
      for (ToTopics.Request request : r.requests()) {
        handleRequest(r.conn(), request);
      }
      toCommit.forEach(this::commit);
      toCommit.clear();
    } else if (body instanceof ToTopics.Credit c) {
      Subscription sub = index.get(c.conn(), c.topic());
      if (sub != null && !sub.live) {
        catchUp(sub);
      }
    } else if (body instanceof ToTopics.Gone g) {
      index.removeAll(g.conn());
    }
    outboxes.flush();
    publishCounters();
  }

  /** Publishes this loop's numbers for the metrics scrape (release stores; see {@link LoopCounters}). */
  private void publishCounters() {
    counters.set(NodeMetrics.TOPIC_MESSAGES_IN, published);
    counters.set(NodeMetrics.TOPIC_SUBSCRIPTIONS, index.subscriptionCount());
    counters.set(NodeMetrics.TOPIC_TOPICS, feeds.size());
  }

  private void handleRequest(ConnRef conn, ToTopics.Request request) {
    Outboxes.Outbox out = outboxes.of(conn);
    int slot = request.slot();
    Frame frame = request.frame();
    switch (frame.action()) {
      case PUBLISH -> queue(conn, out, slot, (Frame.Publish) frame);
      case SUBSCRIBE -> subscribe(conn, out, slot, (Frame.Subscribe) frame);
      case UNSUBSCRIBE -> out.reply(conn, slot, SubscribeRules.unsubscribe(index, conn, (Frame.Unsubscribe) frame));
      case PING -> out.reply(conn, slot, FrameEncoder.pong(frame.id()));
      case STATS -> out.reply(conn, slot, FrameEncoder.error(frame.id(), ErrorCode.UNAVAILABLE,
          "stats are answered by the connection, not the topic verticle")); // never forwarded; kept for totality
    }
  }

  // ---- publish: group commit per topic -------------------------------------------------------------

  private void queue(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Publish p) {
    Appends a = appends.computeIfAbsent(p.topic(), Appends::new);
    a.queued.add(new PendingPublish(conn, out, slot, p, readNanos));
    toCommit.add(a);
  }

  private void commit(Appends a) {
    if (a.inFlight || a.queued.isEmpty()) {
      return;
    }
    List<PendingPublish> batch = new ArrayList<>(Math.min(a.queued.size(), APPEND_BATCH));
    while (!a.queued.isEmpty() && batch.size() < APPEND_BATCH) {
      batch.add(a.queued.poll());
    }
    a.inFlight = true;
    log.append(a.topic, batch.stream().map(pp -> pp.frame.message()).toList()).onComplete(ar -> {
      a.inFlight = false;
      for (int i = 0; i < batch.size(); i++) {
        PendingPublish pp = batch.get(i);
        pp.out.reply(pp.conn, pp.slot, ar.succeeded()
            ? FrameEncoder.published(pp.frame.id(), a.topic, ar.result() + i)
            : FrameEncoder.error(pp.frame.id(), ErrorCode.UNAVAILABLE,
                "the message was not stored, retry: " + ar.cause().getMessage()));
      }
      if (ar.succeeded()) {
        published += batch.size();
        long sampled = 0;
        for (PendingPublish pp : batch) {
          if (pp.readNanos != sampled) { // one latency sample per client read in the batch, not per message
            sampled = pp.readNanos;
            metrics.publishAcked(sampled);
          }
        }
        publishCounters();
      }
      if (a.queued.isEmpty()) {
        appends.remove(a.topic);
      } else {
        commit(a);
      }
      outboxes.flush();
    });
  }

  // ---- subscribe / unsubscribe -----------------------------------------------------------------------

  private void subscribe(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Subscribe s) {
    Buffer settled = SubscribeRules.settled(index, maxSubscriptionsPerConnection, conn, s);
    if (settled != null) {
      out.reply(conn, slot, settled);
      return;
    }
    Subscription sub = new Subscription(conn, s.topic(), out, Long.MAX_VALUE);
    sub.live = false; // receives nothing until its start is known
    index.add(conn, s.topic(), sub);
    log.bounds(s.topic()).onComplete(ar -> {
      if (ar.failed()) {
        index.remove(conn, s.topic());
        out.reply(conn, slot, FrameEncoder.error(s.id(), ErrorCode.UNAVAILABLE,
            "the topic queue cannot be read now, retry: " + ar.cause().getMessage()));
        outboxes.flush();
        return;
      }
      RingbufferLog.Bounds b = ar.result();
      long start = s.replay().startSeq(b.first(), b.next());
      out.reply(conn, slot, FrameEncoder.subscribed(s.id(), s.topic(),
          s.replay() instanceof herald.codec.Replay.Live ? 0 : start));
      if (index.get(conn, s.topic()) == sub) { // not unsubscribed or gone meanwhile
        sub.next = start;
        Feed feed = feeds.computeIfAbsent(s.topic(), t -> new Feed(t, b.next()));
        pump(feed);
        if (start >= feed.next) {
          sub.live = true; // the feed delivers from here; seqs below sub.next are skipped
        } else {
          catchUp(sub);
        }
      }
      outboxes.flush();
    });
  }

  // ---- delivery --------------------------------------------------------------------------------------

  /** Keeps one long-poll read going for {@code feed} while the node has subscribers of its topic. */
  private void pump(Feed feed) {
    if (feed.reading || stopped) {
      return;
    }
    if (!index.hasSubscribers(feed.topic)) {
      feeds.remove(feed.topic);
      return;
    }
    feed.reading = true;
    log.read(feed.topic, feed.next, 1, FEED_BATCH).onComplete(ar -> {
      feed.reading = false;
      if (ar.failed()) {
        if (stopped) {
          return;
        }
        LOG.warning("reading topic " + feed.topic + " failed, retrying: " + ar.cause());
        vertx.setTimer(RETRY_MS, t -> pump(feed));
        return;
      }
      RingbufferLog.Slice slice = ar.result();
      long seq = slice.firstSeq();
      for (Buffer data : slice.data()) {
        if (seq >= feed.next) {
          Buffer frame = FrameEncoder.message(feed.topic, data, seq);
          received++;
          for (Subscription sub : index.subscribers(feed.topic)) {
            if (sub.live && seq >= sub.next) {
              sub.outbox.push(sub.conn, frame);
              sub.next = seq + 1;
              delivered++;
            }
          }
        }
        seq++;
      }
      feed.next = Math.max(feed.next, slice.next());
      outboxes.flush();
      pump(feed);
    });
  }

  /** Sends a replaying subscriber its next chunk; it turns live once it reaches its node's feed. */
  private void catchUp(Subscription sub) {
    log.read(sub.topic, sub.next, 0, REPLAY_READ).onComplete(ar -> {
      if (stopped || index.get(sub.conn, sub.topic) != sub) {
        return;
      }
      if (ar.failed()) {
        vertx.setTimer(RETRY_MS, t -> catchUp(sub));
        return;
      }
      RingbufferLog.Slice slice = ar.result();
      sub.next = Math.max(sub.next, slice.firstSeq()); // retention dropped what lay before: the seq jumps
      long seq = slice.firstSeq();
      int bytes = 0;
      for (Buffer data : slice.data()) {
        if (seq >= sub.next) {
          if (bytes >= REPLAY_CHUNK_BYTES) {
            break;
          }
          Buffer frame = FrameEncoder.message(sub.topic, data, seq);
          sub.outbox.push(sub.conn, frame);
          bytes += frame.length();
          sub.next = seq + 1;
        }
        seq++;
      }
      Feed feed = feeds.get(sub.topic);
      if (feed == null || sub.next >= feed.next) {
        sub.live = true; // everything below the feed's position has been replayed
      } else {
        sub.outbox.wantCredit(sub.conn, sub.topic);
      }
      outboxes.flush();
    });
  }

  private JsonObject stats() {
    return new JsonObject()
        .put("subscriptions", index.subscriptionCount())
        .put("subscribers", index.subscriberCount())
        .put("subscribed_topics", index.topicCount())
        .put("feeds", feeds.size())
        .put("published", published)
        .put("delivered", delivered)
        .put("received", received);
  }

  /** A topic this node reads because some of its clients subscribe to it. */
  private static final class Feed {
    final String topic;
    /** The next seq this node has not yet read. */
    long next;
    boolean reading;

    Feed(String topic, long next) {
      this.topic = topic;
      this.next = next;
    }
  }

  /** Publishes waiting for one topic, and whether an append for it is in flight. */
  private static final class Appends {
    final String topic;
    final ArrayDeque<PendingPublish> queued = new ArrayDeque<>();
    boolean inFlight;

    Appends(String topic) {
      this.topic = topic;
    }
  }

  private record PendingPublish(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Publish frame, long readNanos) {}
}
