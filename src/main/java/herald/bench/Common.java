package herald.bench;

import herald.cli.Target;
import herald.cli.SecurityOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options every scenario takes. */
final class Common {

  /** --host/--port, else HERALD_URL, else 127.0.0.1:8888, as for every client command. */
  @Mixin
  Target target;

  /** The broker the publishers connect to: the first node of the target. */
  String host() {
    return target.addresses().get(0).host();
  }

  int port() {
    return target.addresses().get(0).port();
  }

  /** --user/--password/--token and --tls/--ca/--cert/--key, as every client command takes them. */
  @Mixin
  SecurityOptions securityOptions;

  /** What those options give the connections; set by {@link #securityUsable()} before any connection. */
  Security security = Security.NONE;

  @Option(names = "--sub-port", defaultValue = "0",
      description = "Port the subscribers connect to, e.g. another node of a cluster; publishers use --port (default: --port).")
  int subPort;

  /** Where subscribers connect: --sub-port if given, else --port. */
  int subscriberPort() {
    return subPort > 0 ? subPort : port();
  }

  @Option(names = "--duration-seconds", defaultValue = "30",
      description = "Hard cap on the load phase, whatever --messages says (default: ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(names = "--drain-seconds", defaultValue = "5",
      description = "After the load stops, how long to wait for outstanding replies and deliveries (default: ${DEFAULT-VALUE}).")
  int drainSeconds;

  @Option(names = "--quiet", description = "No progress line on stderr.")
  boolean quiet;

  /** Reads the security options (the CA and key files) before any connection; says on stderr what is wrong. */
  boolean securityUsable() {
    try {
      security = Security.from(securityOptions.resolve(target.url(), System.getenv()));
      return true;
    } catch (IllegalArgumentException e) {
      System.err.println("herald bench: " + e.getMessage());
      return false;
    }
  }

  /** A topic name no earlier run used, so seqs start at 1 and retained messages from warm-ups are not replayed. */
  static String freshTopic(String scenario) {
    return "bench." + scenario + "." + Long.toString(System.currentTimeMillis(), 36) + "." + (++topics);
  }

  private static int topics;
}
