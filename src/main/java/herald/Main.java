package herald;

import herald.bench.BenchCommand;
import herald.cli.PasswdCommand;
import herald.cli.PubCommand;
import herald.cli.StatsCommand;
import herald.cli.TopicsCommand;
import herald.cli.SubCommand;
import herald.config.ConfigException;
import herald.config.HeraldConfig;
import herald.net.PortInUseException;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code herald} command: {@code serve} (the default) runs a node; {@code pub}, {@code sub} and
 * {@code stats} talk to one; {@code bench} generates load.
 */
@Command(name = "herald", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "A JSON-over-TCP publish/subscribe broker.",
    subcommands = {Main.Serve.class, PubCommand.class, SubCommand.class, StatsCommand.class, TopicsCommand.class, BenchCommand.class,
        PasswdCommand.class})
public final class Main implements Callable<Integer> {

  public static void main(String[] args) {
    // First, before any class that logs is loaded: every facade picks its backend on first use.
    Logging.install(System.getenv());
    CommandLine cli = new CommandLine(new Main());
    // `java -jar herald.jar` with no arguments serves, as the README promises.
    int code = cli.execute(args.length == 0 ? new String[] {"serve"} : args);
    if (code != 0 || !(args.length == 0 || "serve".equals(args[0]))) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() {
    return new Serve().call();
  }

  /** Runs a node until SIGTERM or SIGINT, then drains and exits 0. */
  @Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = "Run a broker node. Settings come from conf/config.json (or $HERALD_CONFIG) and HERALD_* variables.")
  static final class Serve implements Callable<Integer> {
    @Override
    public Integer call() {
      Broker broker;
      Logger log;
      try {
        // Reading the configuration needs a Vert.x; the node gets its own, clustered or not, once it is read.
        Vertx reader = Vertx.vertx();
        HeraldConfig config;
        try {
          config = HeraldConfig.load(reader, System.getenv()).await();
        } finally {
          reader.close();
        }
        // Before the node starts: from here on every line names it, at its configured level and format.
        Logging.configure(config);
        log = Logger.getLogger("herald");
        broker = Broker.launch(config).await();
      } catch (ConfigException e) {
        System.err.println("herald: configuration error: " + e.getMessage());
        return 2;
      } catch (PortInUseException e) {
        System.err.println("herald: cannot start: " + e.getMessage());
        return 1;
      } catch (Exception e) {
        System.err.println("herald: cannot start: " + e);
        return 1;
      }
      log.info("herald " + Broker.VERSION + " node " + broker.config().nodeId() + " listening on "
          + broker.config().host() + ":" + broker.port());
      log.info("health and metrics on http://" + broker.config().host() + ":" + broker.httpPort()
          + " (/health/live, /health/ready, /metrics; the web console at /, its API under /api/)");
      CountDownLatch stopped = new CountDownLatch(1);
      Runnable drain = () -> {
        log.info("draining connections");
        try {
          // Blocking is fine here: this runs on the JVM's signal thread, not on an event loop.
          broker.close().toCompletionStage().toCompletableFuture().join();
        } catch (RuntimeException e) {
          log.warning("unclean stop: " + e);
        }
        stopped.countDown();
      };
      // SIGTERM is the normal way to stop a node (Kubernetes, systemd). Handling it here, instead of in a
      // shutdown hook, lets the JVM exit 0 after a clean drain rather than 143.
      for (String signal : new String[] {"TERM", "INT"}) {
        sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> drain.run());
      }
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      log.info("stopped");
      System.exit(0);
      return 0;
    }
  }

  /** {@code herald -V}, and {@code -V} on every subcommand: each names this class, or picocli prints nothing. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"herald " + Broker.VERSION};
    }
  }
}
