package herald.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import herald.codec.Replay;
import herald.match.TokenTrie;
import herald.topic.Retention;
import herald.topic.Slice;
import herald.topic.TopicLogs;
import herald.topic.TopicSummary;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * A clustered node's topic logs: one bounded {@link TopicLog} per topic in Hazelcast ({@link ClusterLog}),
 * behind {@link TopicLogs}. The partition owner orders every append, which gives one order per topic across
 * the cluster; an append completes once its synchronous backups hold it.
 *
 * <p><b>Following.</b> A node reads a topic only while one of its clients subscribes to it: a {@link Feed}
 * marks the node as a reader in the topic's log (so the topic is not reclaimed) and reads it from the seq the
 * next append gets. From then on the node that appends to the topic pushes the frames, with their seqs, to every
 * reader the append found in the log ({@link Push}, over the clustered event bus), once the append and its
 * backups completed; the feed delivers them in seq order to the {@link TopicLogs.Delivery}, holds one that
 * arrives ahead of a missing one, and reads the gap from the log ({@link LogOps.Read}) if the missing one does not
 * come within {@link #GAP_WAIT_MS}. It also reads when a member leaves (pushes from it may be lost) and after
 * {@link #FEED_RECHECK_MS} without a push. Every node therefore sees a topic in the log's one order, with no gap
 * and no duplicate, and a node with no subscriber of a topic receives none of its traffic.
 *
 * <p><b>Retention and reclaiming.</b> Appends apply the per-topic limits (count, bytes, age). Each tick the
 * node sweeps the topics whose partitions it owns: messages past the age limit are dropped, and topics that
 * are empty and read by no node are forgotten.
 *
 * <p><b>Concurrency.</b> Confined to the topic verticle's event loop; Hazelcast's completions and notices are
 * brought back onto it by {@link ClusterLog}, and the membership listener hops onto it too.
 */
public final class ClusterLogs implements TopicLogs {

  private static final Logger LOG = Logger.getLogger(ClusterLogs.class.getName());

  /** Most messages one feed read brings. */
  static final int FEED_BATCH = 1_000;

  /** Most bytes of frames one feed read brings: bounds the message a read costs the owner and the reader. */
  static final int FEED_BATCH_BYTES = 1024 * 1024;

  /** Pause before retrying a failed read, e.g. while partitions migrate after a node loss. */
  static final long RETRY_MS = 200;

  /**
   * A feed that got no push for this long reads anyway. A push is lost when the node that appended dies before
   * sending it (every feed also reads when a member leaves) or when the event bus drops it, so this bounds how
   * long a lost push at the end of a burst can delay delivery; one in the middle is found by the next push.
   */
  static final long FEED_RECHECK_MS = 5_000;

  /**
   * How long a push that arrived ahead of a missing one waits for it before the feed reads the gap from the log.
   * Pushes from two appending nodes can cross; the one before usually lands within this.
   */
  static final long GAP_WAIT_MS = 20;

  /** Most frames a feed holds ahead of a gap; past it, it drops them and reads from the log. */
  static final int MAX_HELD_FRAMES = 10_000;

  /** For tests: pushes this drops before sending, to show a lost push is repaired from the log. */
  static volatile java.util.function.Predicate<Push> dropForTests = p -> false;

  private final Retention retention;
  private final LogOps.Limits limits;
  private final Map<String, Feed> feeds = new HashMap<>();
  /** The patterns followed, with their listener registrations. */
  private final Map<String, Future<UUID>> patterns = new HashMap<>();
  private final TokenTrie<String> patternTrie = new TokenTrie<>();
  private HazelcastInstance hz;
  private ClusterLog log;
  private Context context;
  private Delivery delivery;
  private UUID membershipListener;
  private long feedEpochs;
  private boolean sweeping;
  /** This node's share of the cluster's topics (those whose partitions it owns), at the last sweep. */
  private ClusterLog.Usage usage = ClusterLog.Usage.NONE;
  private long reclaimed;
  private long trimmed;
  private long received;
  /** Gaps in the pushes read from the log: a push lost, or one that did not arrive within GAP_WAIT_MS. */
  private long gaps;
  private boolean stopped;
  /** This node's copies on disk, or null when the cluster keeps its logs in memory only. */
  private Replicas replicas;
  private Quorum quorum;
  private final long fsyncIntervalMillis;
  private long fsyncTimer = -1;
  private boolean fsyncing;
  private io.vertx.core.eventbus.MessageConsumer<Buffer> pushes;

  public ClusterLogs(Retention retention) {
    this(retention, 1_000);
  }

  public ClusterLogs(Retention retention, long fsyncIntervalMillis) {
    this.retention = retention;
    this.fsyncIntervalMillis = fsyncIntervalMillis;
    this.limits = new LogOps.Limits(retention.maxMessagesPerTopic(), retention.maxBytesPerTopic(),
        retention.maxAgeMillis());
  }

  @Override
  public Future<Void> start(Context context, Delivery delivery) {
    this.context = context;
    this.delivery = delivery;
    hz = ClusterSetup.manager(context.owner()).getHazelcastInstance();
    log = new ClusterLog(hz, context, limits, (topic, messages, appended) -> {
      try {
        context.runOnContext(v -> push(topic, messages, appended));
      } catch (RejectedExecutionException closed) {
        // the node is stopping: the readers read the dead letter at their next look
      }
    });
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
    replicas = Replicas.of(hz);
    quorum = Quorum.of(hz);
    pushes = context.owner().eventBus().<Buffer>consumer(Push.address(log.member()), m -> received(Push.decode(m.body())));
    if (replicas == null) {
      return pushes.completion();
    }
    if (replicas.fsync() == herald.store.FsyncPolicy.INTERVAL) {
      fsyncTimer = context.owner().setPeriodic(fsyncIntervalMillis, t -> fsyncInterval());
    }
    return pushes.completion().compose(v -> restoreFromDisk());
  }

  /**
   * Offers every copy this node's disk holds to the cluster ({@link LogOps.Restore}), once a majority of
   * {@code cluster_size} is present (the topics map refuses operations before that), then records that this
   * node has: the cluster serves once a majority has ({@link Quorum#formed()}). On a thread of its own, since a
   * cluster that is still forming can keep it waiting for as long as the other nodes take to start.
   */
  private Future<Void> restoreFromDisk() {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    Thread t = new Thread(() -> {
      try {
        new Restoring(hz, replicas, quorum, limits, () -> stopped).run(System.currentTimeMillis() - retention.maxAgeMillis());
        context.runOnContext(v -> done.tryComplete());
      } catch (RuntimeException e) {
        context.runOnContext(v -> done.tryFail(e));
      }
    }, "herald-restore");
    t.setDaemon(true);
    t.start();
    return done.future();
  }

  /** With {@code fsync interval}: the files written since the last one are fsynced on a worker, one batch at a time. */
  private void fsyncInterval() {
    if (fsyncing || stopped || !replicas.needsSync()) {
      return; // nothing written since the last: no hop to a worker
    }
    fsyncing = true;
    context.executeBlocking(() -> {
      replicas.syncDirty();
      return null;
    }, false).onComplete(ar -> fsyncing = false);
  }

  @Override
  public Future<Void> stop() {
    stopped = true;
    if (pushes != null) {
      pushes.unregister();
    }
    if (fsyncTimer >= 0) {
      context.owner().cancelTimer(fsyncTimer);
    }
    try {
      hz.getCluster().removeMembershipListener(membershipListener);
    } catch (RuntimeException notActive) {
      // the member has already left
    }
    new ArrayList<>(patterns.keySet()).forEach(this::unfollowPattern);
    new ArrayList<>(feeds.values()).forEach(this::close); // this node reads nothing more: let its topics go
    return Future.succeededFuture();
  }

  @Override
  public Future<Long> append(String topic, List<Buffer> messages, boolean create) {
    return log.append(topic, messages, create).map(appended -> {
      try {
        push(topic, messages, appended); // before the publishes are answered, so readers are never behind the reply
      } catch (RuntimeException e) {
        // Stored and replicated all the same: the readers find it in the log (recheck, or the next push's gap).
        LOG.warning("pushing an append of topic " + topic + " failed; its readers will read it: " + e);
      }
      return appended.first; // LogOps.ABSENT is TopicLogs.ABSENT
    });
  }

  /**
   * Sends an append's frames to every node that read the topic when it was appended (this one included, without
   * the event bus). Only after the append completed, i.e. once its backups held it: a reader is never shown a
   * message that a failover could give to another.
   */
  private void push(String topic, List<Buffer> messages, LogOps.Appended appended) {
    if (appended == null || appended.first < 1 || appended.readers.isEmpty()) {
      return;
    }
    Push push = Push.of(topic, appended.first, messages);
    for (UUID reader : appended.readers) {
      if (reader.equals(log.member())) {
        received(push);
      } else if (!dropForTests.test(push)) {
        context.owner().eventBus().send(Push.address(reader), push.wire());
      }
    }
  }

  /**
   * A push for a topic this node follows: delivered if it is next, held if it is ahead of a missing one (which
   * is read from the log if it does not come within {@link #GAP_WAIT_MS}), dropped if already delivered.
   */
  private void received(Push push) {
    Feed feed = feeds.get(push.topic());
    if (feed == null || !feed.open || stopped) {
      return; // not followed (any more), or still opening: the feed's first read starts after the watch
    }
    feed.lastRead = System.nanoTime();
    if (push.end() <= feed.next) {
      return;
    }
    if (push.firstSeq() > feed.next) {
      feed.held.put(push.firstSeq(), push.frames());
      feed.heldFrames += push.frames().size();
      if (feed.heldFrames > MAX_HELD_FRAMES) {
        feed.held.clear();
        feed.heldFrames = 0;
        pump(feed, true);
      } else if (feed.gapTimer < 0) {
        feed.gapTimer = context.owner().setTimer(GAP_WAIT_MS, t -> {
          feed.gapTimer = -1;
          if (!feed.held.isEmpty()) {
            gaps++;
            pump(feed, true);
          }
        });
      }
      return;
    }
    deliverFrom(feed, push.firstSeq(), push.frames());
    drainHeld(feed);
  }

  /** Delivers the frames from {@code firstSeq} on that the feed has not delivered yet. */
  private void deliverFrom(Feed feed, long firstSeq, List<Buffer> frames) {
    int skip = (int) Math.max(0, Math.min(frames.size(), feed.next - firstSeq));
    if (skip < frames.size()) {
      List<Buffer> fresh = skip == 0 ? frames : frames.subList(skip, frames.size());
      received += fresh.size();
      delivery.deliver(feed.topic, firstSeq + skip, fresh);
      feed.next = firstSeq + frames.size();
    }
  }

  /** Delivers the held pushes that the feed has now reached. */
  private void drainHeld(Feed feed) {
    while (!feed.held.isEmpty() && feed.held.firstKey() <= feed.next) {
      Map.Entry<Long, List<Buffer>> e = feed.held.pollFirstEntry();
      feed.heldFrames -= e.getValue().size();
      deliverFrom(feed, e.getKey(), e.getValue());
    }
  }

  @Override
  public Future<Slice> read(String topic, long fromSeq, int maxCount, int maxBytes) {
    return log.read(topic, fromSeq, maxCount, maxBytes).map(s -> new Slice(s.start, s.end, s.frames));
  }

  @Override
  public Future<Long> follow(String topic) {
    Feed feed = feeds.get(topic);
    if (feed == null) {
      feed = open(topic, false);
    }
    feed.followed = true;
    return feed.opened.map(f -> f.next);
  }

  /** The feed stays open until the next tick, so a client that subscribes again at once costs no re-open. */
  @Override
  public void unfollow(String topic) {
    Feed feed = feeds.get(topic);
    if (feed != null) {
      feed.followed = false;
    }
  }

  /**
   * One Hazelcast entry listener per pattern, filtered on the key by the members that own the partitions
   * ({@link KeyMatches}), so the node hears only of matching topics. A topic heard of that has no feed gets
   * one that starts at its oldest held message: it appeared (or first changed) after the pattern was followed.
   */
  @Override
  public Future<Void> followPattern(String pattern) {
    Future<UUID> registration = patterns.get(pattern);
    if (registration == null) {
      registration = log.listen(new KeyMatches(pattern), this::heard);
      patterns.put(pattern, registration);
      patternTrie.add(pattern, pattern);
    }
    return registration.mapEmpty();
  }

  @Override
  public void unfollowPattern(String pattern) {
    Future<UUID> registration = patterns.remove(pattern);
    if (registration != null) {
      patternTrie.remove(pattern, pattern);
      registration.onSuccess(id -> log.unlisten(id).onFailure(e -> LOG.fine("unlisten " + pattern + ": " + e)));
    }
  }

  /** A change to a topic that a followed pattern matches. */
  private void heard(String topic) {
    Feed feed = feeds.get(topic);
    if (feed != null) {
      return; // followed already: its appends are pushed here
    } else if (!stopped && patternTrie.size() > 0 && patternTrie.matchesAny(topic)) {
      open(topic, true).followed = true;
    }
  }

  @Override
  public String memberPrefix() {
    return log.member().toString(); // the sweep gives back what members of departed nodes held
  }

  @Override
  public Future<Void> joinGroup(String topic, String group, Replay replay, int maxDeliver) {
    return log.joinGroup(topic, group, replay, maxDeliver);
  }

  @Override
  public Future<List<Claimed>> claim(String topic, String group, String member, int max, long ackWaitMs,
      boolean ackNone) {
    return log.claim(topic, group, member, max, System.currentTimeMillis() + ackWaitMs, ackNone).map(c -> {
      List<Claimed> out = new ArrayList<>(c.seqs.size());
      for (int i = 0; i < c.seqs.size(); i++) {
        out.add(new Claimed(c.seqs.get(i), c.deliveries.get(i), c.frames.get(i)));
      }
      return out;
    });
  }

  /** Asks of an ack whose answer was lost (it may be recorded: a plain retry would get not_held), and of a release. */
  static final int ACK_RETRIES = 3, RELEASE_TRIES = 30;

  @Override
  public Future<Integer> ack(String topic, String group, String member, long seq, boolean upto) {
    return ack(topic, group, member, seq, upto, false, ACK_RETRIES);
  }

  private Future<Integer> ack(String topic, String group, String member, long seq, boolean upto, boolean retry,
      int retries) {
    return log.ack(topic, group, member, seq, upto, retry).recover(e -> retries > 0 && !stopped
        && ClusterLog.mayHaveApplied(e) ? ack(topic, group, member, seq, upto, true, retries - 1) : Future.failedFuture(e));
  }

  /** Idempotent, so tried until it succeeds: else what the member held waits for its ack wait. */
  @Override
  public void release(String topic, String group, String member) {
    release(topic, group, member, RELEASE_TRIES);
  }

  private void release(String topic, String group, String member, int tries) {
    log.release(topic, group, member).onFailure(e -> {
      if (tries > 1 && !stopped) {
        context.owner().setTimer(RETRY_MS * 5, t -> release(topic, group, member, tries - 1));
      } else {
        LOG.warning("release " + member + " of " + group + " on " + topic + " failed (its ack wait gives them back): " + e);
      }
    });
  }

  @Override
  public Future<Void> releaseAll(String topic, String group, String member) {
    return log.release(topic, group, member).mapEmpty();
  }

  @Override
  public Future<JsonObject> groupInfo(String topic, String group) {
    return log.groupInfo(topic, group).map(s -> s == null ? null : new JsonObject(s));
  }

  @Override
  public Future<Integer> topicCount() {
    return log.topicCount();
  }

  @Override
  public Future<Map<String, TopicSummary>> summarize(String pattern, Predicate<String> matches) {
    return log.summarize(pattern); // every topic with subscribers has a log: Watch makes one
  }

  @Override
  public void tick() {
    long now = System.nanoTime();
    for (Feed feed : new ArrayList<>(feeds.values())) {
      if (feed.open && !feed.followed) {
        close(feed);
      } else if (feed.open && now - feed.lastRead > FEED_RECHECK_MS * 1_000_000) {
        pump(feed, true);
      }
    }
    if (!sweeping) {
      sweeping = true;
      log.sweep(System.currentTimeMillis() - retention.maxAgeMillis(), retention.maxTotalBytes()).onComplete(ar -> {
        sweeping = false;
        if (ar.succeeded() && replicas != null && quorum.present()) {
          int dropped = replicas.dropUnheld(System.currentTimeMillis());
          if (dropped > 0) {
            LOG.info("storage: deleted " + dropped + " topic cop" + (dropped == 1 ? "y" : "ies")
                + " this node no longer holds (their partitions moved to other nodes)");
          }
        }
        if (ar.succeeded()) {
          usage = ar.result();
          reclaimed += usage.reclaimed();
          trimmed += usage.trimmed();
        } else if (!stopped) {
          LOG.warning("sweeping topics failed, next in a second: " + ar.cause());
        }
      });
    }
  }

  @Override
  public int heldTopics() {
    return usage.topics();
  }

  @Override
  public long heldBytes() {
    return usage.bytes();
  }

  @Override
  public void describe(JsonObject stats) {
    stats.put("topics", usage.topics())
        .put("messages", usage.messages())
        .put("bytes", usage.bytes())
        .put("reclaimed", reclaimed)
        .put("trimmed_bytes", trimmed)
        .put("feeds", feeds.size())
        .put("received", received)
        .put("push_gaps", gaps);
  }

  @Override
  public String refusal(Throwable cause) {
    return ClusterLog.refusal(cause);
  }

  @Override
  public String scope() {
    return "the cluster";
  }

  // ---- feeds -----------------------------------------------------------------------------------------

  /**
   * Opens a feed: listens to the topic's key, marks this node as a reader, and reads from the seq the next
   * append gets, or, {@code fromStart}, from the oldest message held.
   */
  private Feed open(String topic, boolean fromStart) {
    Feed feed = new Feed(topic, ++feedEpochs);
    feeds.put(topic, feed);
    feed.opened = log.watch(topic, feed.epoch, true)
        .map(end -> {
          feed.next = fromStart ? 0 : end;
          feed.open = true;
          pump(feed, true);
          return feed;
        });
    feed.opened.onFailure(e -> {
      if (feeds.get(topic) == feed) {
        close(feed);
      }
    });
    return feed;
  }

  /** Stops reading a topic: no more notices, and the topic's log no longer counts this node as a reader. */
  private void close(Feed feed) {
    feeds.remove(feed.topic);
    if (feed.gapTimer >= 0) {
      context.owner().cancelTimer(feed.gapTimer);
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
        context.owner().setTimer(RETRY_MS, t -> pump(feed, true));
        return;
      }
      LogOps.Slice slice = ar.result();
      int skip = (int) Math.max(0, Math.min(slice.frames.size(), feed.next - slice.start));
      if (skip < slice.frames.size()) {
        List<Buffer> fresh = slice.frames.subList(skip, slice.frames.size());
        received += fresh.size();
        delivery.deliver(feed.topic, slice.start + skip, fresh);
      }
      feed.next = Math.max(feed.next, slice.next());
      drainHeld(feed);
      if (feed.changed || slice.next() < slice.end) {
        pump(feed, false);
      }
    });
  }

  /** A topic this node reads because some of its clients subscribe to it. */
  private static final class Feed {
    final String topic;
    /** Tells this feed's mark in the topic's log from an earlier or later feed of this node. */
    final long epoch;
    Future<Feed> opened;
    boolean open;
    /** Pushes that arrived ahead of a missing one, by first seq. */
    final java.util.TreeMap<Long, List<Buffer>> held = new java.util.TreeMap<>();
    int heldFrames;
    long gapTimer = -1;
    /** The verticle still wants this topic; a feed no longer followed is closed at the next tick. */
    boolean followed;
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
