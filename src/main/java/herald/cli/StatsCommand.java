package herald.cli;

import herald.Main;
import herald.client.Address;
import herald.client.ClientOptions;
import herald.client.HeraldClient;
import herald.client.HeraldException;
import herald.client.HeraldUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code herald stats}: connects to the first node of the target that answers, sends
 * {@code {"action":"stats"}} (docs/protocol.md) and prints the reply as a table, or as the raw JSON line.
 * It asks each node in turn with the Java client, one connection at a time, which brings TLS and {@code auth}.
 */
@Command(name = "stats", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, usageHelpWidth = 110,
    description = "Show the connected node's view: its topics, subscriptions, connections and cluster members.",
    footer = {"", "Examples:",
        "  herald stats                                   # the node on 127.0.0.1:8888",
        "  herald stats --host broker.example --port 8881",
        "  HERALD_URL=tcp://10.0.0.1:8888,10.0.0.2:8888 herald stats --json   # first node that answers",
        "  herald stats --tls --ca ca.crt --user admin    # password from $HERALD_PASSWORD",
        "",
        "Exit status: 0 when a node answered, 1 when none could be reached or the node refused, 2 on bad usage."})
public final class StatsCommand implements Callable<Integer> {

  /** A node that takes longer than this to accept a connection (TLS and auth included) is treated as down. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

  /** Longer than the node's own 5 s bound on reading its counts, so its {@code unavailable} reply arrives first. */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

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
    return askFirstNode("stats", target, security, spec.commandLine().getErr(), HeraldClient::stats,
        reply -> out.println(json ? reply.encode() : table(reply)));
  }

  /**
   * Asks the first node of the target that answers ({@code question}, one connection at a time, with the
   * client's TLS and {@code auth}), and hands the reply to {@code print}. Returns the exit status: 0 when a
   * node answered, 1 when none could be reached or the node refused, 2 on bad usage. Shared by
   * {@code herald stats} and {@code herald topics}, so both word failures alike.
   */
  static int askFirstNode(String command, Target target, SecurityOptions security, PrintWriter err,
      Function<HeraldClient, Future<JsonObject>> question, Consumer<JsonObject> print) {
    HeraldUrl url;
    try {
      url = target.url();
    } catch (IllegalArgumentException e) {
      err.println("herald " + command + ": " + e.getMessage());
      return 2;
    }
    List<String> failures = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    try {
      for (Address address : url.nodes()) {
        ClientOptions options = security.clientOptions(new HeraldUrl(List.of(address), url.tls(), url.user(), url.password()))
            .connectTimeout(CONNECT_TIMEOUT)
            .heartbeat(READ_TIMEOUT, READ_TIMEOUT)
            .disconnectedWait(Duration.ZERO); // one node at a time: a lost connection fails the request at once
        try {
          JsonObject reply = ask(vertx, options, question);
          print.accept(reply);
          return 0;
        } catch (HeraldException.AuthFailed e) {
          return ClientErrors.report(err, command, e); // the other nodes would refuse the same credentials
        } catch (HeraldException e) {
          failures.add(failure(address, e));
        }
      }
    } catch (IllegalArgumentException e) {
      return ClientErrors.report(err, command, e);
    } finally {
      vertx.close().await();
    }
    // The same line as herald pub and sub print when no node can be reached.
    return ClientErrors.report(err, command, HeraldException.NotConnected.cannotConnect(failures, null));
  }

  /** The node's reply; its error, or the connection's, as a HeraldException. */
  private static JsonObject ask(Vertx vertx, ClientOptions options, Function<HeraldClient, Future<JsonObject>> question) {
    HeraldClient client = HeraldClient.connect(vertx, options).await();
    try {
      return question.apply(client).await();
    } finally {
      client.close().await();
    }
  }

  /**
   * One node's failure, {@code host:port (reason)} as the client itself words it for pub and sub:
   * {@code (code: detail)} for the node's own error, such as too_many_connections.
   */
  private static String failure(Address address, HeraldException e) {
    Throwable why = e instanceof HeraldException.NotConnected && e.getCause() != null ? e.getCause() : e;
    if (why instanceof HeraldException.BrokerError refused) {
      return HeraldException.NotConnected.failure(address, refused.code() + ": " + refused.detail());
    }
    String clientWords = "not_connected: cannot connect to ";
    return e.getMessage().startsWith(clientWords + address + " (")
        ? e.getMessage().substring(clientWords.length())
        : HeraldException.NotConnected.failure(address, e.getMessage());
  }

  /** Two columns, the node's own fields first, then its counts in the order the node sent them. */
  static String table(JsonObject stats) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"node", stats.getString("node")});
    rows.add(new String[] {"version", String.valueOf(stats.getValue("version"))});
    rows.add(new String[] {"cluster", Boolean.TRUE.equals(stats.getBoolean("cluster")) ? "yes" : "no"});
    rows.add(new String[] {"connections", String.valueOf(stats.getValue("connections"))});
    if (stats.containsKey("members")) {
      String self = stats.getString("member");
      List<String> members = new ArrayList<>();
      stats.getJsonArray("members").forEach(m -> members.add(m.equals(self) ? m + " (this node)" : String.valueOf(m)));
      rows.add(new String[] {"members", members.size() + ": " + String.join(", ", members)});
    }
    JsonObject counts = stats.getJsonObject("counts", new JsonObject());
    for (Map.Entry<String, Object> e : counts) {
      rows.add(new String[] {e.getKey().replace('_', ' '), String.valueOf(e.getValue())});
    }
    int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
    StringBuilder text = new StringBuilder();
    for (String[] r : rows) {
      text.append(String.format("%-" + width + "s  %s%n", r[0], r[1]));
    }
    return text.toString().stripTrailing();
  }
}
