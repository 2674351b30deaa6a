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
    description = "Load generator: fan-out, fan-in, latency, idle-connection, consumer-group and many-subscription "
        + "scenarios against a running broker.",
    subcommands = {BenchCommand.Fanout.class, BenchCommand.Fanin.class, BenchCommand.LatencyCmd.class,
        BenchCommand.IdleCmd.class, BenchCommand.GroupsCmd.class, BenchCommand.SubscriptionsCmd.class},
    usageHelpWidth = 110,
    footer = {"", "Examples (broker on core 0, generator on core 1; see bench/run.sh):",
        "  ulimit -n 20000",
        "  HERALD_PORT=19999 taskset -c 0 java -jar target/herald.jar & BROKER=$!",
        "  taskset -c 1 java -jar target/herald.jar bench fanout  --port 19999 --messages 3000000",
        "  taskset -c 1 java -jar target/herald.jar bench fanin   --port 19999 --messages 3000000",
        "  taskset -c 1 java -jar target/herald.jar bench latency --port 19999 --rate 10000 --messages 200000",
        "  taskset -c 1 java -jar target/herald.jar bench idle    --port 19999 --connections 10000 --broker-pid $BROKER",
        "  taskset -c 1 java -jar target/herald.jar bench groups  --port 19999 --messages 1000000",
        "  taskset -c 1 java -jar target/herald.jar bench subscriptions --port 19999 --subscriptions 100000 --broker-pid $BROKER",
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
    @Option(names = "--cpu-pids", defaultValue = "",
        description = "Comma-separated pids of the servers under test (same machine only): their CPU time from the "
            + "first measured publish to the last delivery, as cpu_pct (%% of one core) on the RESULT line.")
    String cpuPids;

    @Override
    public Integer call() throws Exception {
      if (!common.securityUsable()) {
        return 2;
      }
      long[] pids;
      try {
        pids = CpuTime.pids(cpuPids);
      } catch (NumberFormatException e) {
        System.err.println("herald bench latency: --cpu-pids takes pids separated by commas, not " + cpuPids);
        return 2;
      }
      return new Latency(common, messages, rate, size, window, warmupMessages, timeline, pids).run();
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

  @Command(name = "groups", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = "Several publishers flood one topic shared by the members of one consumer group, which ack each "
          + "message; reports messages handed to the group and acked per second.",
      footer = {"", "The publishers stay at most --backlog messages ahead of the group: a message retention drops",
          "before the group reaches it is lost to the group. Compare with bench fanin (same publishers, one plain",
          "subscriber, no such bound).",
          "Example: herald bench groups --port 19999 --publishers 4 --members 4 --messages 1000000"})
  static final class GroupsCmd implements Callable<Integer> {
    @Mixin Common common;
    @Option(names = "--messages", defaultValue = "500000",
        description = "Publishes in total, split over the publishers (default: ${DEFAULT-VALUE}).") long messages;
    @Option(names = "--size", defaultValue = "64", description = "Message size in bytes (default: ${DEFAULT-VALUE}).") int size;
    @Option(names = "--window", defaultValue = "512",
        description = "Unanswered publishes allowed per publisher (default: ${DEFAULT-VALUE}).") int window;
    @Option(names = "--warmup-messages", defaultValue = "100000",
        description = "Publishes in an unreported pass first, on another topic and group; 0 skips it (default: ${DEFAULT-VALUE}).")
    long warmupMessages;
    @Option(names = "--publishers", defaultValue = "4", description = "Default: ${DEFAULT-VALUE}.") int publishers;
    @Option(names = "--members", defaultValue = "4", description = "Default: ${DEFAULT-VALUE}.") int members;
    @Option(names = "--ack", defaultValue = "explicit",
        description = "explicit: each member acks each message; none: \"ack\":\"none\" (default: ${DEFAULT-VALUE}).")
    String ack;
    @Option(names = "--max-in-flight", description = "Sent as max_in_flight on joining; default: not sent (the broker's 100).")
    Integer maxInFlight;
    @Option(names = "--backlog", defaultValue = "5000",
        description = "Publishes allowed ahead of what the group consumed; keep it under the topic's retention "
            + "(default: ${DEFAULT-VALUE}, half of the default 10,000).")
    long backlog;

    @Override
    public Integer call() throws Exception {
      if (!common.securityUsable()) {
        return 2;
      }
      if (!ack.equals("explicit") && !ack.equals("none")) {
        System.err.println("herald bench groups: --ack is explicit or none");
        return 2;
      }
      return new Groups(common, publishers, members, ack.equals("explicit"), maxInFlight, messages, size, window, backlog,
          warmupMessages).run();
    }
  }

  @Command(name = "subscriptions", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = "Gives the broker many subscriptions, mostly wildcard patterns, then measures publish throughput "
          + "and publish-to-delivery latency to a few topics that match only 4 of them.",
      footer = {"", "Needs --subscriptions / --per-connection connections (ulimit -n).",
          "Example: herald bench subscriptions --port 19999 --subscriptions 100000 --pattern-share 0.9 --broker-pid 12345"})
  static final class SubscriptionsCmd implements Callable<Integer> {
    @Mixin Common common;
    @Option(names = "--subscriptions", defaultValue = "100000",
        description = "Subscriptions in all, the 2 x topics + 2 that match included (default: ${DEFAULT-VALUE}).")
    int subscriptions;
    @Option(names = "--pattern-share", defaultValue = "0.9",
        description = "Share of them that are wildcard patterns (default: ${DEFAULT-VALUE}).") double patternShare;
    @Option(names = "--per-connection", defaultValue = "1000",
        description = "Subscriptions per connection; at most the broker's max_subscriptions_per_connection (default: ${DEFAULT-VALUE}).")
    int perConnection;
    @Option(names = "--topics", defaultValue = "4",
        description = "Hot topics published to, 1 to 10 (default: ${DEFAULT-VALUE}).") int topics;
    @Option(names = "--messages", defaultValue = "1000000",
        description = "Publishes in the flood pass (default: ${DEFAULT-VALUE}).") long messages;
    @Option(names = "--warmup-messages", defaultValue = "300000",
        description = "Publishes in an unreported flood pass first; 0 skips it (default: ${DEFAULT-VALUE}).") long warmupMessages;
    @Option(names = "--window", defaultValue = "512", description = "Unanswered publishes allowed (default: ${DEFAULT-VALUE}).") int window;
    @Option(names = "--size", defaultValue = "64", description = "Message size in bytes, at least 22 (default: ${DEFAULT-VALUE}).") int size;
    @Option(names = "--rate", defaultValue = "10000", description = "Publishes per second in the latency pass (default: ${DEFAULT-VALUE}).") int rate;
    @Option(names = "--latency-messages", defaultValue = "50000",
        description = "Measured publishes in the latency pass (default: ${DEFAULT-VALUE}).") long latencyMessages;
    @Option(names = "--latency-warmup", defaultValue = "20000",
        description = "Paced publishes before those, recorded apart (default: ${DEFAULT-VALUE}).") long latencyWarmup;
    @Option(names = "--setup-seconds", defaultValue = "120",
        description = "How long the subscriptions may take to be answered (default: ${DEFAULT-VALUE}).") int setupSeconds;
    @Option(names = "--broker-pid", defaultValue = "0",
        description = "The broker's pid, to read its VmRSS from /proc (same machine only).") long brokerPid;

    @Override
    public Integer call() throws Exception {
      if (!common.securityUsable()) {
        return 2;
      }
      try {
        return new Subscriptions(common, subscriptions, patternShare, perConnection, topics, messages, warmupMessages,
            window, size, rate, latencyMessages, latencyWarmup, setupSeconds, brokerPid).run();
      } catch (IllegalArgumentException e) {
        System.err.println("herald bench subscriptions: " + e.getMessage());
        return 2;
      }
    }
  }
}
