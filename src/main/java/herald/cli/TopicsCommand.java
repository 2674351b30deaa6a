package herald.cli;

import herald.Main;
import herald.client.HeraldClient;
import herald.match.TopicPattern;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code herald topics [PATTERN]}: sends {@code {"action":"topics","pattern":...}} (docs/protocol.md) to the
 * first node of the target that answers and prints the cluster's topics as a table, or the raw JSON line.
 */
@Command(name = "topics", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, usageHelpWidth = 110,
    description = "List the cluster's topics with their retained messages, bytes, seqs, subscribers and publish rate.",
    footer = {"", "Examples:",
        "  herald topics                                  # every topic, on the node on 127.0.0.1:8888",
        "  herald topics 'orders.>'                       # orders and everything below it",
        "  herald topics 'sensors.*.temp' --json",
        "  herald topics --tls --ca ca.crt --user admin    # password from $HERALD_PASSWORD",
        "",
        "Only the topics the user may subscribe to are listed, at most 1000 (the reply then says truncated).",
        "Exit status: 0 when a node answered, 1 when none could be reached or the node refused, 2 on bad usage."})
public final class TopicsCommand implements Callable<Integer> {

  @Parameters(index = "0", arity = "0..1", paramLabel = "PATTERN",
      description = "Topics to list: a name, or a pattern with * (one token) and > (the rest). Default: all.")
  String pattern;

  @Mixin
  Target target;

  @Mixin
  SecurityOptions security;

  @Option(names = "--json", description = "Print the node's reply as it came, one JSON line.")
  boolean json;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (pattern != null) {
      String problem = TopicPattern.problem(pattern);
      if (problem != null) {
        err.println("herald topics: invalid pattern \"" + pattern + "\": " + problem);
        return 2;
      }
    }
    return StatsCommand.askFirstNode("topics", target, security, err, c -> c.topics(pattern), reply -> {
      out.println(json ? reply.encode() : table(reply));
      out.flush();
    });
  }

  /** One row per topic, columns as in docs/api.md; a last line when the list was cut. */
  static String table(JsonObject reply) {
    String[] head = {"TOPIC", "MESSAGES", "BYTES", "FIRST", "LAST", "SUBSCRIBERS", "RATE/S"};
    List<String[]> rows = new ArrayList<>();
    rows.add(head);
    JsonArray topics = reply.getJsonArray("topics", new JsonArray());
    for (Object o : topics) {
      JsonObject t = (JsonObject) o;
      rows.add(new String[] {t.getString("topic"), str(t, "messages"), str(t, "bytes"), str(t, "first_seq"),
          str(t, "last_seq"), str(t, "subscribers"), str(t, "publish_rate")});
    }
    int[] width = new int[head.length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        text.append(i == 0 ? String.format("%-" + width[i] + "s", r[i]) : String.format("  %" + width[i] + "s", r[i]));
      }
      text.append('\n');
    }
    if (topics.isEmpty()) {
      text.append("(no topics)\n");
    }
    if (reply.getBoolean("truncated", false)) {
      text.append("(more topics match: narrow the pattern)\n");
    }
    return text.toString().stripTrailing();
  }

  private static String str(JsonObject t, String field) {
    return String.valueOf(t.getValue(field));
  }
}
