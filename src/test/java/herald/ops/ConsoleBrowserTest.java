package herald.ops;

import static org.assertj.core.api.Assertions.assertThat;

import herald.Broker;
import herald.config.HeraldConfig;
import herald.wire.TestCluster;
import herald.wire.TestUsers;
import herald.wire.WireClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in a real browser (headless Chromium), loaded from a node of a three-node cluster and reading
 * that node's real {@code /api/}: the rendered page shows the three members, the topic this test publishes
 * to, totals and rate samples that move between two loads, and, opened at {@code #peek=TOPIC}, the test's
 * messages. With users configured, it asks for a login. The assertions read the ids and data attributes
 * console.js renders (the API's numbers, raw, in {@code data-value}).
 */
class ConsoleBrowserTest {

  private static final String TOPIC = "console.test";
  /** Messages published before the first load and again between the two loads. */
  private static final int BATCH = 20;
  /** The API samples rates every 5 s (Rates.INTERVAL_SECONDS); one sample after a batch is enough. */
  private static final Duration RATE_SAMPLE_WAIT = Duration.ofSeconds(15);
  /** Rounds of traffic, one rate sample apart, before the screenshot, so that its chart has a shape. */
  private static final int SCREENSHOT_ROUNDS = 12;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static TestCluster cluster;
  private static WireClient subscriber;
  private static WireClient publisher;
  private static long published;

  @BeforeAll
  static void start() {
    Chromium.require();
    cluster = TestCluster.of(3);
    // A subscriber on another node than the publisher, so that deliveries cross the cluster.
    subscriber = cluster.connect(1);
    subscriber.send("{'action':'subscribe','topic':'" + TOPIC + "'}")
        .expect("{'status':'subscribed','topic':'" + TOPIC + "'}");
    publisher = cluster.connect(0);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      publisher.close();
      subscriber.close();
      cluster.close();
    }
  }

  @Test
  void showsMembersTopicAndRatesThatMove() {
    publish(BATCH);
    String first = Chromium.dumpDom(console(0));

    assertThat(value(first, "member-count")).isEqualTo("3");
    assertThat(value(first, "ready-count")).isEqualTo("3");
    for (int i = 0; i < 3; i++) {
      assertThat(first).contains("data-node=\"node" + i + "\"");
    }
    assertThat(first).contains("data-topic=\"" + TOPIC + "\"");
    long publishedBefore = Long.parseLong(value(first, "published-total"));
    assertThat(publishedBefore).isGreaterThanOrEqualTo(BATCH);

    publish(BATCH);
    // Wait until the API has taken rate samples covering the traffic, then load the page from another node.
    // Both series: publishes are counted on node 0 and deliveries on node 1, each sampled on its own node's
    // 5 s clock, so one can have its sample while the other does not yet.
    Awaitility.await().atMost(RATE_SAMPLE_WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
      JsonObject rates = overview(2).getJsonObject("rates");
      return peak(rates.getJsonArray("published")) > 0 && peak(rates.getJsonArray("delivered")) > 0;
    });
    String second = Chromium.dumpDom(console(2));
    assertThat(Long.parseLong(value(second, "published-total"))).isEqualTo(publishedBefore + BATCH);
    assertThat(Long.parseLong(value(second, "delivered-total"))).isGreaterThanOrEqualTo(2L * BATCH);
    assertThat(second).containsPattern("id=\"chart\"[^>]*data-samples=\"[1-9]")
        .containsPattern("id=\"chart\"[^>]*data-peak-published=\"[1-9]")
        .containsPattern("id=\"chart\"[^>]*data-peak-delivered=\"[1-9]");
    assertThat(second).contains("class=\"uplot");
  }

  @Test
  void peekShowsTheTestsMessages() {
    publish(3);
    String dom = Chromium.dumpDom(console(1) + "#peek=" + TOPIC + "&last=2");
    assertThat(dom).containsPattern("<section id=\"peek\"(?![^>]*hidden)");
    assertThat(dom).contains("data-seq=\"" + published + "\"").contains("data-seq=\"" + (published - 1) + "\"")
        .doesNotContain("data-seq=\"" + (published - 2) + "\"");
    assertThat(dom).contains("peek message " + published);
  }

  @Test
  void asksForALoginWhenTheApiAnswers401(@TempDir Path dir) {
    Path users = TestUsers.write(dir.resolve("users.json"), "{'users':[{'name':'alice','password':'"
        + TestUsers.hash("wonderland") + "','permissions':{'publish':['>'],'subscribe':['>']}}]}");
    JsonObject settings = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("http_port", 0).put("storage", "memory")
        .put("users_file", users.toString());
    Broker secured = Broker.launch(HeraldConfig.defaults(settings)).await();
    try {
      String dom = Chromium.dumpDom("http://127.0.0.1:" + secured.httpPort() + "/");
      assertThat(dom).containsPattern("<dialog id=\"login\"[^>]* open");
      assertThat(dom).contains("data-state=\"login\"").contains("this node has users configured");
      assertThat(value(dom, "member-count")).isEmpty();
    } finally {
      secured.close().await();
    }
  }

  /**
   * Writes the README's screenshot (docs/console.png) when asked:
   * {@code mvn -o test -Dtest=ConsoleBrowserTest#screenshot -Dconsole.screenshot=$PWD/docs/console.png}.
   * It publishes for a minute first, so that the page has something to show.
   */
  @Test
  @EnabledIfSystemProperty(named = "console.screenshot", matches = ".+")
  void screenshot() throws InterruptedException {
    // A second subscriber, so that delivered runs above published in the chart; it reads nothing, which the
    // few hundred messages here leave far below the slow-consumer bound.
    WireClient second = cluster.connect(2);
    second.send("{'action':'subscribe','topic':'" + TOPIC + "'}").expect("{'status':'subscribed','topic':'" + TOPIC + "'}");
    try (WireClient other = cluster.connect(1)) {
      for (int round = 0; round < SCREENSHOT_ROUNDS; round++) {
        publish(10 + round * 5);
        other.send("{'action':'publish','topic':'orders.eu','message':{'id':" + round + "}}").next();
        other.send("{'action':'publish','topic':'bad..topic','message':1}").next();
        Thread.sleep(5_000);
      }
      Chromium.screenshot(console(0), Path.of(System.getProperty("console.screenshot")));
    } finally {
      second.close();
    }
  }

  private static String console(int node) {
    return "http://127.0.0.1:" + cluster.node(node).httpPort() + "/";
  }

  /** Publishes {@code n} messages to {@link #TOPIC} through node 0, each seen by the subscriber on node 1. */
  private static void publish(int n) {
    for (int i = 0; i < n; i++) {
      String data = "peek message " + (published + 1);
      publisher.send("{'action':'publish','topic':'" + TOPIC + "','message':'" + data + "'}");
      JsonObject ack = publisher.next();
      assertThat(ack.getString("status")).as("%s", ack).isEqualTo("published");
      published = ack.getLong("seq");
      assertThat(subscriber.next().getString("data")).isEqualTo(data);
    }
  }

  private static JsonObject overview(int node) throws IOException, InterruptedException {
    HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(console(node) + "api/overview"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).isEqualTo(200);
    return new JsonObject(res.body());
  }

  private static double peak(JsonArray samples) {
    return samples.stream().mapToDouble(v -> v == null ? 0 : ((Number) v).doubleValue()).max().orElse(0);
  }

  /** The data-value of the element with this id, as rendered. */
  private static String value(String dom, String id) {
    Matcher m = Pattern.compile("id=\"" + id + "\"[^>]*data-value=\"([^\"]*)\"").matcher(dom);
    assertThat(m.find()).as("element #%s with a data-value in:%n%s", id, dom).isTrue();
    return m.group(1);
  }
}
