package herald.topic;

import herald.bus.ConnRef;
import herald.codec.ErrorCode;
import herald.codec.Frame;
import herald.codec.FrameEncoder;
import herald.codec.GroupOptions;
import herald.codec.Replay;
import herald.ops.ErrorCounts;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The consumer-group side of a node's {@link TopicVerticle}: its members ({@link GroupMember}, one per
 * connection, group and concrete topic), joining and leaving, claiming messages for members with room, and
 * acks. The groups' own state is in the logs ({@link TopicLogs#claim} and the rest); this holds only what
 * the node needs to decide when and how much to claim. Confined to the verticle's event loop.
 */
final class Groups {

  /** What groups need from the verticle: its streams, its pattern trie and its single flush. */
  interface Host {
    Future<?> follow(String topic);

    void unfollowIfUnused(String topic);

    Future<Void> holdPattern(Subscription sub);

    void forgetPattern(Subscription sub);

    /** A pattern subscription has its topics: from now on it takes topics that appear. */
    void patternReady(Subscription sub);

    void flushIfAsync();

    boolean stopped();

    /** One more message pushed to a subscriber. */
    void delivered();
  }

  private final TopicLogs logs;
  private final ErrorCounts errors;
  private final SubscriptionIndex<ConnRef, Subscription> subscriptions;
  private final Host host;
  /** This node's members, by concrete topic. */
  private final Map<String, List<GroupMember>> members = new java.util.HashMap<>();

  Groups(TopicLogs logs, ErrorCounts errors, SubscriptionIndex<ConnRef, Subscription> subscriptions, Host host) {
    this.logs = logs;
    this.errors = errors;
    this.subscriptions = subscriptions;
    this.host = host;
  }

  boolean has(String topic) {
    return members.containsKey(topic);
  }

  boolean isEmpty() {
    return members.isEmpty();
  }

  /** The topic delivered new messages: its members with room claim them. */
  void delivered(String topic) {
    List<GroupMember> list = members.get(topic);
    if (list != null) {
      list.forEach(this::claim);
    }
  }

  /** Once a tick: members claim what was given back (ack wait over); pattern members whose join failed join again. */
  void tick() {
    for (List<GroupMember> list : new ArrayList<>(members.values())) {
      for (GroupMember m : new ArrayList<>(list)) {
        if (!m.joined && m.joinFrom != null && !m.gone) {
          rejoin(m);
        } else {
          claim(m);
        }
      }
    }
  }

  /**
   * A topic appeared that a ready pattern group subscription matches: its connection becomes a member there,
   * the group starting at {@code origin}, the first seq of the topic the node saw.
   */
  void found(Subscription sub, String topic, long origin) {
    if (topic.startsWith(DEAD_LETTER_PREFIX)) {
      return; // a group's dead letters are not work for a group on a wildcard
    }
    GroupMember m = addMember(sub, topic);
    if (m != null) {
      m.joinFrom = new Replay.From(origin);
      rejoin(m);
    }
  }

  /**
   * Joins a consumer group on a topic, or on every topic a pattern matches (now, and as they appear): each
   * such topic is followed (its deliveries tell this node when to claim) and gets the group in its log if it
   * has none (starting where the replay says: after the newest message by default). Answers
   * {@code subscribed} once every topic found now has its member, then claims what each has room for.
   */
  void join(Subscription sub, int slot, Frame.Subscribe s) {
    ConnRef conn = sub.conn;
    subscriptions.add(conn, sub.key, sub);
    Future<Collection<String>> topics = sub.pattern
        ? host.holdPattern(sub).compose(v -> logs.summarize(sub.topic, sub::matches)).map(Map::keySet)
        : Future.succeededFuture(List.of(sub.topic));
    List<GroupMember> joined = new ArrayList<>();
    topics.compose(found -> {
      List<Future<?>> joins = new ArrayList<>();
      for (String topic : found) {
        if (topic.startsWith(DEAD_LETTER_PREFIX)) {
          continue; // a group's dead letters are not work for a group on a wildcard
        }
        GroupMember m = addMember(sub, topic);
        if (m != null) {
          joined.add(m);
          joins.add(host.follow(topic).compose(stream -> logs.joinGroup(topic, m.group(), sub.replay, sub.group.maxDeliver())));
        }
      }
      return Future.all(joins);
    }).onComplete(ar -> {
      if (ar.failed()) {
        if (subscriptions.get(conn, sub.key) == sub) {
          subscriptions.remove(conn, sub.key);
          host.forgetPattern(sub);
          leave(sub);
        }
        sub.outbox.reply(conn, slot, errors.frame(s.id(), ErrorCode.UNAVAILABLE,
            "the group cannot be joined now, retry: " + ar.cause().getMessage()));
      } else {
        sub.outbox.reply(conn, slot, FrameEncoder.subscribedToGroup(s.id(), sub.topic, sub.group.name()));
        if (sub.pattern && subscriptions.get(conn, sub.key) == sub) {
          host.patternReady(sub); // from now on topics that appear join too
        }
        joined.forEach(m -> {
          m.joined = true;
          claim(m);
        });
      }
      host.flushIfAsync();
    });
  }

  /** Dead-letter topics ({@link GroupOptions#deadLetterTopic}) start with this. */
  private static final String DEAD_LETTER_PREFIX = "_dead.";

  /**
   * Makes {@code sub}'s connection a member of its group on {@code topic}, unless it is one already (through
   * another of its subscriptions); returns the new member, or null.
   */
  private GroupMember addMember(Subscription sub, String topic) {
    List<GroupMember> list = members.computeIfAbsent(topic, t -> new ArrayList<>());
    for (GroupMember m : list) {
      if (m.sub.conn.equals(sub.conn) && m.group().equals(sub.group.name())) {
        return null;
      }
    }
    GroupMember m = new GroupMember(sub, topic, logs.memberPrefix() + "/" + sub.conn.outbox() + "/" + sub.conn.id());
    list.add(m);
    return m;
  }

  /** The connection's member of {@code group} on the concrete {@code topic}, or null. */
  private GroupMember member(ConnRef conn, String topic, String group) {
    List<GroupMember> list = members.get(topic);
    if (list != null) {
      for (GroupMember m : list) {
        if (m.sub.conn.equals(conn) && m.group().equals(group)) {
          return m;
        }
      }
    }
    return null;
  }

  /** The member left (unsubscribed or disconnected): the group gets what it held back at once, on every topic. */
  void leave(Subscription sub) {
    if (sub.group == null) {
      return;
    }
    for (String topic : sub.pattern ? new ArrayList<>(members.keySet()) : List.of(sub.topic)) {
      List<GroupMember> list = members.get(topic);
      if (list == null) {
        continue;
      }
      for (java.util.Iterator<GroupMember> it = list.iterator(); it.hasNext(); ) {
        GroupMember m = it.next();
        if (m.sub == sub) {
          it.remove();
          m.gone = true;
          logs.release(topic, m.group(), m.id);
        }
      }
      if (list.isEmpty()) {
        members.remove(topic);
        host.unfollowIfUnused(topic);
      }
    }
  }

  /**
   * Asks the group for as many messages as the member has room for, and pushes them with their
   * {@code group} and {@code delivery}; asks again while the group had that many to give.
   */
  private void claim(GroupMember m) {
    Subscription sub = m.sub;
    if (m.gone || !m.joined || host.stopped()) {
      return; // before it has joined, a push could overtake the subscribed reply
    }
    if (sub.claiming) {
      // One claim in flight per subscription, so its members together never pass max_in_flight; the
      // others of a pattern's topics wait their turn, in order, so none is starved.
      sub.waiting.add(m);
      return;
    }
    if (m.resync) {
      sub.claiming = true;
      logs.releaseAll(m.topic(), m.group(), m.id).onComplete(ar -> {
        sub.claiming = false;
        if (ar.succeeded()) {
          m.resync = false;
          m.forgetHeld();
          claim(m);
        } // else: tried again at the next delivery or tick
      });
      return;
    }
    int room = m.room(System.currentTimeMillis());
    if (room <= 0) {
      sub.waiting.clear(); // room is the subscription's: an ack or a tick starts the round again
      return;
    }
    sub.claiming = true;
    GroupOptions o = sub.group;
    logs.claim(m.topic(), m.group(), m.id, room, o.ackWaitMs(), o.ackNone()).onComplete(ar -> {
      sub.claiming = false;
      if (m.gone) {
        if (ar.failed() || !ar.result().isEmpty()) {
          logs.release(m.topic(), m.group(), m.id); // claimed as it left (or maybe, answer lost): give them back
        }
      } else if (ar.succeeded()) {
        long deadline = System.currentTimeMillis() + o.ackWaitMs();
        for (TopicLogs.Claimed c : ar.result()) {
          sub.outbox.push(sub.conn, FrameEncoder.groupMessage(c.frame(), m.group(), c.delivery()));
          if (!o.ackNone()) {
            m.hold(c.seq(), deadline);
          }
          host.delivered();
        }
        if (ar.result().size() == room) {
          sub.waiting.add(m); // the group may have more: after the others' turn
        }
        host.flushIfAsync();
      } else {
        // The claim may have been applied with its answer lost (the owner left mid-claim): the group would
        // then count messages as held by this member that it never got, until their ack wait. Give back
        // everything it holds instead (it may see some again: at least once), before it claims again.
        m.resync = true;
      }
      java.util.Iterator<GroupMember> next = sub.waiting.iterator();
      if (next.hasNext()) {
        GroupMember turn = next.next();
        next.remove();
        claim(turn);
      }
    });
  }



  private void claimForSubscription(Subscription sub) {
    if (!sub.pattern) {
      GroupMember m = member(sub.conn, sub.topic, sub.group.name());
      if (m != null) {
        claim(m);
      }
      return;
    }
    for (List<GroupMember> list : new ArrayList<>(members.values())) {
      for (GroupMember m : list) {
        if (m.sub == sub) {
          claim(m);
        }
      }
    }
  }

  void ack(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Ack a) {
    GroupMember m = member(conn, a.topic(), a.group());
    Subscription sub = m == null ? null : m.sub;
    if (m == null) {
      out.reply(conn, slot, errors.frame(a.id(), ErrorCode.NOT_SUBSCRIBED,
          "this connection is not a member of group " + a.group() + " on " + a.topic()));
      return;
    }
    if (sub.group.ackNone()) {
      out.reply(conn, slot, errors.frame(a.id(), ErrorCode.NOT_HELD,
          "this member joined with \"ack\":\"none\": its messages count as acked when sent"));
      return;
    }
    logs.ack(a.topic(), a.group(), m.id, a.seq(), a.upto()).onComplete(ar -> {
      if (ar.failed()) {
        out.reply(conn, slot, errors.frame(a.id(), ErrorCode.UNAVAILABLE,
            "the ack was not recorded, retry: " + ar.cause().getMessage()));
      } else if (ar.result() == 0) {
        out.reply(conn, slot, errors.frame(a.id(), ErrorCode.NOT_HELD, "this member holds "
            + (a.upto() ? "no message up to seq " : "no message with seq ") + a.seq() + " of group " + a.group()
            + " on " + a.topic() + ": never sent to it, acked already, or given to another member after its ack wait"));
      } else {
        m.acked(a.seq(), a.upto());
        out.reply(conn, slot, FrameEncoder.acked(a.id(), a.topic(), a.group(), a.seq(), a.upto(), ar.result()));
        claimForSubscription(m.sub); // room for more, on any topic of the subscription
      }
      host.flushIfAsync();
    });
  }

  /** Joins a pattern member's group on its topic; a failure is tried again at the next tick. */
  private void rejoin(GroupMember m) {
    logs.joinGroup(m.topic(), m.group(), m.joinFrom, m.sub.group.maxDeliver()).onComplete(ar -> {
      m.joined = ar.succeeded();
      claim(m);
    });
  }

  /** The groups this node's clients are members of: each with its members here and its figures from the log. */
  Future<JsonArray> figures() {
    Map<String, JsonObject> groups = new java.util.TreeMap<>();
    List<Future<?>> asked = new ArrayList<>();
    members.forEach((topic, list) -> list.forEach(m -> {
      JsonObject g = groups.computeIfAbsent(Subscription.key(topic, m.group()), k -> {
        JsonObject fresh = new JsonObject().put("topic", topic).put("group", m.group()).put("members", 0);
        asked.add(logs.groupInfo(topic, m.group()).onSuccess(info -> {
          if (info != null) {
            fresh.mergeIn(info);
          }
        }));
        return fresh;
      });
      g.put("members", g.getInteger("members") + 1);
    }));
    return Future.join(asked).transform(ar -> Future.succeededFuture(new JsonArray(new ArrayList<>(groups.values()))));
  }
}
