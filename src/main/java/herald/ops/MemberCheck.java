package herald.ops;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The {@code member} readiness check: whether THIS node's Hazelcast member is up and joined, so that the node
 * can serve. It replaces vertx-hazelcast's {@code ClusterHealthCheck}, which is
 * {@code PartitionService.isClusterSafe()}: false on every member, for the seconds Hazelcast takes to
 * re-make backups, after ANY member joins or leaves. As a readiness check it made every pod unready at once
 * when one was lost, and a Service then had no endpoint to send clients to (docs/architecture.md, "Health
 * and metrics").
 *
 * <p>Cluster safety stays visible, as information in the check's data ({@code cluster_safe}, with how old
 * the answer is), never as a failure. {@code isClusterSafe} asks every member and waits for each (up to
 * {@code hazelcast.graceful.shutdown.max.wait}, 30 s, for one that does not answer), so it is asked on a
 * worker, one question at a time, and the check reports the last answer: a probe every second cannot pile up
 * blocked workers while a member is silent.
 *
 * <p><b>Concurrency.</b> Used on the {@link OpsVerticle}'s event loop only: {@link #status()} and the
 * completion of the blocking question both run there.
 */
final class MemberCheck {

  private final Vertx vertx;
  private final HazelcastClusterManager manager;
  private boolean asking;
  /** The last answer of isClusterSafe, null before the first. */
  private Boolean clusterSafe;
  private long answeredAt;

  MemberCheck(Vertx vertx, HazelcastClusterManager manager) {
    this.vertx = vertx;
    this.manager = manager;
  }

  /** Up while the member runs and has joined; the data says what Hazelcast last said of the cluster's safety. */
  Status status() {
    HazelcastInstance hz = manager.getHazelcastInstance();
    boolean running = manager.isActive() && hz != null && hz.getLifecycleService().isRunning();
    JsonObject data = new JsonObject().put("running", running);
    if (running) {
      askClusterSafe(hz);
      data.put("members", members(hz));
    }
    if (clusterSafe != null) {
      data.put("cluster_safe", clusterSafe).put("cluster_safe_age_ms", System.currentTimeMillis() - answeredAt);
    }
    return new Status().setOk(running).setData(data);
  }

  private void askClusterSafe(HazelcastInstance hz) {
    if (asking) {
      return;
    }
    asking = true;
    vertx.executeBlocking(() -> hz.getPartitionService().isClusterSafe(), false).onComplete(ar -> {
      asking = false;
      if (ar.succeeded()) {
        clusterSafe = ar.result();
        answeredAt = System.currentTimeMillis();
      }
    });
  }

  private static int members(HazelcastInstance hz) {
    try {
      return hz.getCluster().getMembers().size();
    } catch (RuntimeException notActive) { // the member stopped between the two calls
      return 0;
    }
  }
}
