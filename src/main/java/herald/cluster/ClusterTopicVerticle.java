package herald.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import herald.bus.Addresses;
import herald.bus.ConnRef;
import herald.bus.LocalBus;
import herald.bus.ToTopics;
import herald.codec.ErrorCode;
import herald.codec.Frame;
import herald.codec.FrameEncoder;
import herald.codec.Replay;
import herald.ops.LoopCounters;
import herald.ops.NodeMetrics;
import herald.topic.Outboxes;
import herald.topic.Retention;
import herald.topic.SubscribeRules;
import herald.topic.Subscription;
import herald.topic.SubscriptionIndex;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Logger;

/**
 * The TopicVerticle of a clustered node. Topic queues live in Hazelcast ({@link ClusterLog}: one bounded
 * {@link TopicLog} per topic in a map); this verticle owns only its node's subscriptions and the position
 * of each.
 *
 * <p><b>Publishing</b> appends to the topic's log, batching every publish that is waiting for the same topic
 * into one append, and replies {@code published} once the append, and its synchronous backups, have
 * completed; a publish to a new topic first passes the cluster-wide {@code max_topics} check
 * ({@link GroupCommit}).
 *
 * <p><b>Delivering.</b> A node reads a topic only while one of its clients subscribes to it: a {@link Feed}
 * marks the node as a reader in the topic's log (so the topic is not reclaimed), listens for changes to that
 * one key, and on each change reads from the next seq it has not seen and hands the frames to the node's
 * live subscribers. Every node therefore sees a topic in the log's one order, with no gap and no duplicate,
 * and a node with no subscriber of a topic receives none of its traffic.
 *
 * <p><b>Retention and reclaiming.</b> Appends apply the per-topic limits (count, bytes, age). Each second
 * the node sweeps the topics whose partitions it owns: messages past the age limit are dropped, and topics
 * that are empty and read by no node are forgotten.
 *
 * <p><b>Concurrency.</b> As for the single-node TopicVerticle: all state is confined to this verticle's
 * event loop; Hazelcast's completions and notices are brought back onto it by {@link ClusterLog}.
 */
public final class ClusterTopicVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(ClusterTopicVerticle.class.getName());

  /** Most messages one feed read brings. */
  static final int FEED_BATCH = 1_000;

  /** Most bytes of frames one feed read brings: bounds the message a read costs the owner and the reader. */
  static final int FEED_BATCH_BYTES = 1024 * 1024;

  /** Replays send about this many bytes, then wait for the client to write them (as on a single node). */
  static final int REPLAY_CHUNK_BYTES = 64 * 1024;

  /** Messages read per replay step; the chunk is also cut at {@link #REPLAY_CHUNK_BYTES}. */
  static final int REPLAY_READ = 256;

  /** Pause before retrying a failed read, e.g. while partitions migrate after a node loss. */
  static final long RETRY_MS = 200;

  /** How often age retention, reclaiming, and the closing of feeds no client needs any more run. */
  static final long SWEEP_INTERVAL_MS = 1_000;

  /**
   * A feed that heard of no change for this long reads anyway. Change notices are not guaranteed (Hazelcast
   * drops those in flight when a member dies), so this bounds how long a lost one can delay delivery.
   */
  static final long FEED_RECHECK_MS = 5_000;

  private final Retention retention;
  private final LogOps.Limits limits;
  private final int maxSubscriptionsPerConnection;
  private final NodeMetrics metrics;
  private final LoopCounters counters;
  /** When the read that carried the requests being handled arrived (for the publish latency metric). */
  private long readNanos;
  private final SubscriptionIndex<ConnRef, Subscription> index = new SubscriptionIndex<>();
  private final Map<String, Feed> feeds = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private HazelcastInstance hz;
  private ClusterLog log;
  private Outboxes outboxes;
  private final LocalBus bus;
  private LocalBus.Registration requests;
  private GroupCommit appends;
  private UUID membershipListener;
  private long timer;
  private long feedEpochs;
  private boolean sweeping;
  /** This node's share of the cluster's topics (those whose partitions it owns), at the last sweep. */
  private ClusterLog.Usage usage = ClusterLog.Usage.NONE;
  private long reclaimed;
  private long trimmed;
  private long published;
  private long delivered;
  private long received;
  private boolean stopped;

  public ClusterTopicVerticle(Retention retention, int maxSubscriptionsPerConnection, NodeMetrics metrics,
      LocalBus bus) {
    this.bus = bus;
    this.retention = retention;
    this.limits = new LogOps.Limits(retention.maxMessagesPerTopic(), retention.maxBytesPerTopic(),
        retention.maxAgeMillis());
    this.metrics = metrics;
    this.counters = metrics.topicCounters();
    this.maxSubscriptionsPerConnection = maxSubscriptionsPerConnection;
  }

  @Override
  public Future<?> start() {
    hz = ClusterSetup.manager(vertx).getHazelcastInstance();
    log = new ClusterLog(hz, context, limits);
    outboxes = new Outboxes(bus);
    appends = new GroupCommit(log, outboxes, metrics, retention.maxTopics(), n -> {
      published += n;
      publishCounters();
    });
    requests = bus.receive(Addresses.TOPICS, this::handle);
    consumers.add(vertx.eventBus().<Object>localConsumer(Addresses.TOPICS_STATS, m -> m.reply(stats())));
    membershipListener = hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {}

      @Override
      public void memberRemoved(MembershipEvent event) {
        // Notices from the lost member may be lost with it: every feed reads once more.
        try {
          context.runOnContext(v -> feeds.values().forEach(f -> pump(f, true)));
        } catch (RejectedExecutionException closed) {
          // the node is stopping
        }
      }
    });
    timer = vertx.setPeriodic(SWEEP_INTERVAL_MS, t -> tick());
    return Future.join(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    appends.stop();
    vertx.cancelTimer(timer);
    try {
      hz.getCluster().removeMembershipListener(membershipListener);
    } catch (RuntimeException notActive) {
      // the member has already left
    }
    new ArrayList<>(feeds.values()).forEach(this::close); // this node reads nothing more: let its topics go
    requests.unregister();
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  private void handle(ToTopics body) {
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
      index.removeAll(g.conn());
    }
    outboxes.flush();
    publishCounters();
  }

  /** Publishes this loop's numbers for the metrics scrape (release stores; see {@link LoopCounters}). */
  private void publishCounters() {
    counters.set(NodeMetrics.TOPIC_MESSAGES_IN, published);
    counters.set(NodeMetrics.TOPIC_SUBSCRIPTIONS, index.subscriptionCount());
    counters.set(NodeMetrics.TOPIC_TOPICS, usage.topics());
    counters.set(NodeMetrics.TOPIC_RETAINED_BYTES, usage.bytes());
  }

  private void handleRequest(ConnRef conn, ToTopics.Request request) {
    Outboxes.Outbox out = outboxes.of(conn);
    int slot = request.slot();
    Frame frame = request.frame();
    switch (frame.action()) {
      case PUBLISH -> appends.queue(conn, out, slot, (Frame.Publish) frame, readNanos);
      case SUBSCRIBE -> subscribe(conn, out, slot, (Frame.Subscribe) frame);
      case UNSUBSCRIBE -> out.reply(conn, slot, SubscribeRules.unsubscribe(index, conn, (Frame.Unsubscribe) frame));
      case PING -> out.reply(conn, slot, FrameEncoder.pong(frame.id()));
      case STATS, AUTH -> out.reply(conn, slot, FrameEncoder.error(frame.id(), ErrorCode.UNAVAILABLE,
          frame.action() + " is answered by the connection, not the topic verticle")); // never forwarded; kept for totality
    }
  }

  // ---- subscribe -------------------------------------------------------------------------------------

  private void subscribe(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Subscribe s) {
    Buffer settled = SubscribeRules.settled(index, maxSubscriptionsPerConnection, conn, s);
    if (settled != null) {
      out.reply(conn, slot, settled);
      return;
    }
    Subscription sub = new Subscription(conn, s.topic(), out, Long.MAX_VALUE);
    sub.live = false; // receives nothing until its start is known
    index.add(conn, s.topic(), sub);
    // The feed is open (this node marked as a reader, listening) before the bounds are read, so every
    // message after those bounds reaches the feed.
    feed(s.topic()).compose(feed -> log.bounds(s.topic())).onComplete(ar -> {
      if (ar.failed()) {
        if (index.get(conn, s.topic()) == sub) {
          index.remove(conn, s.topic());
        }
        out.reply(conn, slot, FrameEncoder.error(s.id(), ErrorCode.UNAVAILABLE,
            "the topic queue cannot be read now, retry: " + ar.cause().getMessage()));
        outboxes.flush();
        return;
      }
      LogOps.Slice bounds = ar.result();
      long start = s.replay().startSeq(bounds.start, bounds.end);
      out.reply(conn, slot, FrameEncoder.subscribed(s.id(), s.topic(), s.replay() instanceof Replay.Live ? 0 : start));
      Feed feed = feeds.get(s.topic());
      if (index.get(conn, s.topic()) == sub && feed != null) { // not unsubscribed or gone meanwhile
        sub.next = start;
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

  /** The node's feed of {@code topic}, opened if need be; completes once it is open. */
  private Future<Feed> feed(String topic) {
    Feed existing = feeds.get(topic);
    if (existing != null) {
      return existing.opened;
    }
    Feed feed = new Feed(topic, ++feedEpochs);
    feeds.put(topic, feed);
    feed.opened = log.listen(topic, () -> pump(feed, true))
        .compose(registration -> {
          feed.registration = registration;
          return log.watch(topic, feed.epoch, true);
        })
        .map(end -> {
          feed.next = end;
          feed.open = true;
          pump(feed, true);
          return feed;
        });
    feed.opened.onFailure(e -> {
      if (feeds.get(topic) == feed) {
        close(feed);
      }
    });
    return feed.opened;
  }

  /** Stops reading a topic: no more notices, and the topic's log no longer counts this node as a reader. */
  private void close(Feed feed) {
    feeds.remove(feed.topic);
    if (feed.registration != null) {
      log.unlisten(feed.registration).onFailure(e -> LOG.fine("unlisten " + feed.topic + ": " + e));
    }
    log.watch(feed.topic, feed.epoch, false).onFailure(e -> LOG.fine("unwatch " + feed.topic + ": " + e));
  }

  /**
   * Reads {@code feed}'s topic from the next seq this node has not seen, and delivers it; one read in flight
   * per feed, repeated while the log has more or changed meanwhile.
   */
  private void pump(Feed feed, boolean changed) {
    feed.changed |= changed;
    if (!feed.open || feed.reading || stopped || feeds.get(feed.topic) != feed) {
      return;
    }
    feed.reading = true;
    feed.changed = false;
    feed.lastRead = System.nanoTime();
    log.read(feed.topic, feed.next, FEED_BATCH, FEED_BATCH_BYTES).onComplete(ar -> {
      feed.reading = false;
      if (stopped || feeds.get(feed.topic) != feed) {
        return;
      }
      if (ar.failed()) {
        LOG.warning("reading topic " + feed.topic + " failed, retrying: " + ar.cause());
        vertx.setTimer(RETRY_MS, t -> pump(feed, true));
        return;
      }
      LogOps.Slice slice = ar.result();
      long seq = slice.start;
      for (Buffer frame : slice.frames) {
        if (seq >= feed.next) {
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
      if (feed.changed || slice.next() < slice.end) {
        pump(feed, false);
      }
    });
  }

  /** Sends a replaying subscriber its next chunk; it turns live once it reaches its node's feed. */
  private void catchUp(Subscription sub) {
    log.read(sub.topic, sub.next, REPLAY_READ, REPLAY_CHUNK_BYTES).onComplete(ar -> {
      if (stopped || index.get(sub.conn, sub.topic) != sub) {
        return;
      }
      if (ar.failed()) {
        vertx.setTimer(RETRY_MS, t -> catchUp(sub));
        return;
      }
      LogOps.Slice slice = ar.result();
      sub.next = Math.max(sub.next, slice.start); // retention dropped what lay before: the seq jumps
      long seq = slice.start;
      for (Buffer frame : slice.frames) {
        if (seq >= sub.next) {
          sub.outbox.push(sub.conn, frame);
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

  // ---- once a second ---------------------------------------------------------------------------------

  private void tick() {
    long now = System.nanoTime();
    for (Feed feed : new ArrayList<>(feeds.values())) {
      if (feed.open && !index.hasSubscribers(feed.topic)) {
        close(feed);
      } else if (feed.open && now - feed.lastRead > FEED_RECHECK_MS * 1_000_000) {
        pump(feed, true);
      }
    }
    if (!sweeping) {
      sweeping = true;
      log.sweep(System.currentTimeMillis() - retention.maxAgeMillis(), retention.maxTotalBytes()).onComplete(ar -> {
        sweeping = false;
        if (ar.succeeded()) {
          usage = ar.result();
          reclaimed += usage.reclaimed();
          trimmed += usage.trimmed();
          publishCounters();
        } else if (!stopped) {
          LOG.warning("sweeping topics failed, next in " + SWEEP_INTERVAL_MS + " ms: " + ar.cause());
        }
      });
    }
  }

  private JsonObject stats() {
    return new JsonObject()
        .put("topics", usage.topics())
        .put("messages", usage.messages())
        .put("bytes", usage.bytes())
        .put("reclaimed", reclaimed)
        .put("trimmed_bytes", trimmed)
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
    /** Tells this feed's mark in the topic's log from an earlier or later feed of this node. */
    final long epoch;
    Future<Feed> opened;
    UUID registration;
    boolean open;
    /** The next seq this node has not yet read. */
    long next;
    boolean reading;
    /** A change was heard while a read was in flight: read again. */
    boolean changed;
    long lastRead;

    Feed(String topic, long epoch) {
      this.topic = topic;
      this.epoch = epoch;
    }
  }
}
