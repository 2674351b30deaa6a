package herald.ops;

import herald.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What this node tells any node that asks (on the clustered event bus, at {@link Addresses#NODE_PREFIX} plus
 * its member address): its own numbers for {@code /api/overview} ({@code {"what":"overview"}}), and its
 * subscription counts for {@code /api/topics} and the {@code topics} request
 * ({@code {"what":"subscribers","topics":[...]}}). Any node can so answer for the whole cluster.
 *
 * <p><b>Concurrency.</b> Runs on the {@link OpsVerticle}'s event loop; reads other loops' numbers only
 * through {@link NodeMetrics}' published snapshots, the atomic connection count and the topic verticle's
 * event-bus answers.
 */
public final class NodeReport {

  private final String node;
  private final NodeMetrics metrics;
  private final IntSupplier connections;
  private final BooleanSupplier tls;
  private final Rates rates = new Rates();
  private Supplier<Future<Boolean>> ready;
  private Vertx vertx;
  private MessageConsumer<JsonObject> consumer;

  /**
   * @param node this node's id
   * @param connections the node's open client connections
   * @param tls whether the client listener speaks TLS (then every connection is a TLS one)
   */
  public NodeReport(String node, NodeMetrics metrics, IntSupplier connections, BooleanSupplier tls) {
    this.node = node;
    this.metrics = metrics;
    this.connections = connections;
    this.tls = tls;
  }

  /** Starts answering, and sampling the rates; on the OpsVerticle's loop. */
  Future<Void> start(Vertx vertx, Supplier<Future<Boolean>> ready) {
    this.ready = ready;
    this.vertx = vertx;
    rates.sample(metrics.published(), metrics.delivered());
    vertx.setPeriodic(Rates.INTERVAL_SECONDS * 1_000L, t -> rates.sample(metrics.published(), metrics.delivered()));
    consumer = vertx.eventBus().consumer(Addresses.NODE_PREFIX + ClusterView.self(vertx), this::answer);
    return consumer.completion();
  }

  Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void answer(Message<JsonObject> m) {
    String what = m.body().getString("what", "");
    switch (what) {
      case "overview" -> ready.get().onComplete(ar -> m.reply(overview(ar.succeeded() && ar.result())));
      case "subscribers" -> vertx.eventBus()
          .<JsonObject>request(Addresses.TOPICS_SUBSCRIBERS, m.body().getJsonArray("topics", new JsonArray()),
              new DeliveryOptions().setSendTimeout(ClusterView.ASK_TIMEOUT_MS))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              m.reply(ar.result().body());
            } else {
              m.fail(503, "the topic verticle did not answer: " + ar.cause().getMessage());
            }
          });
      default -> m.fail(400, "unknown question " + what);
    }
  }

  private JsonObject overview(boolean isReady) {
    int open = connections.getAsInt();
    boolean secure = tls.getAsBoolean();
    return new JsonObject()
        .put("node", node)
        .put("ready", isReady)
        .put("connections", new JsonObject().put("tcp", secure ? 0 : open).put("tls", secure ? open : 0))
        .put("published", metrics.published())
        .put("delivered", metrics.delivered())
        .put("slow_consumers", metrics.slowConsumers())
        .put("errors", metrics.errors().toJson())
        .put("rates", new JsonObject().put("published", rates.published()).put("delivered", rates.delivered()));
  }
}
