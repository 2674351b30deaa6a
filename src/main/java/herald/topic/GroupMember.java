package herald.topic;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A connection of this node in a consumer group of one topic: its member id across the cluster, its
 * options, and what it holds unacked as far as this node knows (the group's own state, with the log, is the
 * truth; this copy only decides how many more to claim). Confined to the topic verticle's loop.
 */
final class GroupMember {
  final Subscription sub;
  /** Unique in the cluster: the node's id and the connection's. */
  final String id;
  /** Seqs handed to the member and not acked, with when this node stops counting them (their ack wait). */
  final Map<Long, Long> held = new HashMap<>();
  /** A claim is in flight: one at a time, so the member never gets more than it has room for. */
  boolean claiming;
  boolean gone;

  GroupMember(Subscription sub, String id) {
    this.sub = sub;
    this.id = id;
  }

  String topic() {
    return sub.topic;
  }

  String group() {
    return sub.group.name();
  }

  /** How many more messages it may hold now. */
  int room(long now) {
    for (Iterator<Long> it = held.values().iterator(); it.hasNext(); ) {
      if (it.next() <= now) {
        it.remove(); // past its ack wait: the group gives it to someone else, so it no longer counts here
      }
    }
    return sub.group.ackNone() ? sub.group.maxInFlight() : sub.group.maxInFlight() - held.size();
  }
}
