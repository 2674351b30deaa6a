import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import java.io.File;
import java.util.Arrays;

/**
 * The floor under issue 15's idle target: a Hazelcast member with nothing else in the JVM (no Vert.x, no
 * Herald), so three of them show what the cluster layer costs while no client is connected.
 *   java -cp target/herald.jar IdleMember.java herald|quiet|slow|default PORT MEMBER,MEMBER,...
 * "herald" loads conf/cluster.xml and turns metrics off, as Herald does (ClusterSetup); "default" is
 * Hazelcast's own configuration with the same join; "quiet" is "herald" with the health monitor, the slow
 * operation detector, anti-entropy and the periodic partition table sent to members all off or hourly; "slow"
 * is "quiet" with Hazelcast's default heartbeats (every 5 s, a member dead after 60 s) instead of Herald's.
 */
public class IdleMember {
  public static void main(String[] a) throws Exception {
    Config config = a[0].equals("default") ? new Config() : Config.loadFromFile(new File("conf/cluster.xml"));
    if (!a[0].equals("default")) config.getMetricsConfig().setEnabled(false);
    if (a[0].equals("quiet") || a[0].equals("slow")) { // every periodic task Hazelcast lets us stretch or stop, heartbeats kept
      config.setProperty("hazelcast.health.monitoring.level", "OFF");
      config.setProperty("hazelcast.slow.operation.detector.enabled", "false");
      config.setProperty("hazelcast.partition.backup.sync.interval", "3600");
      config.setProperty("hazelcast.partition.table.send.interval", "3600");
      config.setProperty("hazelcast.invocation.max.retry.count", "100");
    }
    if (a[0].equals("slow")) { // Hazelcast's own failure detection: a heartbeat each 5 s, a member dead after 60 s
      config.setProperty("hazelcast.heartbeat.interval.seconds", "5");
      config.setProperty("hazelcast.max.no.heartbeat.seconds", "60");
    }
    config.setProperty("hazelcast.logging.type", "none");
    config.setClusterName("idle-" + a[2].hashCode());
    config.getNetworkConfig().setPort(Integer.parseInt(a[1])).setPortAutoIncrement(false);
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).setMembers(Arrays.asList(a[2].split(",")));
    HazelcastInstance hz = Hazelcast.newHazelcastInstance(config);
    while (hz.getCluster().getMembers().size() < a[2].split(",").length) Thread.sleep(200);
    System.out.println("formed");
    Thread.currentThread().join();
  }
}
