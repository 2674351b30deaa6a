package herald.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The web console's files ({@code src/main/resources/console/}), served from the classpath: {@code /} is
 * {@code console/index.html} and {@code /console/NAME} is {@code console/NAME}. Nothing else on the classpath
 * can be reached: a name must match {@link #SAFE_NAME}, whose segments start with a letter or digit (so no
 * {@code ..}, no hidden file, no empty segment), and must end in an extension of {@link #TYPES}.
 *
 * <p><b>Concurrency.</b> Used only on the {@code OpsVerticle}'s event loop. A file is read once, on a worker
 * thread (a classpath read may touch the disk), and kept: the console is about 60 KB and does not change
 * while the node runs. Only files that exist are kept, so unknown names cannot grow the cache.
 */
final class ConsoleFiles {

  /** The prefix under which the console's files are served, and their folder on the classpath. */
  static final String PREFIX = "/console/";

  private static final String ROOT = "console/";
  private static final String INDEX = "index.html";

  /** Plain names in plain folders; a segment that starts with a letter or digit cannot be {@code .} or {@code ..}. */
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*");

  /** The types the console uses; any other extension is not served, whatever the classpath holds. */
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "png", "image/png",
      "txt", "text/plain; charset=utf-8");

  /**
   * Scripts, styles and API calls only from this node; no frame may embed the console (its publish form
   * sends with the operator's credentials, so a hostile page must not overlay it). uPlot sizes its elements
   * through the CSSOM, which a CSP does not restrict.
   */
  private static final String CSP =
      "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

  private final Vertx vertx;
  private final Map<String, Buffer> loaded = new HashMap<>();

  ConsoleFiles(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Answers a request for {@code /} or for anything under {@link #PREFIX}. */
  void serve(HttpServerRequest req) {
    HttpServerResponse res = req.response();
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      res.setStatusCode(405).putHeader("allow", "GET, HEAD").end();
      return;
    }
    String name = req.path().equals("/") ? INDEX : req.path().substring(PREFIX.length());
    String type = contentType(name).orElse(null);
    if (type == null) {
      res.setStatusCode(404).end();
      return;
    }
    load(name).onComplete(ar -> {
      if (ar.failed()) {
        res.setStatusCode(500).end();
      } else if (ar.result() == null) {
        res.setStatusCode(404).end();
      } else {
        res.putHeader("content-type", type)
            .putHeader("x-content-type-options", "nosniff")
            .putHeader("content-security-policy", CSP)
            // A node upgraded in place serves new files at the same names; no-cache makes the browser ask.
            .putHeader("cache-control", "no-cache")
            .end(req.method() == HttpMethod.HEAD ? Buffer.buffer() : ar.result());
      }
    });
  }

  /** The content type for a safe name with a known extension, or empty. */
  static Optional<String> contentType(String name) {
    if (!SAFE_NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    int dot = name.lastIndexOf('.');
    return dot < 0 ? Optional.empty()
        : Optional.ofNullable(TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT)));
  }

  /** The file's bytes, or null if the classpath has no such file. */
  private Future<Buffer> load(String name) {
    Buffer cached = loaded.get(name);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return vertx.<Buffer>executeBlocking(() -> read(ROOT + name)).map(bytes -> {
      if (bytes != null) {
        loaded.put(name, bytes);
      }
      return bytes;
    });
  }

  private static Buffer read(String resource) throws IOException {
    try (InputStream in = ConsoleFiles.class.getClassLoader().getResourceAsStream(resource)) {
      return in == null ? null : Buffer.buffer(in.readAllBytes());
    }
  }
}
