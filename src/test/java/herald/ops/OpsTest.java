package herald.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import herald.wire.NodeProcess;
import herald.wire.WireClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The operations endpoints of a node run as a user runs it: liveness, readiness (200 once serving, 503 from
 * the first moment of a SIGTERM drain while liveness stays 200) and the Prometheus metrics.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OpsTest {

  private static final String[] HERALD_METRICS = {
    "herald_connections", "herald_subscriptions", "herald_topics", "herald_cluster_members",
    "herald_messages_in_total", "herald_messages_out_total", "herald_bytes_in_total", "herald_bytes_out_total",
    "herald_slow_consumers_disconnected_total", "herald_connection_errors_total", "herald_bad_frames_total",
    "herald_idle_timeouts_total", "herald_publish_ack_latency_seconds_bucket",
    "herald_publish_ack_latency_seconds_count",
  };

  @Test
  void healthAndMetricsThenUnreadyAsSoonAsTheDrainStarts() throws Exception {
    NodeProcess node = NodeProcess.start(Map.of("HERALD_HOST", "127.0.0.1", "HERALD_PORT", "0",
        "HERALD_DRAIN_DELAY_SECONDS", "3"));
    try {
      node.awaitReady();
      assertThat(node.status("/health/live")).isEqualTo(200);
      HttpResponse<String> ready = node.get("/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains("UP");
      assertThat(node.status("/nothing-here")).isEqualTo(404);

      String metrics = node.get("/metrics").body();
      for (String name : HERALD_METRICS) {
        assertThat(metrics).as("/metrics has %s", name).containsPattern("(?m)^" + name + "[ {]");
      }
      assertThat(metrics).as("Vert.x's own metrics come through vertx-micrometer-metrics").contains("vertx_");
      assertThat(metrics).as("the JVM's, collections included")
          .containsPattern("(?m)^jvm_memory_used_bytes\\{")
          .containsPattern("(?m)^jvm_gc_collections_total\\{gc=\"")
          .containsPattern("(?m)^jvm_gc_collection_seconds_total\\{gc=\"");
      assertThat(value(metrics, "herald_cluster_members")).isEqualTo(1);
      double inBefore = value(metrics, "herald_messages_in_total");

      try (WireClient sub = node.connect(); WireClient pub = node.connect()) {
        sub.send("{'action':'subscribe','topic':'m'}").expect("{'status':'subscribed','topic':'m'}");
        for (int i = 0; i < 5; i++) {
          pub.send("{'action':'publish','topic':'m','message':" + i + "}")
              .expect("{'status':'published','topic':'m','seq':" + (i + 1) + "}");
          assertThat(sub.next().getLong("seq")).isEqualTo(i + 1L);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          String m = node.get("/metrics").body();
          assertThat(value(m, "herald_messages_in_total")).isEqualTo(inBefore + 5);
          assertThat(value(m, "herald_messages_out_total")).isGreaterThanOrEqualTo(5);
          assertThat(value(m, "herald_bytes_in_total")).isPositive();
          assertThat(value(m, "herald_bytes_out_total")).isPositive();
          assertThat(value(m, "herald_connections")).isEqualTo(2);
          assertThat(value(m, "herald_subscriptions")).isEqualTo(1);
          assertThat(value(m, "herald_topics")).isEqualTo(1);
          assertThat(value(m, "herald_publish_ack_latency_seconds_count")).isGreaterThanOrEqualTo(1);
        });

        // SIGTERM: readiness turns 503 at once while the node still serves and accepts (the drain delay)...
        node.signalTerm();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
            .until(() -> node.status("/health/ready") == 503);
        assertThat(node.status("/health/live")).isEqualTo(200);
        try (WireClient late = node.connect()) {
          late.send("{'action':'ping','id':1}").expect("{'status':'pong','id':1}");
        }
        pub.send("{'action':'publish','topic':'m','message':5}").expect("{'status':'published','topic':'m','seq':6}");
        assertThat(sub.next().getLong("seq")).isEqualTo(6);
        // ...then every client is told to go elsewhere, and the node exits 0.
        pub.expectError("shutting_down");
        pub.expectClosed();
      }
      assertThat(node.awaitExit()).isEqualTo(0);
    } finally {
      node.kill();
    }
  }

  /** The sum of the samples of {@code name} (any labels) in Prometheus text. */
  static double value(String metrics, String name) {
    double sum = 0;
    boolean found = false;
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    assertThat(found).as("metric %s present", name).isTrue();
    return sum;
  }
}
