package herald.cluster;

import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.splitbrainprotection.SplitBrainProtection;

/**
 * Whether this node is on the majority side of the cluster: it sees at least
 * {@code floor(cluster_size / 2) + 1} members, counting itself, AND it has heard a heartbeat from enough of
 * them within {@code quorum_tolerance_ms} (Hazelcast's recently-active split-brain protection, which
 * {@link ClusterSetup} configures on {@link ClusterSetup#TOPICS_MAP}). Only then does it acknowledge a publish
 * or serve clients (docs/architecture.md, "Network partitions").
 *
 * <p>The two halves answer different questions, and both are needed. The heartbeats turn a cut-off node away
 * within about the tolerance (3 s), while its member list still names the others for 5 to 10 s. The member
 * list is read when asked, not copied from membership events: Hazelcast updates that list before it acts on a
 * member's loss (it completes the appends waiting for that member's backup acknowledgement only afterwards,
 * in {@code InvocationMonitor.OnMemberLeftTask}), so an append completed by a loss always sees the smaller
 * list, whereas the protection's state is recomputed on another thread a moment later. Thread-safe: the list
 * and the protection's state are Hazelcast's.
 */
public final class Quorum {

  /** The split-brain protection of {@link ClusterSetup#TOPICS_MAP}, in the Hazelcast configuration. */
  public static final String NAME = "herald-majority";

  /**
   * The members that have offered their disk copies since they started ({@link ClusterLogs}): after a full
   * stop, the cluster serves only once a majority has, so that no topic is made afresh while the only copies of
   * its history are still on a disk that has not been offered.
   */
  public static final String RECOVERED_MAP = "herald.recovered";

  private final HazelcastInstance hz;
  private final int minimum;
  /** Hazelcast's recently-active protection; null on a cluster without {@code cluster_size}. */
  private final SplitBrainProtection heard;
  /** The nodes keep copies on disk: a majority must have offered them ({@link #RECOVERED_MAP}). */
  private final boolean onDisk;
  /** A majority had offered its copies once: the cluster is formed, and stays so for this node. */
  private volatile boolean formed;

  private Quorum(HazelcastInstance hz, int minimum, SplitBrainProtection heard) {
    this.hz = hz;
    this.minimum = minimum;
    this.heard = heard;
    this.onDisk = Replicas.of(hz) != null;
  }

  /**
   * The quorum of a single node, or of a cluster without {@code cluster_size}: always present, so the listeners
   * do not check it (each check is a timer on every event loop, issue 15's idle CPU).
   */
  public static final java.util.function.BooleanSupplier ALWAYS = () -> true;

  /** The quorum {@link ClusterSetup} configured on {@code hz}: none (always present) without {@code cluster_size}. */
  public static Quorum of(HazelcastInstance hz) {
    SplitBrainProtectionConfig config = hz.getConfig().getSplitBrainProtectionConfigs().get(NAME);
    if (config == null || !config.isEnabled()) {
      return new Quorum(hz, 1, null);
    }
    return new Quorum(hz, config.getMinimumClusterSize(), hz.getSplitBrainProtectionService().getSplitBrainProtection(NAME));
  }

  /** What the listeners check: {@link #present()}, or {@link #ALWAYS} where the majority cannot be lost. */
  public java.util.function.BooleanSupplier check() {
    return minimum <= 1 ? ALWAYS : this::present;
  }

  /** Members needed: {@code floor(cluster_size / 2) + 1}. */
  public static int minimum(int clusterSize) {
    return clusterSize / 2 + 1;
  }

  public int minimum() {
    return minimum;
  }

  /**
   * True while this node sees at least {@link #minimum()} members and has heard from that many recently;
   * false once its member has stopped. Also false for the first second or so after joining, until the first
   * heartbeats arrive.
   */
  public boolean present() {
    if (minimum <= 1) {
      return true;
    }
    try {
      return hz.getLifecycleService().isRunning() && hz.getCluster().getMembers().size() >= minimum
          && heard.hasMinimumSize() && formed();
    } catch (RuntimeException notActive) {
      return false;
    }
  }

  /** Whether a majority of the members has offered its disk copies (always, for a cluster in memory). */
  public boolean formed() {
    if (formed || !onDisk || minimum <= 1) {
      return true;
    }
    var recovered = hz.<java.util.UUID, Boolean>getReplicatedMap(RECOVERED_MAP);
    long offered = hz.getCluster().getMembers().stream().filter(m -> recovered.containsKey(m.getUuid())).count();
    formed = offered >= minimum;
    return formed;
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
      super("this node was cut off mid-append: it sees " + quorum.members() + " members and has heard recently from"
          + " fewer than the " + quorum.minimum() + " a majority needs (HERALD_CLUSTER_SIZE); its own copy is discarded when the partition heals, and"
          + " the majority holds the message only if its backup got there before the cut", null,
          false, false);
    }
  }
}
