package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.instance.impl.HazelcastInstanceFactory;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.multimap.MultiMap;
import herald.config.HeraldConfig;
import herald.wire.TestCluster;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Vert.x's registries in Hazelcast (node info, event-bus registrations) keep working while a member does not
 * answer backups, as happens when a backup reaches a member still starting up or no longer the partition's
 * replica: Hazelcast drops such a backup without an answer. Herald's topic queues, whose appends must not be
 * acknowledged without their backup, fail instead. Two real members, built from Herald's configuration, in
 * this JVM.
 */
class VertxRegistriesTest {

  /** The wait for a backup's answer, shortened from Herald's 10 s for the test; everything else is Herald's. */
  private static final int BACKUP_TIMEOUT_MS = 1_000;
  /** How long the backup member's only partition thread is kept busy: well past the wait for a backup. */
  private static final int BUSY_MS = 4_000;

  @Test
  void vertxRegistriesDoNotWaitForABackupThatDoesNotAnswerWhileTopicQueuesFail() throws Exception {
    String cluster = "registries-" + Long.toHexString(System.nanoTime());
    int portA = TestCluster.freePort();
    int portB = TestCluster.freePort();
    HazelcastInstance a = HazelcastInstanceFactory.newHazelcastInstance(config(cluster, portA, portB));
    HazelcastInstance b = HazelcastInstanceFactory.newHazelcastInstance(config(cluster, portB, portA));
    try {
      assertThat(a.getCluster().getMembers()).hasSize(2);
      // A key whose primary copy is on A, so that its backup is on B.
      String onA = keyOwnedBy(a, "registry-");
      // B's only partition thread sleeps in an entry processor, so that the backups queued behind it are not
      // answered in time; B's heartbeats go on (another thread), so A does not declare it gone.
      IMap<String, String> block = b.getMap("block");
      CompletionStage<Object> busy = block.submitToKey(keyOwnedBy(b, "block-"), new Sleep(BUSY_MS));

      long start = System.nanoTime();
      IMap<String, String> nodeInfo = a.getMap("__vertx.nodeInfo");
      nodeInfo.put(onA, "node info");
      MultiMap<String, String> subs = a.getMultiMap("__vertx.subs");
      subs.put(onA, "registration");
      IMap<String, String> haInfo = a.getMap("__vertx.haInfo");
      haInfo.put(onA, "ha info");
      long registriesMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(registriesMs).as("Vert.x's registries waited for B").isLessThan(BACKUP_TIMEOUT_MS);

      // The same stall makes a put to the topics map fail: the test did stall B's backups.
      IMap<String, String> topics = a.getMap(ClusterSetup.TOPICS_MAP);
      assertThatThrownBy(() -> topics.put(onA, "an append"))
          .isInstanceOf(IndeterminateOperationStateException.class).hasMessageContaining("backup acks missed");

      busy.toCompletableFuture().get(BUSY_MS * 2L, TimeUnit.MILLISECONDS);
      // Once B is free again, it holds its copies, made asynchronously: read them on B once A is gone (killed,
      // so that nothing is handed over).
      assertThat(nodeInfo.get(onA)).isEqualTo("node info");
      a.getLifecycleService().terminate();
      assertThat(b.<String, String>getMap("__vertx.nodeInfo").get(onA)).isEqualTo("node info");
      assertThat(b.<String, String>getMultiMap("__vertx.subs").get(onA)).containsExactly("registration");
      assertThat(b.<String, String>getMap("__vertx.haInfo").get(onA)).isEqualTo("ha info");
    } finally {
      a.getLifecycleService().terminate();
      b.getLifecycleService().terminate();
    }
  }

  private static Config config(String cluster, int port, int other) {
    Config hz = ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject()
        .put("cluster", true).put("cluster_name", cluster).put("hazelcast_port", port).put("eventbus_host", "127.0.0.1")
        .put("members", "127.0.0.1:" + port + ",127.0.0.1:" + other)));
    hz.setInstanceName(cluster + "-" + port);
    hz.setProperty("hazelcast.operation.backup.timeout.millis", String.valueOf(BACKUP_TIMEOUT_MS));
    // One partition thread, so that one busy entry processor holds back every backup B is sent.
    hz.setProperty("hazelcast.operation.thread.count", "1");
    return hz;
  }

  private static String keyOwnedBy(HazelcastInstance member, String prefix) {
    for (int i = 0; ; i++) {
      String key = prefix + i;
      if (member.getCluster().getLocalMember().equals(member.getPartitionService().getPartition(key).getOwner())) {
        return key;
      }
    }
  }

  /** Sleeps on the key's primary only: it changes nothing and has no backup to run. */
  private record Sleep(int ms) implements EntryProcessor<String, String, Object> {
    @Override
    public Object process(java.util.Map.Entry<String, String> entry) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }

    @Override
    public EntryProcessor<String, String, Object> getBackupProcessor() {
      return null;
    }
  }
}
