package herald.cli;

import static org.assertj.core.api.Assertions.assertThat;

import herald.Broker;
import herald.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line's own help and version, for every command and subcommand. */
class VersionAndHelpTest {

  /** Every command path below {@code herald}: pub, sub, stats, serve, bench, bench fanout, ... */
  private static List<List<String>> commandPaths(CommandLine cli, List<String> prefix) {
    List<List<String>> paths = new ArrayList<>();
    for (var e : cli.getSubcommands().entrySet()) {
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getKey());
      paths.add(path);
      paths.addAll(commandPaths(e.getValue(), path));
    }
    return paths;
  }

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new String[] {String.valueOf(status), out.toString(), err.toString()};
  }

  @Test
  void dashCapitalVPrintsTheVersionOnEveryCommand() {
    List<List<String>> paths = commandPaths(new CommandLine(new Main()), List.of());
    assertThat(paths).extracting(p -> String.join(" ", p))
        .contains("serve", "pub", "sub", "stats", "bench", "bench idle");
    for (List<String> path : paths) {
      for (String flag : new String[] {"-V", "--version"}) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        String[] r = run(args.toArray(String[]::new));
        assertThat(r).as("herald %s", String.join(" ", args))
            .containsExactly("0", "herald " + Broker.VERSION + System.lineSeparator(), "");
      }
    }
    assertThat(run("-V")).containsExactly("0", "herald " + Broker.VERSION + System.lineSeparator(), "");
  }

  /** The command list shows each command's first description line: it must be a whole sentence. */
  @Test
  void everyCommandSummaryIsAWholeSentence() {
    CommandLine cli = new CommandLine(new Main());
    for (List<String> path : commandPaths(cli, List.of())) {
      CommandLine sub = cli;
      for (String name : path) {
        sub = sub.getSubcommands().get(name);
      }
      String[] description = sub.getCommandSpec().usageMessage().description();
      assertThat(description).as("herald %s", String.join(" ", path)).isNotEmpty();
      assertThat(description[0].strip()).as("summary of herald %s", String.join(" ", path)).endsWith(".");
    }
    String help = run("--help")[1];
    assertThat(help).contains("Subscribe to TOPIC and print each message pushed on it as one line.")
        .doesNotContain("exactly as the broker\n");
  }
}
