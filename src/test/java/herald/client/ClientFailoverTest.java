package herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import herald.wire.NodeProcess;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client against a three-node cluster in separate JVMs: the node a subscriber is on is killed with
 * {@code kill -9} mid-stream, and the subscriber still ends with every message exactly once, in order.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ClientFailoverTest {

  private static final int MESSAGES = 600;
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @Test
  void a_subscriber_whose_node_is_killed_resumes_elsewhere_with_no_gap_and_no_duplicate() {
    List<NodeProcess> nodes = NodeProcess.cluster(3);
    Vertx vertx = Vertx.vertx();
    try {
      String all = nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
      String survivors = nodes.subList(1, 3).stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));

      List<Long> seqs = new CopyOnWriteArrayList<>();
      List<Object> data = new CopyOnWriteArrayList<>();
      List<Gap> gaps = new CopyOnWriteArrayList<>();
      HeraldClient subscriber = HeraldClient.connect(vertx, ClientOptions.of(all)).await();
      assertThat(subscriber.node()).isEqualTo("node0");
      subscriber.gapHandler(gaps::add);
      subscriber.subscribe("k", From.earliest(), m -> {
        seqs.add(m.seq());
        data.add(m.data());
      }).await();

      HeraldClient publisher = HeraldClient.connect(vertx, ClientOptions.of(survivors)).await();
      for (int n = 0; n < MESSAGES; n++) {
        if (n == MESSAGES / 3) {
          await().atMost(PATIENCE).until(() -> !seqs.isEmpty()); // so the resume counts from a seq
          nodes.get(0).kill();
        }
        assertThat(publishUntilStored(publisher, n)).isEqualTo(n + 1L);
      }

      await().atMost(PATIENCE).until(() -> seqs.size() >= MESSAGES);
      assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(1, MESSAGES).boxed().toList());
      assertThat(data).containsExactlyElementsOf(LongStream.range(0, MESSAGES).mapToObj(i -> (int) i).toList());
      assertThat(gaps).isEmpty();
      assertThat(subscriber.node()).isIn("node1", "node2");
      subscriber.close().await();
      publisher.close().await();
    } finally {
      nodes.forEach(NodeProcess::kill);
      vertx.close().await();
    }
  }

  /**
   * Publishes message {@code n}; retries only when the node says it stored nothing ({@code unavailable},
   * while the cluster fails over). Any other failure, an unknown outcome included, fails the test.
   */
  private static long publishUntilStored(HeraldClient publisher, int n) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try {
        return publisher.publish("k", n).await();
      } catch (HeraldException.Unavailable e) {
        assertThat(System.nanoTime()).as("still unavailable after %s", PATIENCE).isLessThan(deadline);
      }
    }
  }
}
