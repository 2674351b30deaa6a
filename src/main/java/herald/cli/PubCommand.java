package herald.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import herald.Main;
import herald.client.BlockingHerald;
import herald.client.ClientOptions;
import herald.client.HeraldClient;
import io.vertx.core.Future;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code herald pub TOPIC [MESSAGE]}: publishes one message, or each line of stdin, and prints each seq. */
@Command(name = "pub", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, usageHelpWidth = 110,
    description = "Publish MESSAGE, or without it each line of stdin, to TOPIC; print the seq of each, in order.",
    footer = {"",
        "A MESSAGE or line that is valid JSON is published as that JSON value (42, true, {\"a\":1}, \"quoted\"),",
        "byte for byte; anything else is published as a JSON string. --raw publishes everything as a string.",
        "Empty lines are skipped. Lines are pipelined, up to " + ClientOptions.DEFAULT_MAX_IN_FLIGHT + " unanswered.",
        "",
        "Examples:",
        "  herald pub news 'Hello World!'",
        "  herald pub news '{\"headline\":\"Rates cut\",\"tags\":[\"eu\"]}'",
        "  tail -f app.log | herald pub --raw --quiet logs.app",
        "  HERALD_URL=node1:8888,node2:8888 herald pub news hello",
        "  herald pub --tls --ca ca.crt --user alice orders.eu '{\"id\":1}'   # password from $HERALD_PASSWORD",
        "  HERALD_URL=tls://alice:s3cret@node1:8888,node2:8888 herald pub news hello",
        "",
        "Exit status: 0 when every message was published; 1 when no node is reachable or a publish is refused",
        "(one line on stderr per refusal, with its line number; after one, no further line is read, and the",
        "lines already sent are still reported); 2 on bad usage."})
public final class PubCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  @Mixin
  Target target;

  @Mixin
  SecurityOptions security;

  @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic, e.g. news or orders.eu.created.")
  String topic;

  @Parameters(index = "1", arity = "0..1", paramLabel = "MESSAGE", description = "The message; stdin's lines when absent.")
  String message;

  @Option(names = "--raw", description = "Publish each message as a JSON string, even when it is valid JSON.")
  boolean raw;

  @Option(names = {"-q", "--quiet"}, description = "Do not print the seqs.")
  boolean quiet;

  @Spec
  CommandSpec spec;

  private final InputStream stdin;

  public PubCommand() {
    this(System.in);
  }

  PubCommand(InputStream stdin) {
    this.stdin = stdin;
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (BlockingHerald session = BlockingHerald.connect(security.clientOptions(target.url()))) {
      if (message != null) {
        return report(publish(session.async(), message), 1, out, err);
      }
      return publishLines(session.async(), out, err);
    } catch (RuntimeException e) {
      return ClientErrors.report(err, "pub", e);
    }
  }

  /** Publishes line by line, keeping a window of unanswered publishes, and reports them in order. */
  private int publishLines(HeraldClient client, PrintWriter out, PrintWriter err) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
    ArrayDeque<Future<Long>> window = new ArrayDeque<>();
    ArrayDeque<Integer> lineNumbers = new ArrayDeque<>();
    int status = 0;
    int number = 0;
    String line;
    while (status == 0 && (line = in.readLine()) != null) {
      number++;
      if (line.isEmpty()) {
        continue;
      }
      window.add(publish(client, line));
      lineNumbers.add(number);
      if (window.size() >= ClientOptions.DEFAULT_MAX_IN_FLIGHT) {
        status = report(window.poll(), lineNumbers.poll(), out, err);
      }
    }
    // Whatever was sent is reported, even after a refusal: those publishes may well have been stored.
    while (!window.isEmpty()) {
      status = Math.max(status, report(window.poll(), lineNumbers.poll(), out, err));
    }
    return status;
  }

  private Future<Long> publish(HeraldClient client, String text) {
    return !raw && isJson(text) ? client.publishJson(topic, text) : client.publish(topic, text);
  }

  private int report(Future<Long> published, int line, PrintWriter out, PrintWriter err) {
    try {
      long seq = published.await();
      if (!quiet) {
        out.println(seq);
        out.flush();
      }
      return 0;
    } catch (RuntimeException e) {
      return ClientErrors.report(err, "pub", new IllegalStateException(
          (message == null ? "line " + line + ": " : "") + e.getMessage(), e));
    }
  }

  static boolean isJson(String text) {
    try {
      JSON.readTree(text);
      return true;
    } catch (JsonProcessingException e) {
      return false;
    }
  }
}
