package herald.bench;

import picocli.CommandLine.Option;

/** Options every scenario takes. */
final class Common {

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Broker host (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "${env:HERALD_PORT:-8888}",
      description = "Broker port (default: $HERALD_PORT, else 8888).")
  int port;

  @Option(names = "--sub-port", defaultValue = "0",
      description = "Port the subscribers connect to, e.g. another node of a cluster; publishers use --port (default: --port).")
  int subPort;

  /** Where subscribers connect: --sub-port if given, else --port. */
  int subscriberPort() {
    return subPort > 0 ? subPort : port;
  }

  @Option(names = "--duration-seconds", defaultValue = "30",
      description = "Hard cap on the load phase, whatever --messages says (default: ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(names = "--drain-seconds", defaultValue = "5",
      description = "After the load stops, how long to wait for outstanding replies and deliveries (default: ${DEFAULT-VALUE}).")
  int drainSeconds;

  @Option(names = "--quiet", description = "No progress line on stderr.")
  boolean quiet;

  /** A topic name no earlier run used, so seqs start at 1 and retained messages from warm-ups are not replayed. */
  static String freshTopic(String scenario) {
    return "bench." + scenario + "." + Long.toString(System.currentTimeMillis(), 36) + "." + (++topics);
  }

  private static int topics;
}
