package herald.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
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

  private final HazelcastInstance hz;
  private final IMap<String, TopicLog> map;
  private final Context context;
  private final LogOps.Limits limits;

  ClusterLog(HazelcastInstance hz, Context context, LogOps.Limits limits) {
    this.hz = hz;
    this.map = hz.getMap(ClusterSetup.TOPICS_MAP);
    this.context = context;
    this.limits = limits;
  }

  /** This member's id, which names its feeds in the logs it watches. */
  UUID member() {
    return hz.getCluster().getLocalMember().getUuid();
  }

  /**
   * Appends messages as one operation (group commit); returns the seq of the first, or {@link LogOps#ABSENT}
   * when the topic does not exist and {@code create} is false.
   */
  Future<Long> append(String topic, List<Buffer> messages, boolean create) {
    List<byte[]> items = new ArrayList<>(messages.size());
    for (Buffer m : messages) {
      items.add(m.getBytes());
    }
    return onContext(map.submitToKey(topic, new LogOps.Append(items, create, limits)));
  }

  /** Frames from {@code fromSeq} (or the oldest held): at most {@code maxCount}, cut after {@code maxBytes}. */
  Future<LogOps.Slice> read(String topic, long fromSeq, int maxCount, int maxBytes) {
    return onContext(map.submitToKey(topic, new LogOps.Read(fromSeq, maxCount, maxBytes)));
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
   * Calls {@code changed} (on the context) whenever {@code topic}'s log changes. Only the topic's key is
   * listened to and values are not sent, so a node hears only of the topics its clients read, and reads
   * them itself. Returns the registration, for {@link #unlisten}.
   */
  Future<UUID> listen(String topic, Runnable changed) {
    MapListener listener = new Changes(context, changed);
    return context.executeBlocking(() -> map.addEntryListener(listener, topic, false), false);
  }

  Future<Boolean> unlisten(UUID registration) {
    return context.executeBlocking(() -> map.removeEntryListener(registration), false);
  }

  /** The number of topics in the cluster (one call to each member). */
  Future<Integer> topicCount() {
    return context.executeBlocking(map::size, false);
  }

  /** What a sweep found in the topics this member owns, after age retention and reclaiming. */
  record Usage(int topics, long messages, long bytes, int reclaimed) {}

  /**
   * Age retention and reclaiming for the topics whose partitions this member owns: drops expired messages
   * (one operation per partition), then forgets each idle topic ({@link LogOps.Reclaim}, which checks
   * again on the partition thread).
   */
  Future<Usage> sweep(long cutoffMillis) {
    return context.executeBlocking(() -> {
      Set<String> owned = map.localKeySet();
      if (owned.isEmpty()) {
        return new Usage(0, 0, 0, 0);
      }
      Map<String, long[]> found = map.executeOnKeys(owned, new LogOps.Expire(cutoffMillis, LogOps.liveMembers(hz)));
      int topics = 0;
      int reclaimed = 0;
      long messages = 0;
      long bytes = 0;
      for (Map.Entry<String, long[]> e : found.entrySet()) {
        long[] usage = e.getValue();
        if (usage == null) {
          continue;
        }
        if (usage[2] == 1 && map.executeOnKey(e.getKey(), new LogOps.Reclaim())) {
          reclaimed++;
          continue;
        }
        topics++;
        messages += usage[0];
        bytes += usage[1];
      }
      return new Usage(topics, messages, bytes, reclaimed);
    }, false);
  }

  /**
   * Completes on the context. A completion that arrives after the node has stopped (Hazelcast fails pending
   * calls when its member shuts down) is dropped: nobody waits for it.
   */
  private <T> Future<T> onContext(CompletionStage<T> stage) {
    Promise<T> promise = Promise.promise();
    stage.whenComplete((value, error) -> {
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
    });
    return promise.future();
  }

  /** Brings a change notice from Hazelcast's event thread onto the context. */
  private record Changes(Context context, Runnable changed)
      implements EntryAddedListener<String, TopicLog>, EntryUpdatedListener<String, TopicLog> {
    @Override
    public void entryAdded(com.hazelcast.core.EntryEvent<String, TopicLog> event) {
      notifyChanged();
    }

    @Override
    public void entryUpdated(com.hazelcast.core.EntryEvent<String, TopicLog> event) {
      notifyChanged();
    }

    private void notifyChanged() {
      try {
        context.runOnContext(v -> changed.run());
      } catch (RejectedExecutionException closed) {
        // the node is stopping
      }
    }
  }
}
