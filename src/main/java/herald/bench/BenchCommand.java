package herald.bench;

import herald.Main;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code herald bench}: the load generator. Each scenario is a subcommand, bounded by a message count and
 * by {@code --duration-seconds}, so it always ends by itself; it prints progress on stderr once a second and
 * its figures on stdout, ending with one {@code RESULT key=value ...} line for scripts.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Load generator: fan-out, fan-in, latency and idle-connection scenarios against a running broker.",
    subcommands = {BenchCommand.Fanout.class, BenchCommand.Fanin.class, BenchCommand.LatencyCmd.class,
        BenchCommand.IdleCmd.class},
    usageHelpWidth = 110,
    footer = {"", "Examples (broker on core 0, generator on core 1; see bench/run.sh):",
        "  ulimit -n 20000",
        "  HERALD_PORT=19999 taskset -c 0 java -jar target/herald.jar & BROKER=$!",
        "  taskset -c 1 java -jar target/herald.jar bench fanout  --port 19999 --messages 3000000",
        "  taskset -c 1 java -jar target/herald.jar bench fanin   --port 19999 --messages 3000000",
        "  taskset -c 1 java -jar target/herald.jar bench latency --port 19999 --rate 10000 --messages 200000",
        "  taskset -c 1 java -jar target/herald.jar bench idle    --port 19999 --connections 10000 --broker-pid $BROKER",
        "",
        "Against a broker with TLS and users (see bench/run.sh MODES):",
        "  HERALD_PASSWORD=... java -jar target/herald.jar bench fanout --port 19999 --ca tls.crt --user bench",
        "",
        "Every scenario stops at --messages or --duration-seconds, whichever comes first (plus --drain-seconds).",
        "Exit status: 0 when every message arrived in order with no error or disconnect, 1 otherwise, 2 on setup failure."})
public final class BenchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return 2;
  }

  /** Options shared by fan-out and fan-in. */
  static final class Flood {
    @Option(names = "--messages", defaultValue = "2000000",
        description = "Publishes in total, split over the publishers (default: ${DEFAULT-VALUE}).")
    long messages;

    @Option(names = "--size", defaultValue = "64", description = "Message size in bytes (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--window", defaultValue = "512",
        description = "Unanswered publishes allowed per publisher; the broker stops reading at 1024 (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--warmup-messages", defaultValue = "1000000",
        description = "Publishes in an unreported pass first, on another topic, to warm up both JVMs; 0 skips it (default: ${DEFAULT-VALUE}).")
    long warmupMessages;
  }

  @Command(name = "fanout", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = "One publisher floods one topic read by several subscribers; reports deliveries/s and loss.",
      footer = {"", "Example: herald bench fanout --port 19999 --messages 2000000 --duration-seconds 30"})
  static final class Fanout implements Callable<Integer> {
    @Mixin Common common;
    @Mixin Flood flood;
    @Option(names = "--publishers", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.") int publishers;
    @Option(names = "--subscribers", defaultValue = "4", description = "Default: ${DEFAULT-VALUE}.") int subscribers;

    @Override
    public Integer call() throws Exception {
      if (!common.securityUsable()) {
        return 2;
      }
      return new Throughput(common, "fanout", publishers, subscribers, flood.messages, flood.size, flood.window,
          flood.warmupMessages).run();
    }
  }

  @Command(name = "fanin", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = "Several publishers flood one topic read by one subscriber; reports deliveries/s and loss.",
      footer = {"", "Example: herald bench fanin --port 19999 --messages 4000000 --duration-seconds 30"})
  static final class Fanin implements Callable<Integer> {
    @Mixin Common common;
    @Mixin Flood flood;
    @Option(names = "--publishers", defaultValue = "4", description = "Default: ${DEFAULT-VALUE}.") int publishers;
    @Option(names = "--subscribers", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.") int subscribers;

    @Override
    public Integer call() throws Exception {
      if (!common.securityUsable()) {
        return 2;
      }
      return new Throughput(common, "fanin", publishers, subscribers, flood.messages, flood.size, flood.window,
          flood.warmupMessages).run();
    }
  }

  @Command(name = "latency", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = "Publishes at a fixed rate to one subscriber and reports publish-to-delivery latency percentiles.",
      footer = {"", "Example: herald bench latency --port 19999 --rate 10000 --messages 200000"})
  static final class LatencyCmd implements Callable<Integer> {
    @Mixin Common common;
    @Option(names = "--messages", defaultValue = "100000", description = "Default: ${DEFAULT-VALUE}.") long messages;
    @Option(names = "--rate", defaultValue = "10000", description = "Publishes per second (default: ${DEFAULT-VALUE}).") int rate;
    @Option(names = "--size", defaultValue = "64", description = "Message size in bytes, at least 22 (default: ${DEFAULT-VALUE}).") int size;
    @Option(names = "--window", defaultValue = "512", description = "Unanswered publishes allowed (default: ${DEFAULT-VALUE}).") int window;
    @Option(names = "--timeline", description = "Also write every measured delivery (send time, latency) to this CSV file.")
    java.nio.file.Path timeline;
    @Option(names = "--warmup-messages", defaultValue = "100000",
        description = "Publishes at the same rate first, on the same connections, reported apart: the broker's JIT "
            + "recompiles what new connections deoptimized for several seconds; 0 skips it (default: ${DEFAULT-VALUE}).")
    long warmupMessages;

    @Override
    public Integer call() throws Exception {
      if (!common.securityUsable()) {
        return 2;
      }
      return new Latency(common, messages, rate, size, window, warmupMessages, timeline).run();
    }
  }

  @Command(name = "idle", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = "Opens many connections that subscribe and then stay idle; reports the broker's RSS per connection.",
      footer = {"", "Raise the descriptor limit first (ulimit -n) for the broker and the generator, e.g.:",
          "  ulimit -n 20000; herald bench idle --port 19999 --connections 10000 --broker-pid 12345"})
  static final class IdleCmd implements Callable<Integer> {
    @Mixin Common common;
    @Option(names = "--connections", defaultValue = "10000", description = "Default: ${DEFAULT-VALUE}.") int connections;
    @Option(names = "--topics", defaultValue = "0",
        description = "Distinct topics, assigned round-robin; 0 means one per connection (default).") int topics;
    @Option(names = "--hold-seconds", defaultValue = "10",
        description = "How long the connections stay idle before RSS is read again (default: ${DEFAULT-VALUE}).") int holdSeconds;
    @Option(names = "--broker-pid", defaultValue = "0",
        description = "The broker's pid, to read its VmRSS from /proc (same machine only).") long brokerPid;

    @Override
    public Integer call() throws Exception {
      if (!common.securityUsable()) {
        return 2;
      }
      return new Idle(common, connections, topics > 0 ? topics : connections, holdSeconds, brokerPid).run();
    }
  }
}
