package herald.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * A node's start-up on disk in a cluster: waits for a majority of {@code cluster_size}, offers each copy its disk
 * holds ({@link LogOps.Restore} decides whether it becomes the topic's history), then marks the node as restored in
 * {@link Quorum#RECOVERED_MAP}. Runs on a thread of its own, blocking; retries each offer until it is answered,
 * since partitions may still be migrating while the cluster forms.
 */
final class Restoring {

  private static final Logger LOG = Logger.getLogger(Restoring.class.getName());

  /** Pause between looks at the cluster, and before retrying an offer that failed. */
  static final long RETRY_MS = 200;

  /** How often the wait for a majority is logged. */
  static final long REPORT_MS = 10_000;

  private final HazelcastInstance hz;
  private final Replicas replicas;
  private final Quorum quorum;
  private final BooleanSupplier stopped;
  private final LogOps.Limits limits;

  Restoring(HazelcastInstance hz, Replicas replicas, Quorum quorum, LogOps.Limits limits, BooleanSupplier stopped) {
    this.limits = limits;
    this.hz = hz;
    this.replicas = replicas;
    this.quorum = quorum;
    this.stopped = stopped;
  }

  /** Offers every pending copy; messages stored before {@code cutoffMillis} (the age limit) are not offered. */
  void run(long cutoffMillis) {
    long waitingSince = System.currentTimeMillis();
    long reported = waitingSince - REPORT_MS; // said at once, then every REPORT_MS
    while (!majorityPresent()) {
      if (stopped.getAsBoolean() || !hz.getLifecycleService().isRunning()) {
        throw new IllegalStateException("stopped before the cluster formed");
      }
      if (System.currentTimeMillis() - reported >= REPORT_MS) {
        reported = System.currentTimeMillis();
        LOG.info("storage: waiting for a majority of the cluster (" + quorum.minimum() + " of cluster_size; "
            + quorum.members() + " member(s) now) before offering " + replicas.pending().size()
            + " topic copies from disk");
      }
      sleep();
    }
    IMap<String, TopicLog> map = hz.getMap(ClusterSetup.TOPICS_MAP);
    int offered = 0;
    int taken = 0;
    long started = System.currentTimeMillis();
    for (String topic : replicas.pending()) {
      TopicLog copy = replicas.take(topic);
      if (copy == null) {
        continue;
      }
      offered++;
      if (offer(map, topic, copy, cutoffMillis)) {
        taken++;
      }
    }
    hz.getReplicatedMap(Quorum.RECOVERED_MAP).put(hz.getCluster().getLocalMember().getUuid(), Boolean.TRUE);
    LOG.info("storage: offered " + offered + " topic copies from disk in " + (System.currentTimeMillis() - started)
        + " ms; " + taken + " became (or extended) the topic's history, the others were not newer");
  }

  /** Whether the topics map takes operations: a majority of members is present (the restored mark not needed). */
  private boolean majorityPresent() {
    return quorum.minimum() <= 1 || hz.getCluster().getMembers().size() >= quorum.minimum();
  }

  private boolean offer(IMap<String, TopicLog> map, String topic, TopicLog copy, long cutoffMillis) {
    for (int attempt = 1; ; attempt++) {
      try {
        return map.executeOnKey(topic, new LogOps.Restore(copy, cutoffMillis, limits));
      } catch (RuntimeException e) {
        if (stopped.getAsBoolean() || !hz.getLifecycleService().isRunning()) {
          throw e;
        }
        if (attempt % 50 == 0) {
          LOG.warning("storage: offering topic " + topic + " failed " + attempt + " times, retrying: " + e);
        }
        sleep();
      }
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(RETRY_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while restoring from disk", e);
    }
  }
}
