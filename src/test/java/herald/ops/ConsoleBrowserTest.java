package herald.ops;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestCluster;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The console in a real browser (headless Chromium) against a three-node cluster: the rendered page shows
 * the three members, the topic this test publishes to, rates that move between two loads, and, opened at
 * {@code #peek=TOPIC}, the test's messages. The assertions read the ids and data attributes console.js
 * renders (docs/api.md's numbers, raw, in {@code data-value}).
 */
class ConsoleBrowserTest {

  private static final String TOPIC = "console.test";
  /** Messages published before the first load and again between the two loads. */
  private static final int BATCH = 20;

  private static TestCluster cluster;
  private static FakeApi api;
  private static WireClient subscriber;
  private static WireClient publisher;
  private static long published;
  /** Rate samples with traffic before the screenshot, so its chart has a shape. */
  private static final int SCREENSHOT_ROUNDS = 12;

  @BeforeAll
  static void start() {
    Chromium.require();
    cluster = TestCluster.of(3);
    api = new FakeApi(cluster, null);
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
      api.close();
      cluster.close();
    }
  }

  @Test
  void showsMembersTopicAndRatesThatMove() {
    publish(BATCH);
    String first = Chromium.dumpDom(api.url());

    assertThat(value(first, "member-count")).isEqualTo("3");
    assertThat(value(first, "ready-count")).isEqualTo("3");
    for (int i = 0; i < 3; i++) {
      assertThat(first).contains("data-node=\"node" + i + "\"");
    }
    assertThat(first).contains("data-topic=\"" + TOPIC + "\"");
    long publishedBefore = Long.parseLong(value(first, "published-total"));
    assertThat(publishedBefore).isGreaterThanOrEqualTo(BATCH);

    publish(BATCH);
    String second = Chromium.dumpDom(api.url());
    assertThat(Long.parseLong(value(second, "published-total"))).isEqualTo(publishedBefore + BATCH);
    assertThat(Long.parseLong(value(second, "delivered-total"))).isGreaterThanOrEqualTo(2L * BATCH);
    // Both batches fall within the chart's window, so some sample of each series is above zero.
    assertThat(second).containsPattern("id=\"chart\"[^>]*data-samples=\"[1-9]")
        .containsPattern("id=\"chart\"[^>]*data-peak-published=\"[1-9]")
        .containsPattern("id=\"chart\"[^>]*data-peak-delivered=\"[1-9]");
    assertThat(second).contains("class=\"uplot");
  }

  @Test
  void peekShowsTheTestsMessages() {
    publish(3);
    String dom = Chromium.dumpDom(api.url() + "#peek=" + TOPIC + "&last=2");
    assertThat(dom).containsPattern("<section id=\"peek\"(?![^>]*hidden)");
    assertThat(dom).contains("data-seq=\"" + published + "\"").contains("data-seq=\"" + (published - 1) + "\"")
        .doesNotContain("data-seq=\"" + (published - 2) + "\"");
    assertThat(dom).contains("peek message " + published);
  }

  @Test
  void asksForALoginWhenTheApiAnswers401() {
    try (FakeApi secured = new FakeApi(cluster, "Basic YWxpY2U6d29uZGVybGFuZA==")) {
      String dom = Chromium.dumpDom(secured.url());
      assertThat(dom).containsPattern("<dialog id=\"login\"[^>]* open");
      assertThat(dom).contains("data-state=\"login\"").contains("log in (fake API)");
      assertThat(value(dom, "member-count")).isEmpty();
    }
  }

  /**
   * Writes the README's screenshot (docs/console.png) when asked:
   * {@code mvn -o test -Dtest=ConsoleBrowserTest -Dconsole.screenshot=docs/console.png}. It publishes to a few
   * topics first, so that the page has something to show.
   */
  @Test
  @EnabledIfSystemProperty(named = "console.screenshot", matches = ".+")
  void screenshot() throws InterruptedException {
    // A second subscriber, so that delivered runs above published in the chart; it reads nothing, which the
    // few hundred messages here leave far below the slow-consumer bound.
    WireClient second = cluster.connect(2);
    second.send("{'action':'subscribe','topic':'" + TOPIC + "'}").expect("{'status':'subscribed','topic':'" + TOPIC + "'}");
    for (int round = 0; round < SCREENSHOT_ROUNDS; round++) {
      publish(5 + round * 3);
      Thread.sleep(FakeApi.INTERVAL_S * 1000L);
    }
    Path png = Path.of(System.getProperty("console.screenshot"));
    Chromium.screenshot(api.url(), png);
    second.close();
  }

  /** Publishes {@code n} messages to {@link #TOPIC} through node 0 and records each, with its seq. */
  private static void publish(int n) {
    for (int i = 0; i < n; i++) {
      String data = "peek message " + (published + 1);
      publisher.send("{'action':'publish','topic':'" + TOPIC + "','message':'" + data + "'}");
      JsonObject ack = publisher.next();
      assertThat(ack.getString("status")).as("%s", ack).isEqualTo("published");
      published = ack.getLong("seq");
      api.record(TOPIC, published, data);
      assertThat(subscriber.next().getString("data")).isEqualTo(data);
    }
  }

  /** The data-value of the element with this id, as rendered. */
  private static String value(String dom, String id) {
    Matcher m = Pattern.compile("id=\"" + id + "\"[^>]*data-value=\"([^\"]*)\"").matcher(dom);
    assertThat(m.find()).as("element #%s with a data-value in:%n%s", id, dom).isTrue();
    return m.group(1);
  }
}
