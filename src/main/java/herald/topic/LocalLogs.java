package herald.topic;

import herald.codec.GroupOptions;
import herald.codec.Replay;
import herald.match.TokenTrie;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A single node's topic logs: a {@link LocalStore} (in the heap or on disk) behind {@link TopicLogs}. Every
 * future it returns but an append's on disk is already complete, so the verticle's callbacks run at once,
 * inside the handler call that asked: a subscribe reads the backlog and joins the live stream with no publish
 * in between. In memory an append's messages reach live subscribers before its {@code published} replies are
 * written; on disk, both wait until the store has written them (see {@link DiskTopicStore}).
 */
public final class LocalLogs implements TopicLogs {

  private final LocalStore store;
  /** Topics the verticle follows: delivered as they are appended, and never forgotten while followed. */
  private final Set<String> followed = new HashSet<>();
  /** Patterns followed: a topic one matches is delivered from its next append, and never forgotten. */
  private final TokenTrie<String> patterns = new TokenTrie<>();
  /** Each topic's consumer groups, by name: a topic with a group is never forgotten (its seqs must go on). */
  private final Map<String, Map<String, Group>> groups = new HashMap<>();
  private Delivery delivery;
  /** A group changed since the groups were last saved (on disk). */
  private boolean groupsChanged;
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(LocalLogs.class.getName());

  /** Logs in the heap only. */
  public LocalLogs(Retention retention) {
    this.store = new MemoryTopicStore(retention, System::currentTimeMillis, this::inUse);
  }

  /**
   * Logs in a store of the caller's (on disk), which is told {@link #inUse} through {@code connect}; the consumer
   * groups saved beside it are loaded, their members gone, so what they held goes back to the group.
   */
  public LocalLogs(java.util.function.Function<Predicate<String>, LocalStore> connect) {
    this.store = connect.apply(this::inUse);
    if (store instanceof DiskTopicStore disk) {
      loadGroups(disk);
    }
  }

  private void loadGroups(DiskTopicStore disk) {
    try {
      long now = System.currentTimeMillis();
      GroupFile.load(disk.dataDir()).forEach((topic, byName) -> byName.forEach((name, g) -> {
        g.expire(now, member -> false); // every member left with the node that stopped
        groups.computeIfAbsent(topic, t -> new HashMap<>()).put(name, g);
      }));
      if (!groups.isEmpty()) {
        LOG.info("consumer groups: " + groups.values().stream().mapToInt(Map::size).sum() + " loaded from "
            + disk.dataDir().resolve(GroupFile.FILE));
      }
    } catch (java.io.IOException e) {
      // The topics are intact; only the groups' positions are gone. Keep the file for whoever looks into it.
      LOG.severe("consumer groups: " + e.getMessage() + "; starting without them (the file is kept as "
          + GroupFile.FILE + ".damaged)");
      try {
        java.nio.file.Files.move(disk.dataDir().resolve(GroupFile.FILE), disk.dataDir().resolve(GroupFile.FILE + ".damaged"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } catch (java.io.IOException ignored) {
        // It will be overwritten by the next save.
      }
    }
  }

  /** On disk: saves the groups if one changed since the last save. */
  private void saveGroups() {
    if (groupsChanged && store instanceof DiskTopicStore disk) {
      try {
        GroupFile.save(disk.dataDir(), groups, disk.fsync() != herald.store.FsyncPolicy.NEVER);
        groupsChanged = false;
      } catch (java.io.UncheckedIOException e) {
        LOG.warning(e.getMessage() + "; tried again at the next tick");
      }
    }
  }

  private boolean inUse(String topic) {
    return followed.contains(topic) || groups.containsKey(topic) || (patterns.size() > 0 && patterns.matchesAny(topic));
  }

  @Override
  public Future<Void> start(Context context, Delivery delivery) {
    this.delivery = delivery;
    if (store instanceof DiskTopicStore disk) {
      disk.start(context, (topic, first, frames) -> {
        if (inUse(topic)) {
          delivery.deliver(topic, first, frames);
        }
      });
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    saveGroups();
    store.close();
    return Future.succeededFuture();
  }

  @Override
  public Future<Long> append(String topic, List<Buffer> messages, boolean create) {
    if (!store.immediate()) {
      return store.appendBatch(topic, messages);
    }
    boolean live = inUse(topic);
    List<Buffer> frames = live ? new ArrayList<>(messages.size()) : null;
    long first = 0;
    for (Buffer data : messages) {
      StoredMessage m = store.append(topic, data);
      if (m == null) {
        return Future.succeededFuture(FULL); // only ever the first: after it the topic exists
      }
      if (first == 0) {
        first = m.seq();
      }
      if (live) {
        frames.add(m.frame()); // one Buffer over the stored bytes, shared by every live subscriber
      }
    }
    if (live) {
      delivery.deliver(topic, first, frames);
    }
    return Future.succeededFuture(first);
  }

  @Override
  public boolean immediate() {
    return store.immediate() || store.writesAtEndOfTurn();
  }

  @Override
  public boolean writesAtEndOfTurn() {
    return store.writesAtEndOfTurn();
  }

  @Override
  public Map<String, WriteFailure> commitTurn() {
    return store instanceof DiskTopicStore disk ? disk.commitTurn() : Map.of();
  }

  @Override
  public long appendNow(String topic, Buffer data) {
    if (store instanceof DiskTopicStore disk) {
      return disk.appendNow(topic, data); // delivered when written, at the end of the turn
    }
    StoredMessage m = store.append(topic, data);
    if (m == null) {
      return FULL;
    }
    if (inUse(topic)) {
      delivery.deliver(topic, m.seq(), java.util.Collections.singletonList(m.frame()));
    }
    return m.seq();
  }

  @Override
  public Future<Slice> read(String topic, long fromSeq, int maxCount, int maxBytes) {
    List<Buffer> frames = new ArrayList<>(Math.min(maxCount, 64));
    long start = Math.max(fromSeq, store.firstSeq(topic));
    if (maxCount > 0) {
      store.read(topic, start, maxCount, maxBytes, m -> frames.add(m.frame()));
    }
    return Future.succeededFuture(new Slice(start, store.lastSeq(topic) + 1, frames));
  }

  @Override
  public Future<Long> follow(String topic) {
    followed.add(topic);
    return Future.succeededFuture(store.lastSeq(topic) + 1);
  }

  @Override
  public void unfollow(String topic) {
    followed.remove(topic);
  }

  @Override
  public Future<Void> followPattern(String pattern) {
    patterns.add(pattern, pattern);
    return Future.succeededFuture();
  }

  @Override
  public void unfollowPattern(String pattern) {
    patterns.remove(pattern, pattern);
  }

  @Override
  public String memberPrefix() {
    return "local"; // one node: a member that leaves releases what it holds itself
  }

  @Override
  public Future<Void> joinGroup(String topic, String group, Replay replay, int maxDeliver) {
    groupsChanged = true;
    groups.computeIfAbsent(topic, t -> new HashMap<>()).computeIfAbsent(group,
        g -> new Group(replay.startSeq(store.firstSeq(topic), store.lastSeq(topic) + 1), maxDeliver));
    return Future.succeededFuture();
  }

  @Override
  public Future<List<Claimed>> claim(String topic, String group, String member, int max, long ackWaitMs,
      boolean ackNone) {
    Group g = changing(topic, group);
    if (g == null) {
      return Future.succeededFuture(List.of());
    }
    long now = System.currentTimeMillis();
    List<Group.Claim> claims = g.claim(member, max, now + ackWaitMs, ackNone, store.firstSeq(topic),
        store.lastSeq(topic) + 1);
    List<Claimed> out = new ArrayList<>(claims.size());
    for (Group.Claim c : claims) {
      store.read(topic, c.seq(), 1, 1, m -> out.add(new Claimed(c.seq(), c.delivery(), m.frame())));
    }
    return Future.succeededFuture(out);
  }

  @Override
  public Future<Integer> ack(String topic, String group, String member, long seq, boolean upto) {
    Group g = changing(topic, group);
    if (g == null) {
      return Future.succeededFuture(0);
    }
    return Future.succeededFuture(upto ? g.ackUpto(member, seq) : g.ack(member, seq) ? 1 : 0);
  }

  @Override
  public void release(String topic, String group, String member) {
    Group g = changing(topic, group);
    if (g != null) {
      g.release(member);
    }
  }

  @Override
  public Future<Void> releaseAll(String topic, String group, String member) {
    release(topic, group, member);
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> groupInfo(String topic, String group) {
    Group g = group(topic, group);
    return Future.succeededFuture(g == null ? null : GroupFigures.of(g, store.lastSeq(topic) + 1));
  }

  /** The group, about to be changed: the groups are saved at the next tick (on disk). */
  private Group changing(String topic, String group) {
    Group g = group(topic, group);
    groupsChanged |= g != null;
    return g;
  }

  private Group group(String topic, String group) {
    Map<String, Group> of = groups.get(topic);
    return of == null ? null : of.get(group);
  }

  /**
   * Gives back what waited past its ack wait, and writes what reached {@code max_deliver} to the dead-letter
   * topic before forgetting it; a dead letter that cannot be stored (the node holds {@code max_topics}) stays
   * and is tried again at the next tick.
   */
  private void expireGroups(long now) {
    for (Map.Entry<String, Map<String, Group>> byTopic : new ArrayList<>(groups.entrySet())) {
      String topic = byTopic.getKey();
      for (Map.Entry<String, Group> e : byTopic.getValue().entrySet()) {
        Group g = e.getValue();
        g.dropBelow(store.firstSeq(topic));
        // A member that leaves gives its messages back at once (release): only the ack wait ends here.
        groupsChanged |= g.expire(now, member -> true) > 0;
        List<Long> written = new ArrayList<>();
        for (Map.Entry<Long, Integer> d : g.dead().entrySet()) {
          List<Buffer> frame = new ArrayList<>(1);
          store.read(topic, d.getKey(), 1, 1, m -> frame.add(m.frame()));
          if (frame.isEmpty()) {
            continue; // retention dropped it meanwhile: dropBelow counts it at the next tick
          }
          String deadTopic = GroupOptions.deadLetterTopic(topic, e.getKey());
          // Appended at once (on disk: visible with the store's next commit): a full store refuses here.
          Buffer payload = DeadLetters.payload(frame.get(0), e.getKey(), d.getValue());
          if (store.immediate() ? appendNow(deadTopic, payload) == FULL : store.append(deadTopic, payload) == null) {
            break;
          }
          written.add(d.getKey());
        }
        g.deadLettered(written);
        groupsChanged |= !written.isEmpty();
      }
    }
  }

  @Override
  public Future<Integer> topicCount() {
    return Future.succeededFuture(store.topicCount());
  }

  @Override
  public Future<Map<String, TopicSummary>> summarize(String pattern, Predicate<String> matches) {
    Map<String, TopicSummary> found = new HashMap<>();
    store.summarize(matches, System.currentTimeMillis(), found::put);
    return Future.succeededFuture(found);
  }

  @Override
  public void tick() {
    long now = System.currentTimeMillis();
    expireGroups(now);
    store.expire(now, this::inUse);
    saveGroups();
  }

  @Override
  public int heldTopics() {
    return store.topicCount();
  }

  @Override
  public long heldBytes() {
    return store.byteCount();
  }

  @Override
  public void describe(JsonObject stats) {
    stats.put("topics", store.topicCount()).put("messages", store.messageCount()).put("bytes", store.byteCount());
    store.describe(stats);
  }

  @Override
  public herald.codec.ErrorCode refusalCode(Throwable cause) {
    if (cause instanceof DiskTopicStore.StorageFailure f) {
      return f.diskFull() ? herald.codec.ErrorCode.DISK_FULL : herald.codec.ErrorCode.STORAGE_FAILED;
    }
    return TopicLogs.super.refusalCode(cause);
  }

  @Override
  public String refusal(Throwable cause) {
    if (cause instanceof DiskTopicStore.StorageFailure f) {
      return (f.mayBeStored() ? "the message may have been stored (written, but not confirmed by the disk): "
          : "the message was not stored: ") + f.getMessage();
    }
    return TopicLogs.super.refusal(cause);
  }

  /** Why storage refuses writes now, or null (always null in memory): for {@code /health/ready}. */
  public String storageProblem() {
    return store instanceof DiskTopicStore disk ? disk.problem() : null;
  }

  /** The store, for the metrics. */
  public LocalStore store() {
    return store;
  }

  @Override
  public String scope() {
    return "the broker";
  }
}
