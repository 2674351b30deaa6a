package herald.topic;

import herald.bus.Addresses;
import herald.bus.ConnRef;
import herald.bus.LocalBus;
import herald.bus.ToTopics;
import herald.codec.ErrorCode;
import herald.codec.Frame;
import herald.codec.FrameEncoder;
import herald.codec.Replay;
import herald.ops.LoopCounters;
import herald.ops.NodeMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Owns the node's topic queues ({@link TopicStore}) and who subscribes to what ({@link SubscriptionIndex}).
 *
 * <p><b>Concurrency.</b> One instance per node. All of its state is touched only on its own event loop, from
 * its {@code LocalBus} receiver, its stats consumer and its timer; nothing else holds a reference to
 * it. That is what makes a subscribe-with-replay atomic: reading the queue and joining the live stream
 * happen in one handler call, with no publish in between.
 *
 * <p><b>Output.</b> Replies and pushes for the connections of one NetServer verticle are gathered in an
 * {@link Outbox} while one incoming message is handled, then sent as one {@link ToConnections}. That keeps
 * their order and makes one hop per batch instead of one per delivered message.
 */
public final class TopicVerticle extends VerticleBase {

  /**
   * A replaying subscriber gets at most this many bytes of stored frames, then waits until it has written
   * them before it gets more. Replays are therefore paced by the client's reading speed and do not trip the
   * slow-consumer limit, however much the topic holds.
   */
  static final int REPLAY_CHUNK_BYTES = 64 * 1024;

  /** How often age-based retention and the reclaiming of empty, unused topics run. */
  static final long EXPIRE_INTERVAL_MS = 1_000;

  private final TopicStore store;
  private final int maxSubscriptionsPerConnection;
  private final NodeMetrics metrics;
  private final LoopCounters counters;
  private final SubscriptionIndex<ConnRef, Subscription> index = new SubscriptionIndex<>();
  private Outboxes outboxes;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final LocalBus bus;
  private LocalBus.Registration requests;
  private long published;
  private long delivered;
  private long timer;

  public TopicVerticle(Retention retention, int maxSubscriptionsPerConnection, NodeMetrics metrics, LocalBus bus) {
    this.bus = bus;
    this.metrics = metrics;
    this.counters = metrics.topicCounters();
    this.store = new MemoryTopicStore(retention, System::currentTimeMillis, index::hasSubscribers);
    this.maxSubscriptionsPerConnection = maxSubscriptionsPerConnection;
  }

  @Override
  public Future<?> start() {
    outboxes = new Outboxes(bus);
    requests = bus.receive(Addresses.TOPICS, this::handle);
    consumers.add(vertx.eventBus().<Object>localConsumer(Addresses.TOPICS_STATS, m -> m.reply(stats())));
    timer = vertx.setPeriodic(EXPIRE_INTERVAL_MS,
        t -> {
          store.expire(System.currentTimeMillis(), index::hasSubscribers);
          counters.set(NodeMetrics.TOPIC_TOPICS, store.topicCount());
          counters.set(NodeMetrics.TOPIC_RETAINED_BYTES, store.byteCount());
        });
    return Future.join(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    requests.unregister();
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  private void handle(ToTopics body) {
    if (body instanceof ToTopics.Requests r) {
      long before = published;
      for (ToTopics.Request request : r.requests()) {
        handleRequest(r.conn(), request);
      }
      if (published != before) {
        metrics.publishAcked(r.readNanos()); // one sample per client read that published
      }
    } else if (body instanceof ToTopics.Credit c) {
      Subscription sub = index.get(c.conn(), c.topic());
      if (sub != null && !sub.live) {
        sendReplayChunk(sub);
      }
    } else if (body instanceof ToTopics.Gone g) {
      index.removeAll(g.conn());
    }
    outboxes.flush();
    // Publish this loop's numbers for the metrics scrape: four release stores per handled message.
    counters.set(NodeMetrics.TOPIC_MESSAGES_IN, published);
    counters.set(NodeMetrics.TOPIC_SUBSCRIPTIONS, index.subscriptionCount());
    counters.set(NodeMetrics.TOPIC_TOPICS, store.topicCount());
    counters.set(NodeMetrics.TOPIC_RETAINED_BYTES, store.byteCount());
  }

  private void handleRequest(ConnRef conn, ToTopics.Request request) {
    Outboxes.Outbox out = outboxes.of(conn);
    int slot = request.slot();
    Frame frame = request.frame();
    switch (frame.action()) {
      case PUBLISH -> out.reply(conn, slot, publish((Frame.Publish) frame));
      case SUBSCRIBE -> subscribe(conn, out, slot, (Frame.Subscribe) frame);
      case UNSUBSCRIBE -> out.reply(conn, slot, SubscribeRules.unsubscribe(index, conn, (Frame.Unsubscribe) frame));
      case PING -> out.reply(conn, slot, FrameEncoder.pong(frame.id())); // connections answer pings; kept for totality
      case STATS, AUTH -> out.reply(conn, slot, FrameEncoder.error(frame.id(), ErrorCode.UNAVAILABLE,
          frame.action() + " is answered by the connection, not the topic verticle")); // never forwarded; kept for totality
    }
  }

  private Buffer publish(Frame.Publish p) {
    StoredMessage m = store.append(p.topic(), p.message());
    if (m == null) {
      return FrameEncoder.error(p.id(), ErrorCode.TOO_MANY_TOPICS,
          "the broker holds its maximum of " + store.topicCount() + " topics (HERALD_MAX_TOPICS)");
    }
    published++;
    Buffer frame = null; // one Buffer over the stored bytes, shared by every live subscriber
    for (Subscription sub : index.subscribers(p.topic())) {
      if (sub.live) {
        if (frame == null) {
          frame = m.frame();
        }
        sub.outbox.push(sub.conn, frame);
        sub.next = m.seq() + 1;
        delivered++;
      } // a subscriber still replaying reads this message from the store when it gets there
    }
    return FrameEncoder.published(p.id(), p.topic(), m.seq());
  }

  private void subscribe(ConnRef conn, Outboxes.Outbox out, int slot, Frame.Subscribe s) {
    Buffer settled = SubscribeRules.settled(index, maxSubscriptionsPerConnection, conn, s);
    if (settled != null) {
      out.reply(conn, slot, settled);
      return;
    }
    long first = store.firstSeq(s.topic());
    long next = store.lastSeq(s.topic()) + 1;
    long start = s.replay().startSeq(first, next);
    Subscription sub = new Subscription(conn, s.topic(), out, start);
    index.add(conn, s.topic(), sub);
    out.reply(conn, slot, FrameEncoder.subscribed(s.id(), s.topic(), s.replay() instanceof Replay.Live ? 0 : start));
    if (start < next) {
      // Joining the live stream and reading the backlog happen in this one handler call, so no publish
      // can fall between them: the replay ends exactly where live delivery begins.
      sub.live = false;
      sendReplayChunk(sub);
    }
  }

  /** Sends the next replay chunk of {@code sub}; switches it to live once it has caught up. */
  private void sendReplayChunk(Subscription sub) {
    sub.next = store.read(sub.topic, sub.next, REPLAY_CHUNK_BYTES,
        m -> sub.outbox.push(sub.conn, m.frame()));
    if (sub.next > store.lastSeq(sub.topic)) {
      sub.live = true;
    } else {
      sub.outbox.wantCredit(sub.conn, sub.topic);
    }
  }

  private JsonObject stats() {
    return new JsonObject()
        .put("topics", store.topicCount())
        .put("messages", store.messageCount())
        .put("bytes", store.byteCount())
        .put("subscriptions", index.subscriptionCount())
        .put("subscribers", index.subscriberCount())
        .put("subscribed_topics", index.topicCount())
        .put("published", published)
        .put("delivered", delivered);
  }
}
