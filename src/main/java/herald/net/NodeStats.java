package herald.net;

import herald.bus.Addresses;
import herald.codec.ErrorCode;
import herald.codec.FrameEncoder;
import herald.ops.ClusterView;
import herald.ops.ErrorCounts;
import java.util.function.Predicate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Answers {@code stats} (docs/protocol.md): what the node says about itself (id, version, open connections,
 * cluster members) around the topic verticle's own counts, which it asks for on
 * {@link Addresses#TOPICS_STATS}.
 *
 * <p><b>Concurrency.</b> One per NetServer verticle instance, used on its event loop. What it reads is
 * immutable (the greeting), atomic (the connection count) or Hazelcast's own thread-safe member list.
 */
final class NodeStats {

  /**
   * How long the topic verticle gets to answer. It answers at once unless it is stuck or gone; the bound
   * keeps a reply slot, and every reply pipelined behind it, from waiting forever.
   */
  static final long TOPICS_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final JsonObject greeting;
  private final AtomicInteger open;
  private final Supplier<JsonObject> membership;
  private final ErrorCounts errors;
  private final ClusterView cluster;

  /**
   * @param greeting the greeting's fields; its node, version and cluster flag are repeated
   * @param open the node's open-connection count
   * @param membership {@code member} and {@code members} in a cluster, nothing on a single node
   */
  NodeStats(Vertx vertx, JsonObject greeting, AtomicInteger open, Supplier<JsonObject> membership, ErrorCounts errors) {
    this.errors = errors;
    this.cluster = new ClusterView(vertx);
    this.vertx = vertx;
    this.greeting = greeting;
    this.open = open;
    this.membership = membership;
  }

  /**
   * The reply to a {@code topics} request: the cluster's topics matching {@code pattern} that
   * {@code visible} lets the asker see (null: all), at most {@link ClusterView#MAX_LISTED}.
   */
  Future<Buffer> topics(String id, String pattern, Predicate<String> visible) {
    return cluster.topics(pattern, ClusterView.MAX_LISTED, visible)
        .map(list -> FrameEncoder.topics(id, list))
        .otherwise(e -> errors.frame(id, ErrorCode.UNAVAILABLE, "the topics could not be listed: " + e.getMessage()));
  }

  /** The reply to a {@code stats} request with id {@code id}: never fails, a failure is an error frame. */
  Future<Buffer> reply(String id) {
    return vertx.eventBus()
        .<JsonObject>request(Addresses.TOPICS_STATS, "", new DeliveryOptions().setSendTimeout(TOPICS_TIMEOUT_MS))
        .map(counts -> FrameEncoder.stats(id, new JsonObject()
            .put("node", greeting.getValue("node"))
            .put("version", greeting.getValue("version"))
            .put("cluster", greeting.getValue("cluster"))
            .put("connections", open.get())
            .mergeIn(membership.get())
            .put("counts", counts.body())))
        .otherwise(e -> errors.frame(id, ErrorCode.UNAVAILABLE,
            "the node's topic counts could not be read: " + e.getMessage()));
  }
}
