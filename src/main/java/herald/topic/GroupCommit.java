package herald.topic;

import herald.bus.ConnRef;
import herald.codec.ErrorCode;
import herald.codec.Frame;
import herald.codec.FrameEncoder;
import herald.ops.NodeMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * A node's publishes on their way into its topic logs. Publishes waiting for one topic are appended
 * together (one append in flight per topic) and each is answered {@code published} once the append has
 * completed (in a cluster: with its synchronous backups). A publish to a topic that does not exist waits for
 * the cluster-wide {@code max_topics} check ({@link #admitNewTopics()}) when the logs ask for it
 * ({@link TopicLogs#ABSENT}); logs that check it themselves refuse at once ({@link TopicLogs#FULL}).
 *
 * <p>Confined to the {@link TopicVerticle}'s event loop, like everything it owns. Logs that store at once
 * ({@link LocalLogs}) skip the batching: each publish is stored and answered as it is handled
 * ({@link #publishNow}), and its reply joins the outboxes the verticle flushes after the handled batch; an
 * append that completes later flushes its own replies.
 */
public final class GroupCommit {

  /** Most publishes one append carries: large enough to amortise the round trip, small enough to stay prompt. */
  static final int APPEND_BATCH = 1_000;

  /**
   * New topics admitted per topic count: a node checks the count, then creates at most this many. Nodes
   * check concurrently, so the cluster may exceed {@code max_topics} by at most (nodes - 1) x this.
   */
  public static final int CREATE_BATCH = 64;

  private final TopicLogs logs;
  private final Outboxes outboxes;
  private final NodeMetrics metrics;
  private final int maxTopics;
  /** Told how many publishes each completed append stored. */
  private final IntConsumer stored;
  private final Map<String, Appends> appends = new HashMap<>();
  private final Set<Appends> toCommit = new LinkedHashSet<>();
  /** Topics whose first publish found no topic: waiting for the {@code max_topics} check. */
  private final ArrayDeque<Appends> newTopics = new ArrayDeque<>();
  private boolean counting;
  private boolean stopped;
  /** The read whose publishes were last sampled for the latency metric, on the immediate path. */
  private long lastSampled;
  /** The logs store at once but write at the end of the turn (a single node on disk): replies are provisional. */
  private final boolean writesLater;
  /** This turn's publishes waiting for the turn's writes before they are answered ({@link #writesLater}). */
  private final List<Provisional> provisional = new ArrayList<>();
  /** Inside {@link #commitQueued()}: the verticle flushes the outboxes after it. */
  private boolean committing;

  GroupCommit(TopicLogs logs, Outboxes outboxes, NodeMetrics metrics, int maxTopics, IntConsumer stored) {
    this.logs = logs;
    this.outboxes = outboxes;
    this.metrics = metrics;
    this.maxTopics = maxTopics;
    this.stored = stored;
    this.writesLater = logs.writesAtEndOfTurn();
  }

  /**
   * Queues a publish; {@link #commitQueued()} sends what the handled batch of requests queued. With logs that
   * store at once ({@link TopicLogs#immediate()}) the publish is stored and answered here instead.
   */
  void queue(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Publish p, long readNanos) {
    if (logs.immediate()) {
      publishNow(conn, out, slot, p, readNanos);
      return;
    }
    Appends a = appends.computeIfAbsent(p.topic(), Appends::new);
    a.queued.add(new PendingPublish(conn, out, slot, p, readNanos));
    toCommit.add(a);
  }

  /** The single node's path: store, deliver and answer in this call, as the broker did before group commit. */
  private void publishNow(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Publish p, long readNanos) {
    long seq;
    try {
      seq = logs.appendNow(p.topic(), p.message());
    } catch (DiskTopicStore.StorageFailure e) { // a topic's log could not even be made
      out.reply(conn, slot, metrics.errors().frame(p.id(), logs.refusalCode(e), logs.refusal(e)));
      return;
    }
    if (seq == TopicLogs.FULL) {
      out.reply(conn, slot, metrics.errors().frame(p.id(), ErrorCode.TOO_MANY_TOPICS,
          logs.scope() + " holds its maximum of " + maxTopics + " topics (HERALD_MAX_TOPICS)"));
      return;
    }
    if (writesLater) {
      provisional.add(new Provisional(out, conn, slot, p, seq)); // answered by endTurn, once written
    } else {
      out.reply(conn, slot, FrameEncoder.published(p.id(), p.topic(), seq));
    }
    if (readNanos != lastSampled) { // one latency sample per client read, not per message
      lastSampled = readNanos;
      metrics.publishAcked(readNanos);
    }
    stored.accept(1);
  }

  /**
   * The end of a handled batch, before the outboxes are flushed: logs that write at the end of the turn (on disk)
   * write now, and the turn's publishes are answered: {@code published}, or an error for those not stored.
   */
  void endTurn() {
    if (!writesLater || provisional.isEmpty()) {
      return;
    }
    // Written (and delivered: a publisher subscribed to its topic gets the push before its reply, as in memory).
    Map<String, TopicLogs.WriteFailure> failed = logs.commitTurn();
    for (Provisional p : provisional) {
      TopicLogs.WriteFailure f = failed.get(p.frame.topic());
      if (f != null && p.seq > f.lastHeld()) {
        p.out.reply(p.conn, p.slot, metrics.errors().frame(p.frame.id(), logs.refusalCode(f.cause()),
            logs.refusal(f.cause())));
        stored.accept(-1);
      } else {
        p.out.reply(p.conn, p.slot, FrameEncoder.published(p.frame.id(), p.frame.topic(), p.seq));
      }
    }
    provisional.clear();
  }

  void commitQueued() {
    committing = true;
    try {
      toCommit.forEach(this::commit);
      toCommit.clear();
    } finally {
      committing = false;
    }
  }

  private void flushUnlessCommitting() {
    if (!committing) {
      outboxes.flush();
    }
  }

  void stop() {
    stopped = true;
  }

  private void commit(Appends a) {
    if (a.inFlight || a.waitingForCount || a.queued.isEmpty()) {
      return;
    }
    List<PendingPublish> batch = new ArrayList<>(Math.min(a.queued.size(), APPEND_BATCH));
    while (!a.queued.isEmpty() && batch.size() < APPEND_BATCH) {
      batch.add(a.queued.poll());
    }
    a.inFlight = true;
    boolean create = a.admitted;
    a.admitted = false; // admission is for this append only: a topic reclaimed later is checked again
    logs.append(a.topic, batch.stream().map(pp -> pp.frame.message()).toList(), create).onComplete(ar -> {
      a.inFlight = false;
      if (ar.succeeded() && ar.result() == TopicLogs.FULL) {
        a.queued.addAll(batch); // the topic was never made: refuse the batch and whatever queued behind it
        refuse(a, null);
        flushUnlessCommitting();
        return;
      }
      if (ar.succeeded() && ar.result() == TopicLogs.ABSENT) {
        for (int i = batch.size() - 1; i >= 0; i--) {
          a.queued.addFirst(batch.get(i)); // nothing was stored: the batch waits for the topic count
        }
        a.waitingForCount = true;
        newTopics.add(a);
        admitNewTopics();
        return;
      }
      for (int i = 0; i < batch.size(); i++) {
        PendingPublish pp = batch.get(i);
        pp.out.reply(pp.conn, pp.slot, ar.succeeded()
            ? FrameEncoder.published(pp.frame.id(), a.topic, ar.result() + i)
            : metrics.errors().frame(pp.frame.id(), logs.refusalCode(ar.cause()), logs.refusal(ar.cause())));
      }
      if (ar.succeeded()) {
        long sampled = 0;
        for (PendingPublish pp : batch) {
          if (pp.readNanos != sampled) { // one latency sample per client read in the batch, not per message
            sampled = pp.readNanos;
            metrics.publishAcked(sampled);
          }
        }
        stored.accept(batch.size());
      }
      next(a);
      flushUnlessCommitting();
    });
  }

  /** Commits what else is queued for the topic, or forgets the topic's appends when nothing is. */
  private void next(Appends a) {
    if (a.queued.isEmpty()) {
      appends.remove(a.topic);
    } else {
      commit(a);
    }
  }

  /**
   * Admits new topics while the cluster holds fewer than {@code max_topics}: one count in flight per node,
   * then at most {@link #CREATE_BATCH} creations; publishes to new topics beyond the limit are refused.
   */
  private void admitNewTopics() {
    if (counting || newTopics.isEmpty() || stopped) {
      return;
    }
    counting = true;
    logs.topicCount().onComplete(ar -> {
      counting = false;
      long room = ar.succeeded() ? maxTopics - ar.result() : 0;
      if (room > 0) {
        for (int admitted = 0; admitted < Math.min(room, CREATE_BATCH) && !newTopics.isEmpty(); admitted++) {
          Appends a = newTopics.poll();
          a.waitingForCount = false;
          a.admitted = true;
          commit(a);
        }
      } else {
        while (!newTopics.isEmpty()) {
          refuse(newTopics.poll(), ar.cause());
        }
      }
      flushUnlessCommitting();
      admitNewTopics();
    });
  }

  /** Answers every publish waiting for a new topic: the limit is reached, or the count failed ({@code cause}). */
  private void refuse(Appends a, Throwable cause) {
    a.waitingForCount = false;
    for (PendingPublish pp : a.queued) {
      pp.out.reply(pp.conn, pp.slot, cause == null
          ? metrics.errors().frame(pp.frame.id(), ErrorCode.TOO_MANY_TOPICS,
              logs.scope() + " holds its maximum of " + maxTopics + " topics (HERALD_MAX_TOPICS)")
          : metrics.errors().frame(pp.frame.id(), ErrorCode.UNAVAILABLE, "the message was not stored, retry: " + cause.getMessage()));
    }
    a.queued.clear();
    next(a);
  }

  /** Publishes waiting for one topic, and whether an append for it is in flight. */
  private static final class Appends {
    final String topic;
    final ArrayDeque<PendingPublish> queued = new ArrayDeque<>();
    boolean inFlight;
    /** The topic did not exist: waiting for {@link #admitNewTopics()}. */
    boolean waitingForCount;
    /** Passed the {@code max_topics} check: the next append may create the topic. */
    boolean admitted;

    Appends(String topic) {
      this.topic = topic;
    }
  }

  /** A publish stored in the logs' buffer this turn, answered once the turn's writes are done. */
  private record Provisional(Outboxes.Outbox out, ConnRef conn, int slot, Frame.Publish frame, long seq) {}

  private record PendingPublish(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Publish frame, long readNanos) {}
}
