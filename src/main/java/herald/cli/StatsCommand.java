package herald.cli;

import herald.Main;
import herald.client.Address;
import herald.client.HeraldException.NotConnected;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code herald stats}: connects to the first node of the target that answers, sends
 * {@code {"action":"stats"}} (docs/protocol.md) and prints the reply as a table, or as the raw JSON line.
 * A plain blocking socket: one request, one reply, nothing to gain from an event loop.
 */
@Command(name = "stats", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, usageHelpWidth = 110,
    description = "Show the connected node's view: its topics, subscriptions, connections and cluster members.",
    footer = {"", "Examples:",
        "  herald stats                                   # the node on 127.0.0.1:8888",
        "  herald stats --host broker.example --port 8881",
        "  HERALD_URL=tcp://10.0.0.1:8888,10.0.0.2:8888 herald stats --json   # first node that answers",
        "",
        "Exit status: 0 when a node answered, 1 when none could be reached or the node refused, 2 on bad usage."})
public final class StatsCommand implements Callable<Integer> {

  /** A node that takes longer than this to accept a TCP connection is treated as down, and the next one tried. */
  static final int CONNECT_TIMEOUT_MS = 3_000;

  /** Longer than the node's own 5 s bound on reading its counts, so its {@code unavailable} reply arrives first. */
  static final int READ_TIMEOUT_MS = 10_000;

  /** A greeting or stats line is a few hundred bytes; anything this long is not a Herald node talking. */
  static final int MAX_LINE_BYTES = 1 << 20;

  @Mixin
  Target target;

  @Option(names = "--json", description = "Print the node's reply as it came, one JSON line.")
  boolean json;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Address> addresses;
    try {
      addresses = target.addresses();
    } catch (IllegalArgumentException e) {
      err.println("herald stats: " + e.getMessage());
      return 2;
    }
    List<String> failures = new ArrayList<>();
    for (Address address : addresses) {
      try {
        JsonObject reply = ask(address);
        if ("error".equals(reply.getString("status"))) {
          failures.add(NotConnected.failure(address, reply.getString("error") + ": " + reply.getString("detail")));
          continue;
        }
        if (!"stats".equals(reply.getString("status"))) {
          throw new ProtocolException("the node sent " + abbreviate(reply.encode()) + " instead of stats");
        }
        out.println(json ? reply.encode() : table(reply));
        out.flush();
        return 0;
      } catch (java.net.UnknownHostException e) {
        failures.add(NotConnected.failure(address, "unknown host"));
      } catch (IOException | ProtocolException e) {
        failures.add(NotConnected.failure(address, e.getMessage()));
      }
    }
    // The same line as herald pub and sub print when no node can be reached.
    return ClientErrors.report(err, "stats", NotConnected.cannotConnect(failures));
  }

  /** The node's reply to stats: a {@code stats} frame or an error frame. */
  private static JsonObject ask(Address address) throws IOException, ProtocolException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address.host(), address.port()), CONNECT_TIMEOUT_MS);
      socket.setSoTimeout(READ_TIMEOUT_MS);
      InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
      JsonObject greeting = readFrame(in);
      if (!"connected".equals(greeting.getString("status"))) {
        return greeting; // e.g. too_many_connections, sent instead of the greeting
      }
      OutputStream o = socket.getOutputStream();
      o.write("{\"action\":\"stats\",\"id\":\"herald-stats\"}\n".getBytes(StandardCharsets.US_ASCII));
      o.flush();
      return readFrame(in); // this connection subscribes to nothing, so the next frame is the reply
    }
  }

  private static JsonObject readFrame(InputStream in) throws IOException, ProtocolException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(512);
    int b;
    while ((b = in.read()) != '\n') {
      if (b == -1) {
        throw new ProtocolException("the node closed the connection");
      }
      if (line.size() == MAX_LINE_BYTES) {
        throw new ProtocolException("the node sent a line longer than " + MAX_LINE_BYTES + " bytes");
      }
      line.write(b);
    }
    String text = line.toString(StandardCharsets.UTF_8);
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException("the node sent a line that is not a JSON object: " + abbreviate(text));
    }
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

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }

  /** The peer is not speaking the protocol as docs/protocol.md describes. */
  static final class ProtocolException extends Exception {
    ProtocolException(String message) {
      super(message);
    }
  }
}
