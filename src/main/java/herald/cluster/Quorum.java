package herald.cluster;

import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.HazelcastInstance;

/**
 * Whether this node is on the majority side of the cluster: it sees at least
 * {@code floor(cluster_size / 2) + 1} members, counting itself. Only then does it acknowledge a publish or
 * serve clients (docs/architecture.md, "Network partitions").
 *
 * <p>{@link #present()} reads Hazelcast's member list when asked, not a copy kept from membership events:
 * Hazelcast updates that list before it acts on a member's loss (it completes the appends waiting for that
 * member's backup acknowledgement only afterwards, in {@code InvocationMonitor.OnMemberLeftTask}), so an
 * append completed by a loss always sees the smaller list. Thread-safe: the list is Hazelcast's.
 */
public final class Quorum {

  /** The split-brain protection of {@link ClusterSetup#TOPICS_MAP}, in the Hazelcast configuration. */
  public static final String NAME = "herald-majority";

  private final HazelcastInstance hz;
  private final int minimum;

  private Quorum(HazelcastInstance hz, int minimum) {
    this.hz = hz;
    this.minimum = minimum;
  }

  /** The quorum {@link ClusterSetup} configured on {@code hz}: none (always present) without {@code cluster_size}. */
  public static Quorum of(HazelcastInstance hz) {
    SplitBrainProtectionConfig config = hz.getConfig().getSplitBrainProtectionConfigs().get(NAME);
    return new Quorum(hz, config == null || !config.isEnabled() ? 1 : config.getMinimumClusterSize());
  }

  /** Members needed: {@code floor(cluster_size / 2) + 1}. */
  public static int minimum(int clusterSize) {
    return clusterSize / 2 + 1;
  }

  public int minimum() {
    return minimum;
  }

  /** True while this node sees at least {@link #minimum()} members; false once its member has stopped. */
  public boolean present() {
    if (minimum <= 1) {
      return true;
    }
    try {
      return hz.getLifecycleService().isRunning() && hz.getCluster().getMembers().size() >= minimum;
    } catch (RuntimeException notActive) {
      return false;
    }
  }

  /** The members this node sees, for messages. */
  public int members() {
    try {
      return hz.getCluster().getMembers().size();
    } catch (RuntimeException notActive) {
      return 0;
    }
  }

  /** An append completed while this node was outside the majority: it is not acknowledged. */
  public static final class Lost extends RuntimeException {
    Lost(Quorum quorum) {
      super("this node was cut off mid-append: it sees " + quorum.members() + " of the " + quorum.minimum()
          + " members a majority needs (HERALD_CLUSTER_SIZE); its own copy is discarded when the partition heals, and"
          + " the majority holds the message only if its backup got there before the cut", null,
          false, false);
    }
  }
}
