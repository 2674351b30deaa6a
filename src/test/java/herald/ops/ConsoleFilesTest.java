package herald.ops;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The console's files on a node's HTTP port, asked for over a raw socket so that no client tidies the path
 * first: the right files with the right types, and nothing else from the classpath.
 */
class ConsoleFilesTest {

  private static TestCluster node;

  @BeforeAll
  static void start() {
    node = TestCluster.single();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void rootIsTheConsolePage() {
    String res = get("GET", "/");
    assertThat(res).startsWith("HTTP/1.1 200").contains("content-type: text/html; charset=utf-8")
        .contains("content-security-policy: default-src 'self'").contains("x-content-type-options: nosniff")
        .contains("<title>Herald console</title>");
  }

  @Test
  void scriptsStylesAndTheVendoredChartLibrary() {
    assertThat(get("GET", "/console/console.js")).startsWith("HTTP/1.1 200")
        .contains("content-type: text/javascript; charset=utf-8").contains("/api/overview");
    assertThat(get("GET", "/console/console.css")).startsWith("HTTP/1.1 200").contains("content-type: text/css");
    assertThat(get("GET", "/console/vendor/uplot/uPlot.iife.min.js")).startsWith("HTTP/1.1 200").contains("uPlot");
    assertThat(get("GET", "/console/vendor/uplot/uPlot.min.css")).startsWith("HTTP/1.1 200").contains(".uplot");
  }

  @Test
  void headHasNoBody() {
    assertThat(get("HEAD", "/console/console.js")).startsWith("HTTP/1.1 200").doesNotContain("/api/overview");
  }

  @Test
  void onlyGetAndHead() {
    assertThat(get("POST", "/")).startsWith("HTTP/1.1 405").contains("allow: GET, HEAD");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/console/../herald/Broker.class", "/console/..%2fherald/Broker.class", "/console/%2e%2e/herald/Broker.class",
      "/console/./index.html", "/console//index.html", "/console/.hidden.js", "/console/vendor/../index.html",
      "/console/vendor/uplot/LICENSE", "/console/missing.js", "/console/", "/console/index.html/",
      "/console/C:\\x.js", "/console/x.class", "/console/herald/Broker.class"})
  void nothingElse(String path) {
    assertThat(get("GET", path)).as(path).startsWith("HTTP/1.1 404");
  }

  @Test
  void otherPathsStillReachTheOpsEndpoints() {
    assertThat(get("GET", "/health/live")).startsWith("HTTP/1.1 200").contains("\"UP\"");
    assertThat(get("GET", "/consolex")).startsWith("HTTP/1.1 404");
  }

  /** One request over a fresh connection; the whole response as text. */
  private static String get(String method, String path) {
    try (Socket s = new Socket("127.0.0.1", node.node(0).httpPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
