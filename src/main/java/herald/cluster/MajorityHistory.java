package herald.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * The merge policy of {@link ClusterSetup#TOPICS_MAP} when a network partition heals: the majority's history
 * of a topic is the history (docs/architecture.md, "Two histories of a topic").
 *
 * <p>Hazelcast merges the smaller cluster into the larger: each member of the smaller one drops its data,
 * joins, and offers each entry it owned as the {@code merging} value; {@code existing} is the larger
 * cluster's entry for the same topic, or null if it has none. With {@code cluster_size} set, only the
 * larger side can hold a majority, and only a majority acknowledges publishes ({@link Quorum}), so:
 *
 * <ul>
 *   <li>the existing entry is kept as it is, whatever the merging one holds (Hazelcast's
 *       {@code DefaultRecordStore.merge} then changes nothing: the value returned equals the existing one);
 *   <li>a topic only the minority has is dropped (null: nothing is added). Every message it holds was
 *       refused to its publisher, or was acknowledged before the cut, when the majority held the topic too
 *       and has since forgotten it by its own retention.
 * </ul>
 */
public final class MajorityHistory implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {

  /** Hazelcast creates it by name (MergePolicyConfig) and ships it with each merge operation. */
  public MajorityHistory() {}

  @Override
  public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
    return existing == null ? null : existing.getRawValue();
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // no state
  }

  @Override
  public void readData(ObjectDataInput in) {
    // no state
  }
}
