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
  /** The concrete topic: the subscription's, or one its pattern matches. */
  final String topic;
  /** Unique in the cluster: the node's id and the connection's. */
  final String id;
  /**
   * What the subscription holds unacked, on every topic it is a member on (a pattern's): {@code topic#seq}
   * to when this node stops counting it (its ack wait). {@code max_in_flight} bounds the subscription, not
   * each topic.
   */
  final Map<String, Long> held;
  boolean gone;
  /** The group exists in the log and the subscriber has had its {@code subscribed}: it may claim. */
  boolean joined;
  /** For a topic a pattern found as it appeared: where its group starts, to join again if joining failed. */
  herald.codec.Replay joinFrom;
  /** A claim failed: what the group counts as held by this member is given back before it claims again. */
  boolean resync;

  GroupMember(Subscription sub, String topic, String id) {
    this.sub = sub;
    this.topic = topic;
    this.id = id;
    this.held = sub.held;
  }

  void hold(long seq, long deadline) {
    held.put(topic + "#" + seq, deadline);
  }

  /** Forgets what this member holds on its topic (given back to the group). */
  void forgetHeld() {
    String prefix = topic + "#";
    held.keySet().removeIf(k -> k.startsWith(prefix));
  }

  void acked(long seq, boolean upto) {
    if (!upto) {
      held.remove(topic + "#" + seq);
      return;
    }
    String prefix = topic + "#";
    held.keySet().removeIf(k -> k.startsWith(prefix) && Long.parseLong(k.substring(prefix.length())) <= seq);
  }

  String topic() {
    return topic;
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
