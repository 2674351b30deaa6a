package herald.ops;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.web.Router;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.micrometer.PrometheusRequestHandler;
import herald.cluster.ClusterSetup;
import java.util.function.BooleanSupplier;

/**
 * The operations endpoints, on their own HTTP port ({@code http_port}):
 *
 * <ul>
 *   <li>{@code /health/live}: 200 while the process runs;
 *   <li>{@code /health/ready}: 200 when THIS node can serve: the client listener is accepting and, in a
 *       cluster, its Hazelcast member is running ({@link MemberCheck}) and it is in the cluster's majority
 *       ({@code cluster_size}); 503 otherwise, and from the first moment of a drain. Whether the whole
 *       cluster is safe (every backup in place) is reported in the {@code member} check's data, not as a
 *       failure: it is false on every node for seconds after any node is lost;
 *   <li>{@code /api/...}: the JSON API behind the web console ({@link Api}, docs/api.md);
 *   <li>{@code /metrics}: every meter in the node's registry in Prometheus text form: Herald's
 *       {@code herald_*} ({@link NodeMetrics}) and, when the Vert.x was built with vertx-micrometer-metrics,
 *       Vert.x's {@code vertx_*} and the JVM's. A scrape runs the readiness checks first, so
 *       {@code herald_ready} is current.
 *   <li>{@code /} and {@code /console/*}: the web console's static files ({@link ConsoleFiles}).
 * </ul>
 *
 * <p><b>Concurrency.</b> Runs on its own event loop and reads other loops' state only through
 * {@link NodeMetrics}' published snapshots and the {@code accepting} supplier (a volatile flag).
 */
public final class OpsVerticle extends VerticleBase {

  private final String host;
  private final int port;
  private final NodeMetrics metrics;
  private final BooleanSupplier accepting;
  private final BooleanSupplier quorum;
  /** Why the disk refuses writes, or null: a node that cannot store publishes should get no new clients. */
  private final java.util.function.Supplier<String> storageProblem;
  private HttpServer server;
  private HealthChecks readiness;
  private final NodeReport report;
  private final Api api;

  /**
   * @param accepting true while the node's client listener is up and the node is not draining
   * @param quorum true while the node is in the cluster's majority (always on a single node)
   */
  public OpsVerticle(String host, int port, NodeMetrics metrics, BooleanSupplier accepting, BooleanSupplier quorum,
      java.util.function.Supplier<String> storageProblem, NodeReport report, Api api) {
    this.quorum = quorum;
    this.storageProblem = storageProblem;
    this.report = report;
    this.api = api;
    this.host = host;
    this.port = port;
    this.metrics = metrics;
    this.accepting = accepting;
  }

  /** The HTTP port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    readiness = HealthChecks.create(vertx);
    readiness.register("clients", p -> p.complete(new Status().setOk(accepting.getAsBoolean())));
    readiness.register("storage", p -> {
      String problem = storageProblem.get();
      p.complete(problem == null ? Status.OK() : Status.KO(new JsonObject().put("problem", problem)));
    });
    if (vertx.isClustered()) {
      MemberCheck member = new MemberCheck(vertx, ClusterSetup.manager(vertx));
      readiness.register("member", p -> p.complete(member.status()));
      // A node cut off from the majority refuses clients (no_quorum): a Service must stop sending it any.
      readiness.register("quorum", p -> p.complete(new Status().setOk(quorum.getAsBoolean())));
    }
    Handler<HttpServerRequest> scrape = PrometheusRequestHandler.create(metrics.registry());
    // No h2c upgrade (Vert.x accepts one by default): a client that asks for it (Java's HttpClient does) got
    // no answer, now and then, when the response was sent after the request's tick, as /health/ready's and
    // /metrics' are; Prometheus and kubelet speak HTTP/1.1, and these endpoints gain nothing from HTTP/2.
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setReuseAddress(true)
        .setHttp2ClearTextEnabled(false));
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> json(ctx.request(), 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(ctx -> checkReady().onComplete(ar -> json(ctx.request(),
        CheckResult.isUp(ar.result()) ? 200 : 503, ar.result().toJson())));
    // herald_ready must say what /health/ready says now, not at the last probe: a scrape runs the check.
    router.get("/metrics").handler(ctx -> checkReady().onComplete(ar -> scrape.handle(ctx.request())));
    api.mount(router);
    ConsoleFiles console = new ConsoleFiles(vertx);
    router.route("/").handler(ctx -> console.serve(ctx.request()));
    router.route(ConsoleFiles.PREFIX + "*").handler(ctx -> console.serve(ctx.request()));
    server.requestHandler(router);
    return report.start(vertx, () -> checkReady().map(CheckResult::isUp))
        .compose(v -> server.listen());
  }

  /** Runs the readiness checks and records their outcome in {@code herald_ready}; never fails. */
  private Future<CheckResult> checkReady() {
    return readiness.checkStatus()
        .otherwise(e -> CheckResult.from("ready", e))
        .onSuccess(r -> metrics.readiness(CheckResult.isUp(r)));
  }

  @Override
  public Future<?> stop() {
    return report.stop().transform(v -> server.close());
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
