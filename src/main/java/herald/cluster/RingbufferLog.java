package herald.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * The cluster's topic queues: one Hazelcast ringbuffer per topic, in Herald's seq numbering (a ringbuffer
 * counts from 0, Herald from 1). The ringbuffer's partition owner orders every append, which gives one
 * order per topic across the cluster; its synchronous backups are written before an append completes.
 *
 * <p>Every returned future completes on {@code context}, so callers stay on their event loop.
 */
public final class RingbufferLog {

  private final HazelcastInstance hz;
  private final Context context;

  public RingbufferLog(HazelcastInstance hz, Context context) {
    this.hz = hz;
    this.context = context;
  }

  /** The oldest held seq and the seq the next append gets. */
  public record Bounds(long first, long next) {}

  /** Messages read from a topic: {@code data.get(i)} has seq {@code firstSeq + i}; read on from {@code next}. */
  public record Slice(long firstSeq, List<Buffer> data, long next) {}

  /** Appends messages as one operation (group commit); returns the seq of the first. */
  public Future<Long> append(String topic, List<Buffer> messages) {
    List<byte[]> items = new ArrayList<>(messages.size());
    for (Buffer m : messages) {
      items.add(m.getBytes());
    }
    return onContext(ring(topic).addAllAsync(items, OverflowPolicy.OVERWRITE))
        .map(last -> last - messages.size() + 2);
  }

  /** Head and tail are blocking remote calls in Hazelcast's API, so they run on a worker thread. */
  public Future<Bounds> bounds(String topic) {
    return context.executeBlocking(() -> {
      Ringbuffer<byte[]> rb = ring(topic);
      long tail = rb.tailSequence();
      long head = rb.headSequence();
      return new Bounds(head + 1, tail + 2);
    });
  }

  /**
   * Reads from {@code fromSeq}: at most {@code max} messages, waiting until at least {@code min} exist. A
   * {@code fromSeq} that retention has dropped reads from the oldest held message instead.
   */
  public Future<Slice> read(String topic, long fromSeq, int min, int max) {
    Ringbuffer<byte[]> rb = ring(topic);
    return onContext(rb.readManyAsync(fromSeq - 1, min, max, null))
        .map(this::slice)
        .recover(e -> isStale(e)
            ? bounds(topic).compose(b -> read(topic, b.first(), min, max))
            : Future.failedFuture(e));
  }

  /**
   * Completes on this verticle's event loop. A read parked in Hazelcast completes (with an error) only when
   * the member shuts down, after the event loop may be gone: such a late completion is dropped.
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

  private Slice slice(ReadResultSet<byte[]> rs) {
    List<Buffer> data = new ArrayList<>(rs.size());
    for (int i = 0; i < rs.size(); i++) {
      data.add(Buffer.buffer(rs.get(i)));
    }
    long first = rs.size() == 0 ? rs.getNextSequenceToReadFrom() + 1 : rs.getSequence(0) + 1;
    return new Slice(first, data, rs.getNextSequenceToReadFrom() + 1);
  }

  private static boolean isStale(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof com.hazelcast.ringbuffer.StaleSequenceException) {
        return true;
      }
    }
    return false;
  }

  private Ringbuffer<byte[]> ring(String topic) {
    return hz.getRingbuffer(ClusterSetup.TOPIC_PREFIX + topic);
  }
}
