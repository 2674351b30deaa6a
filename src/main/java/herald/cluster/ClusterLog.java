package herald.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * The cluster's topic queues, as this node sees them: one {@link TopicLog} per topic in the
 * {@link ClusterSetup#TOPICS_MAP} map, changed and read only through {@link LogOps} entry processors. The
 * partition owner orders every append, which gives one order per topic across the cluster; its synchronous
 * backups are written before an append completes.
 *
 * <p>Every returned future completes on {@code context}, so callers stay on their event loop. Hazelcast
 * calls that block (listener registration, counting, the sweep) run on worker threads.
 */
final class ClusterLog {

  /** Cutoff times tried per pass of {@link #trimCutoff}. */
  static final int TRIM_CUTOFFS = 16;

  /** Passes of {@link #trimCutoff}: the cutoff falls within 1/256 of the span of stored times. */
  static final int TRIM_PASSES = 2;

  private final HazelcastInstance hz;
  private final IMap<String, TopicLog> map;
  private final Context context;
  private final LogOps.Limits limits;
  private final UUID member;
  private final Quorum quorum;
  /** Numbers this node's appends, so a retried one is recognised ({@link LogOps.Append}). */
  private long appends;
  /**
   * Names the sweep's dead-letter appends, apart from the event loop's ({@link #appends}): a log remembers
   * one batch number per appender, so two counters under one id could pass a new append off as a retry.
   */
  private final UUID sweeper;
  private final java.util.concurrent.atomic.AtomicLong sweeps = new java.util.concurrent.atomic.AtomicLong();

  /** Told of each dead letter the sweep appends (on a worker), so its readers get it pushed like any append. */
  private final DeadLettered deadLettered;

  /** Receives the sweep's dead-letter appends. */
  interface DeadLettered {
    void accept(String topic, List<Buffer> messages, LogOps.Appended appended);
  }

  ClusterLog(HazelcastInstance hz, Context context, LogOps.Limits limits, DeadLettered deadLettered) {
    this.deadLettered = deadLettered;
    this.hz = hz;
    this.map = hz.getMap(ClusterSetup.TOPICS_MAP);
    this.context = context;
    this.limits = limits;
    this.member = hz.getCluster().getLocalMember().getUuid();
    this.sweeper = new UUID(member.getMostSignificantBits(), ~member.getLeastSignificantBits());
    this.quorum = Quorum.of(hz);
  }

  /** This member's id, which names its feeds in the logs it watches and its appends. */
  UUID member() {
    return member;
  }

  /**
   * Appends messages as one operation (group commit); returns the seq of the first, or {@link LogOps#ABSENT}
   * when the topic does not exist and {@code create} is false, with the nodes that read the topic.
   */
  Future<LogOps.Appended> append(String topic, List<Buffer> messages, boolean create) {
    LogOps.Batch batch = new LogOps.Batch(member(), ++appends);
    return inMajority(onContext(map.submitToKey(topic, new LogOps.Append(messages, create, limits, batch))));
  }

  /**
   * {@code completed}, refused if this node is outside the majority by then. When a member is declared gone,
   * Hazelcast counts the backup acknowledgement it owed as received
   * (InvocationMonitor.OnMemberLeftTask.onPotentialBackupLoss), so an operation whose backup was cut off
   * completes as if it had been copied. If this node is then outside the majority, that copy exists only on
   * this side and the merge discards it: an append must not be acknowledged, nor a read's frames shown.
   * Hazelcast updated its member list before completing the operation, so the check sees the loss.
   */
  private <T> Future<T> inMajority(Future<T> completed) {
    return completed.map(value -> {
      if (!quorum.present()) {
        throw new Quorum.Lost(quorum);
      }
      return value;
    });
  }

  /**
   * The detail of the {@code unavailable} answering an append that failed with {@code cause}. Two failures
   * leave the message possibly stored, and their detail begins "the message may have been stored", as
   * docs/protocol.md says, so that a client knows a retry can store it twice:
   * {@link IndeterminateOperationStateException} (the topic's owner left, or its backup did not answer, after
   * the append was sent: hazelcast.operation.fail.on.indeterminate.state), and {@link Quorum.Lost} (this node
   * was cut off mid-append: its backup may have reached the majority before the cut, only the
   * acknowledgement being lost).
   */
  static String refusal(Throwable cause) {
    Throwable t = causedBy(cause, IndeterminateOperationStateException.class, Quorum.Lost.class);
    if (t != null) {
      return "the message may have been stored (" + t.getClass().getSimpleName() + "); a retry can store it twice: "
          + t.getMessage();
    }
    return "the message was not stored, retry: " + cause.getMessage();
  }

  /** Frames from {@code fromSeq} (or the oldest held): at most {@code maxCount}, cut after {@code maxBytes}. */
  Future<LogOps.Slice> read(String topic, long fromSeq, int maxCount, int maxBytes) {
    return inMajority(onContext(map.submitToKey(topic, new LogOps.Read(fromSeq, maxCount, maxBytes))));
  }

  /** The oldest held seq ({@code start}) and the seq the next append gets ({@code end}). */
  Future<LogOps.Slice> bounds(String topic) {
    return read(topic, 0, 0, 0);
  }

  /** Marks this node as a reader of {@code topic} (or no longer one); returns the seq the next append gets. */
  Future<Long> watch(String topic, long epoch, boolean on) {
    return onContext(map.submitToKey(topic, new LogOps.Watch(member(), epoch, on)));
  }

  /**
   * Calls {@code changed} (on the context) with the name of each topic that {@code keys} admits whenever its
   * log changes; the filter runs on the members that own the keys, so only matching notices travel.
   */
  Future<UUID> listen(KeyMatches keys, java.util.function.Consumer<String> changed) {
    MapListener listener = new TopicChanges(context, changed);
    return context.executeBlocking(() -> map.addEntryListener(listener, keys, false), false);
  }

  Future<Boolean> unlisten(UUID registration) {
    return context.executeBlocking(() -> map.removeEntryListener(registration), false);
  }

  /**
   * Every topic in the cluster whose name matches {@code pattern} (all when null), with its summary: one
   * read-only operation per partition, on the members that own them.
   */
  Future<Map<String, herald.topic.TopicSummary>> summarize(String pattern) {
    long now = System.currentTimeMillis();
    return context.executeBlocking(() -> {
      Map<String, herald.topic.TopicSummary> found = new java.util.HashMap<>();
      map.executeOnEntries(new LogOps.Summarize(pattern, now)).forEach((topic, summary) -> {
        if (summary != null) {
          found.put(topic, herald.topic.TopicSummary.fromArray(summary));
        }
      });
      return found;
    }, false);
  }

  // ---- consumer groups (GroupOps) ----------------------------------------------------------------------

  Future<Void> joinGroup(String topic, String group, herald.codec.Replay replay, int maxDeliver) {
    return onContext(map.submitToKey(topic, GroupOps.Op.join(group, replay, maxDeliver))).mapEmpty();
  }

  Future<GroupOps.Claims> claim(String topic, String group, String member, int max, long deadline, boolean ackNone) {
    return onContext(map.submitToKey(topic, new GroupOps.Op(GroupOps.CLAIM, group, member, deadline, max, ackNone)))
        .map(r -> (GroupOps.Claims) r);
  }

  Future<Integer> ack(String topic, String group, String member, long seq, boolean upto, boolean retry) {
    return onContext(map.submitToKey(topic,
        new GroupOps.Op(upto ? GroupOps.ACK_UPTO : GroupOps.ACK, group, member, seq, 0, retry))).map(r -> (Integer) r);
  }

  /** Whether an operation that failed with {@code cause} may have been applied all the same (its answer lost). */
  static boolean mayHaveApplied(Throwable cause) {
    return causedBy(cause, IndeterminateOperationStateException.class, com.hazelcast.core.OperationTimeoutException.class) != null;
  }

  /** The first of {@code cause} and its causes that is one of {@code types}, or null. */
  private static Throwable causedBy(Throwable cause, Class<?>... types) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      for (Class<?> type : types) {
        if (type.isInstance(t)) {
          return t;
        }
      }
    }
    return null;
  }

  Future<Object> release(String topic, String group, String member) {
    return onContext(map.submitToKey(topic, new GroupOps.Op(GroupOps.RELEASE, group, member, 0, 0, false)));
  }

  Future<String> groupInfo(String topic, String group) {
    return onContext(map.submitToKey(topic, new GroupOps.Op(GroupOps.INFO, group, null, 0, 0, false)))
        .map(r -> (String) r);
  }

  /**
   * The group part of a sweep, on the topics this member owns: gives back messages past their ack wait (or
   * held by members of departed nodes), and writes those at {@code max_deliver} to their dead-letter topics
   * before forgetting them. A sweep cut short between the two writes the dead letter again the next time:
   * a dead letter can be duplicated, never lost. Returns how many were written. Blocking: on a worker.
   */
  private long expireGroups(Set<String> owned) {
    GroupOps.Op expire = new GroupOps.Op(GroupOps.EXPIRE, null, null, System.currentTimeMillis(), 0, false);
    Set<String> live = new HashSet<>();
    hz.getCluster().getMembers().forEach(m -> live.add(m.getUuid().toString()));
    expire.live = live;
    long written = 0;
    for (Map.Entry<String, Object> e : map.executeOnKeys(owned, expire).entrySet()) {
      if (!(e.getValue() instanceof GroupOps.DeadLetters letters) || letters.isEmpty()) {
        continue;
      }
      Map<String, List<Long>> done = new java.util.HashMap<>();
      for (int i = 0; i < letters.seqs.size(); i++) {
        String group = letters.groups.get(i);
        Buffer payload = herald.topic.DeadLetters.payload(letters.frames.get(i), group, letters.deliveries.get(i));
        String deadTopic = herald.codec.GroupOptions.deadLetterTopic(e.getKey(), group);
        LogOps.Appended appended = map.executeOnKey(deadTopic, new LogOps.Append(List.of(payload), true, limits,
            new LogOps.Batch(sweeper, sweeps.incrementAndGet())));
        deadLettered.accept(deadTopic, List.of(payload), appended);
        done.computeIfAbsent(group, g -> new java.util.ArrayList<>()).add(letters.seqs.get(i));
        written++;
      }
      done.forEach((group, seqs) -> {
        GroupOps.Op dead = new GroupOps.Op(GroupOps.DEAD_LETTERED, group, null, 0, 0, false);
        dead.seqs = seqs;
        map.executeOnKey(e.getKey(), dead);
      });
    }
    return written;
  }

  /** The number of topics in the cluster (one call to each member). */
  Future<Integer> topicCount() {
    return context.executeBlocking(map::size, false);
  }

  /**
   * What a sweep left in the topics this member owns: their number, messages and bytes; and what it took:
   * topics reclaimed, bytes dropped for {@code max_total_bytes}.
   */
  record Usage(int topics, long messages, long bytes, int reclaimed, long trimmed) {
    static final Usage NONE = new Usage(0, 0, 0, 0, 0);
  }

  /**
   * Retention across the topics whose partitions this member owns: drops messages stored before
   * {@code cutoffMillis} (one operation per partition), forgets each idle topic ({@link LogOps.Reclaim},
   * which checks again on the partition thread), then, if the member holds more than its share of
   * {@code maxTotalBytes}, drops its oldest messages until it does not ({@link #trim}).
   */
  Future<Usage> sweep(long cutoffMillis, long maxTotalBytes) {
    return context.executeBlocking(() -> {
      if (!quorum.present()) {
        return Usage.NONE; // outside the majority this node keeps nothing (MajorityHistory): no sweep, no warning a second
      }
      // localKeySet runs an operation on every partition this member owns (a query): not worth it once a second on
      // a member that owns no entry, which its local statistics tell without any operation (idle CPU, issue 15).
      if (map.getLocalMapStats().getOwnedEntryCount() == 0) {
        return Usage.NONE;
      }
      Set<String> owned = map.localKeySet();
      if (owned.isEmpty()) {
        return Usage.NONE;
      }
      Set<UUID> live = LogOps.liveMembers(hz);
      expireGroups(owned);
      Map<String, long[]> found = map.executeOnKeys(owned, new LogOps.Expire(cutoffMillis, live));
      int reclaimed = 0;
      for (Map.Entry<String, long[]> e : found.entrySet()) {
        if (e.getValue() != null && e.getValue()[2] == 1 && map.executeOnKey(e.getKey(), new LogOps.Reclaim())) {
          e.setValue(null);
          reclaimed++;
        }
      }
      Usage usage = usage(found, reclaimed, 0);
      long share = share(maxTotalBytes);
      if (usage.bytes() <= share) {
        return usage;
      }
      long cutoff = trimCutoff(found, usage.bytes() - share);
      Map<String, long[]> trimmed = map.executeOnKeys(found.keySet(), new LogOps.Expire(cutoff, live));
      Usage after = usage(trimmed, reclaimed, 0);
      return usage(trimmed, reclaimed, usage.bytes() - after.bytes());
    }, false);
  }

  /**
   * The time before which dropping every message of {@code logs} frees at least {@code excess} bytes, and
   * not much more: found in {@link #TRIM_PASSES} read-only passes, each narrowing the span between the
   * oldest message and now to one of {@link #TRIM_CUTOFFS} steps.
   */
  private long trimCutoff(Map<String, long[]> logs, long excess) {
    long lo = logs.values().stream().filter(u -> u != null).mapToLong(u -> u[3]).min().orElse(0);
    long hi = System.currentTimeMillis() + 1;
    Set<String> keys = new HashSet<>();
    logs.forEach((k, u) -> {
      if (u != null && u[0] > 0) {
        keys.add(k);
      }
    });
    for (int pass = 0; pass < TRIM_PASSES && hi - lo > 1; pass++) {
      long[] cutoffs = new long[TRIM_CUTOFFS];
      for (int i = 0; i < TRIM_CUTOFFS; i++) {
        cutoffs[i] = lo + (hi - lo) * (i + 1) / TRIM_CUTOFFS;
      }
      long[] older = new long[TRIM_CUTOFFS];
      for (long[] profile : map.executeOnKeys(keys, new LogOps.Profile(cutoffs)).values()) {
        for (int i = 0; i < TRIM_CUTOFFS; i++) {
          older[i] += profile[i];
        }
      }
      int i = 0;
      while (i < TRIM_CUTOFFS - 1 && older[i] < excess) {
        i++;
      }
      lo = i == 0 ? lo : cutoffs[i - 1];
      hi = cutoffs[i];
    }
    return hi;
  }

  private static Usage usage(Map<String, long[]> logs, int reclaimed, long trimmed) {
    int topics = 0;
    long messages = 0;
    long bytes = 0;
    for (long[] u : logs.values()) {
      if (u != null) {
        topics++;
        messages += u[0];
        bytes += u[1];
      }
    }
    return new Usage(topics, messages, bytes, reclaimed, trimmed);
  }

  /** This member's part of {@code total}: in proportion to the partitions it owns, so the parts add up to it. */
  private long share(long total) {
    long partitions = hz.getPartitionService().getPartitions().size();
    long owned = hz.getPartitionService().getPartitions().stream()
        .filter(p -> p.getOwner() != null && p.getOwner().localMember()).count();
    return total / partitions * owned + total % partitions * owned / partitions; // no overflow near Long.MAX_VALUE
  }

  /**
   * Completes on the context. A completion that arrives after the node has stopped (Hazelcast fails pending
   * calls when its member shuts down) is dropped: nobody waits for it.
   */
  private <T> Future<T> onContext(CompletionStage<T> stage) {
    Promise<T> promise = Promise.promise();
    // Async with a direct executor: Hazelcast runs a plain whenComplete (and its deserialisation of the result)
    // on its default executor, which on a machine with fewer than 3 processors (ForkJoinPool's common pool then
    // has parallelism 1) starts a new thread for every completion. The callback only hops onto the context, so
    // it runs where the response arrives (issue 15's profile: one thread per append).
    stage.whenCompleteAsync((value, failure) -> {
      Throwable error = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      try {
        context.runOnContext(v -> {
          if (error != null) {
            promise.fail(error);
          } else {
            promise.complete(value);
          }
        });
      } catch (RejectedExecutionException closed) {
        // the node is stopping; nobody waits for this result
      }
    }, Runnable::run);
    return promise.future();
  }

  /** Brings a change notice, with its topic, from Hazelcast's event thread onto the context. */
  private record TopicChanges(Context context, java.util.function.Consumer<String> changed)
      implements EntryAddedListener<String, TopicLog>, EntryUpdatedListener<String, TopicLog> {
    @Override
    public void entryAdded(com.hazelcast.core.EntryEvent<String, TopicLog> event) {
      notifyChanged(event.getKey());
    }

    @Override
    public void entryUpdated(com.hazelcast.core.EntryEvent<String, TopicLog> event) {
      notifyChanged(event.getKey());
    }

    private void notifyChanged(String topic) {
      try {
        context.runOnContext(v -> changed.accept(topic));
      } catch (RejectedExecutionException closed) {
        // the node is stopping
      }
    }
  }
}
