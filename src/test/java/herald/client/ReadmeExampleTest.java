package herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import herald.wire.TestBroker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's Java client examples are the regions marked below, compiled and run here; a test checks that
 * the README quotes them verbatim, so they cannot go stale.
 */
class ReadmeExampleTest {

  @Test
  void the_readme_examples_run() {
    Vertx vertx = Vertx.vertx();
    try (TestBroker broker = TestBroker.start(vertx)) {
      String nodes = "127.0.0.1:" + broker.port();
      List<String> printed = new CopyOnWriteArrayList<>();
      // README: async
      HeraldClient client = HeraldClient.connect(vertx, ClientOptions.of(nodes)).await();
      client.gapHandler(gap -> System.err.println(gap)); // never hidden: the default logs a warning
      client.subscribe("news", From.earliest(), m -> printed.add(m.seq() + " " + m.data())).await();

      long seq = client.publish("news", "Hello World!").await();      // 1
      Future<Long> next = client.publish("news", new JsonObject().put("headline", "Rates cut"));
      next.onSuccess(s -> System.out.println("stored as seq " + s));  // 2
      // END

      assertThat(seq).isEqualTo(1);
      assertThat(next.await()).isEqualTo(2);
      await().until(() -> printed.size() == 2);
      assertThat(printed).containsExactly("1 Hello World!", "2 {\"headline\":\"Rates cut\"}");

      List<String> worked = new CopyOnWriteArrayList<>();
      // README: group
      // Each message of "jobs" goes to one member of "workers", acked once the handler returns (not if it throws:
      // it then comes again after the ack wait, with m.delivery() 2).
      Group workers = Group.named("workers").ackWait(Duration.ofSeconds(30)).maxInFlight(10);
      client.subscribe("jobs", workers, m -> worked.add(m.data() + " delivery " + m.delivery())).await();

      // Manual acks: ack when the work is really done, later or from another thread if need be.
      client.subscribe("jobs", Group.named("auditors").ack(Group.Ack.MANUAL), m -> {
        m.ack().onFailure(e -> System.err.println("not acked, it will come again: " + e.getMessage()));
      }).await();
      client.publish("jobs", new JsonObject().put("id", 7)).await();
      // END

      await().until(() -> worked.size() == 1);
      assertThat(worked).containsExactly("{\"id\":7} delivery 1");

      List<String> orders = new CopyOnWriteArrayList<>();
      // README: pattern
      // "*" is one token, ">" one or more at the end. Each message names its concrete topic and that topic's seq.
      client.subscribe("orders.*", From.now(), m -> orders.add(m.topic() + " " + m.seq())).await();
      client.publish("orders.eu", "a").await();       // orders.eu 1
      client.publish("orders.us", "b").await();       // orders.us 1
      client.publish("orders.eu.paid", "c").await();  // not matched: "orders.>" would
      // END

      await().until(() -> orders.size() == 2);
      client.ping().await(); // a third message would have come before the pong
      assertThat(orders).containsExactly("orders.eu 1", "orders.us 1");
      client.close().await();

      // README: blocking
      try (BlockingHerald herald = BlockingHerald.connect(nodes)) {
        long stored = herald.publish("news", 42);
        herald.subscribe("news", From.last(1), m -> System.out.println(m.frame()));
      } catch (HeraldException.InvalidTopic e) {
        System.err.println(e.code() + ": " + e.detail());
      }
      // END
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void the_readme_quotes_the_examples_verbatim() throws IOException {
    String source = Files.readString(Path.of("src/test/java/herald/client/ReadmeExampleTest.java"));
    String readme = Files.readString(Path.of("README.md"));
    for (String name : List.of("async", "blocking", "group")) {
      assertThat(readme).as("README's %s example", name).contains("```java\n" + region(source, name) + "```\n");
    }
  }

  /** The lines between {@code // README: name} and {@code // END}, with the method's indentation removed. */
  private static String region(String source, String name) {
    String marker = "// README: " + name + "\n";
    int start = source.indexOf(marker) + marker.length();
    String body = source.substring(start, source.indexOf("// END", start)).stripTrailing();
    return body.lines().map(l -> l.length() >= 6 ? l.substring(6) : l.strip())
        .collect(Collectors.joining("\n", "", "\n"));
  }
}
