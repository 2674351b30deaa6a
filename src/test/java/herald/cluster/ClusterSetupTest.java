package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.RingbufferConfig;
import herald.config.ConfigException;
import herald.config.HeraldConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The Hazelcast configuration a node builds from conf/cluster.xml and the HERALD_* settings. */
class ClusterSetupTest {

  @Test
  void tcpIpMembersWithMulticastOff() {
    Config hz = ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject()
        .put("members", "10.0.0.1:5701, 10.0.0.2:5701").put("cluster_name", "blue").put("hazelcast_port", 6000)));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
    assertThat(hz.getClusterName()).isEqualTo("blue");
    assertThat(hz.getNetworkConfig().getPort()).isEqualTo(6000);
    assertThat(hz.getNetworkConfig().isPortAutoIncrement()).isFalse();
  }

  @Test
  void kubernetesDnsDiscoveryReplacesTheMemberList() {
    Config hz = ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject()
        .put("members", "10.0.0.1:5701").put("k8s_service_dns", "herald-hz.default.svc.cluster.local")));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getKubernetesConfig().getProperty("service-dns")).isEqualTo("herald-hz.default.svc.cluster.local");
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
  }

  @Test
  void topicQueuesTakeRetentionAndBackupsFromTheSettings() {
    Config hz = ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject()
        .put("retention_max_messages", 500).put("retention_max_age_seconds", 60).put("backup_count", 2)));
    RingbufferConfig topics = hz.getRingbufferConfig(ClusterSetup.TOPIC_PREFIX + "news");
    assertThat(topics.getCapacity()).isEqualTo(500);
    assertThat(topics.getTimeToLiveSeconds()).isEqualTo(60);
    assertThat(topics.getBackupCount()).isEqualTo(2);
    assertThat(topics.getAsyncBackupCount()).isZero();
  }

  @Test
  void failureDetectionIsTunedForFailoverInSeconds() {
    Config hz = ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject()));
    assertThat(Integer.parseInt(hz.getProperty("hazelcast.max.no.heartbeat.seconds"))).isLessThanOrEqualTo(10);
  }

  @Test
  void unreadableHazelcastFileNamesTheKey() {
    assertThatThrownBy(() -> ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject()
        .put("hazelcast_config", "/nonexistent/cluster.xml"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_HAZELCAST_CONFIG");
  }
}
