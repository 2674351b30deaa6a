package herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import com.hazelcast.splitbrainprotection.impl.RecentlyActiveSplitBrainProtectionFunction;
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
  void topicQueuesAreObjectsWithSynchronousBackupsAndNoEvictionOfTheirOwn() {
    Config hz = ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject().put("backup_count", 2)));
    MapConfig topics = hz.getMapConfig(ClusterSetup.TOPICS_MAP);
    assertThat(topics.getInMemoryFormat()).isEqualTo(InMemoryFormat.OBJECT);
    assertThat(topics.getBackupCount()).isEqualTo(2);
    assertThat(topics.getAsyncBackupCount()).isZero();
    // Retention is Herald's (TopicLog): Hazelcast must never drop a topic queue by itself.
    assertThat(topics.getTimeToLiveSeconds()).isZero();
    assertThat(topics.getMaxIdleSeconds()).isZero();
    assertThat(topics.getEvictionConfig().getEvictionPolicy()).isEqualTo(EvictionPolicy.NONE);
  }

  @Test
  void vertxRegistriesKeepTheirNumberOfCopiesWithNoneSynchronous() {
    // conf/cluster.xml asks for one synchronous backup of each; a file asking for two keeps two.
    Config hz = ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject()
        .put("hazelcast_config", clusterXmlWith("<map name=\"__vertx.nodeInfo\">\n    <backup-count>1</backup-count>",
            "<map name=\"__vertx.nodeInfo\">\n    <backup-count>2</backup-count>").toString())));
    assertThat(hz.getMapConfig("__vertx.nodeInfo").getBackupCount()).isZero();
    assertThat(hz.getMapConfig("__vertx.nodeInfo").getAsyncBackupCount()).isEqualTo(2);
    assertThat(hz.getMapConfig("__vertx.haInfo").getAsyncBackupCount()).isEqualTo(1);
    assertThat(hz.getMultiMapConfig("__vertx.subs").getBackupCount()).isZero();
    assertThat(hz.getMultiMapConfig("__vertx.subs").getAsyncBackupCount()).isEqualTo(1);
    // The multimap keeps the rest of what the file says of it.
    assertThat(hz.getMultiMapConfig("__vertx.subs").getValueCollectionType())
        .isEqualTo(com.hazelcast.config.MultiMapConfig.ValueCollectionType.SET);
  }


  @Test
  void failureDetectionIsTunedForFailoverInSeconds() {
    Config hz = ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject()));
    assertThat(Integer.parseInt(hz.getProperty("hazelcast.max.no.heartbeat.seconds"))).isLessThanOrEqualTo(10);
  }

  @Test
  void aClusterSizeMakesTheTopicsMapNeedARecentlyHeardMajority() {
    Config hz = ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject().put("cluster_size", 5)));
    SplitBrainProtectionConfig quorum = hz.getSplitBrainProtectionConfig(Quorum.NAME);
    assertThat(quorum.getMinimumClusterSize()).isEqualTo(3);
    assertThat(quorum.getProtectOn()).isEqualTo(SplitBrainProtectionOn.READ_WRITE);
    assertThat(quorum.getFunctionImplementation()).isEqualTo(new RecentlyActiveSplitBrainProtectionFunction(3, 3_000));
    assertThat(hz.getMapConfig(ClusterSetup.TOPICS_MAP).getSplitBrainProtectionName()).isEqualTo(Quorum.NAME);
  }

  @Test
  void aToleranceBeyondTheFailureDetectorNamesTheSetting() {
    // Within the setting's own range (1 to 5 s) but above a failure detector lowered to 2 s in the Hazelcast file.
    assertThatThrownBy(() -> ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject()
        .put("cluster_size", 3).put("quorum_tolerance_ms", 4_000)
        .put("hazelcast_config", lowDetector().toString()))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_QUORUM_TOLERANCE_MS").hasMessageContaining("2000 ms");
  }

  private static java.nio.file.Path lowDetector() {
    return clusterXmlWith("<property name=\"hazelcast.max.no.heartbeat.seconds\">5</property>",
        "<property name=\"hazelcast.max.no.heartbeat.seconds\">2</property>");
  }

  /** A copy of conf/cluster.xml with one passage, which must be there, replaced. */
  private static java.nio.file.Path clusterXmlWith(String passage, String replacement) {
    try {
      String xml = java.nio.file.Files.readString(java.nio.file.Path.of("conf/cluster.xml"));
      assertThat(xml).contains(passage);
      java.nio.file.Path file = java.nio.file.Files.createTempFile("cluster", ".xml");
      file.toFile().deleteOnExit();
      java.nio.file.Files.writeString(file, xml.replace(passage, replacement));
      return file;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void unreadableHazelcastFileNamesTheKey() {
    assertThatThrownBy(() -> ClusterSetup.hazelcastConfig(HeraldConfig.defaults(new JsonObject()
        .put("hazelcast_config", "/nonexistent/cluster.xml"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_HAZELCAST_CONFIG");
  }
}
