package herald.cli;

import herald.Main;
import herald.client.BlockingHerald;
import herald.client.From;
import herald.client.Group;
import herald.client.Message;
import herald.client.Subscription;
import io.vertx.core.Handler;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code herald sub TOPIC}: prints each message pushed on the topic as one JSON line; with {@code --group G},
 * as a member of consumer group G, acking each message once it is printed.
 */
@Command(name = "sub", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, usageHelpWidth = 110,
    description = {"Subscribe to TOPIC and print each message pushed on it as one line.",
        "Each line is the pushed frame exactly as the broker sent it, {\"type\":\"message\",\"topic\":...,\"data\":...,",
        "\"seq\":N}. If the node goes away, reconnect to the next one and resume after the last seq printed.",
        "With --group G, join consumer group G instead: each message goes to one member of the group, and is",
        "acked once printed (its frame also has \"group\" and \"delivery\"); after a reconnect, join G again."},
    footer = {"",
        "Examples:",
        "  herald sub news",
        "  herald sub news --from earliest --count 10",
        "  herald sub news --last 5 | jq -c .data",
        "  herald sub jobs --group workers --ack-wait-ms 60000    # run two: each job is printed by one of them",
        "  HERALD_URL=node1:8888,node2:8888 herald sub orders.eu.created --from 42",
        "  herald sub --tls --ca ca.crt --user alice news          # password from $HERALD_PASSWORD",
        "  herald sub --ca ca.crt --cert alice.crt --key alice.key news   # mutual TLS: the certificate names the user",
        "  HERALD_TOKEN=$(cat token.jwt) herald sub --tls news",
        "",
        "A gap (messages no longer stored when resuming) is reported on stderr, and printing carries on.",
        "Exit status: 0 after --count messages; 1 when no node is reachable, the subscription is refused",
        "(forbidden...) or the credentials are (auth_failed, token_expired: one line on stderr); 2 on bad usage.",
        "Without --count it runs until interrupted. With --group and --count, messages that arrive after the",
        "count are not acked: the group gives them to another member. --from/--last start a group that does",
        "not exist yet; one that exists keeps its place."})
public final class SubCommand implements Callable<Integer> {

  @Mixin
  Target target;

  @Mixin
  SecurityOptions security;

  @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic, e.g. news or orders.eu.created.")
  String topic;

  @ArgGroup(exclusive = true)
  Start start;

  static final class Start {
    @Option(names = "--from", paramLabel = "earliest|SEQ",
        description = "Replay every stored message (earliest) or those from SEQ on, then the live ones.")
    String from;

    @Option(names = "--last", paramLabel = "N", description = "Replay the last N stored messages, then the live ones.")
    Long last;
  }

  @Option(names = "--count", paramLabel = "N", description = "Exit after N messages.")
  Long count;

  @Option(names = "--group", paramLabel = "G", description = "Join consumer group G: share the messages with its other members.")
  String group;

  @Option(names = "--ack-wait-ms", paramLabel = "MS",
      description = "With --group: how long a message may stay unacked before the group gives it again (default 30000).")
  Long ackWaitMs;

  @Option(names = "--max-in-flight", paramLabel = "N",
      description = "With --group: the most unacked messages this member holds (default 100).")
  Integer maxInFlight;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    From from = from();
    if (group == null && (ackWaitMs != null || maxInFlight != null)) {
      throw new ParameterException(spec.commandLine(), "--ack-wait-ms and --max-in-flight need --group");
    }
    if (count != null && count < 1) {
      throw new ParameterException(spec.commandLine(), "--count must be at least 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CompletableFuture<Integer> done = new CompletableFuture<>();
    AtomicLong printed = new AtomicLong();
    try (BlockingHerald session = BlockingHerald.connect(security.clientOptions(target.url()))) {
      session.async().gapHandler(gap -> {
        err.println("herald sub: " + gap);
        err.flush();
      });
      // The handler runs on the client's event loop, one message at a time.
      Handler<Message> print = m -> {
        if (count != null && printed.get() >= count) {
          return; // arrived before the client closed: not asked for, so not acked either
        }
        out.println(m.frame());
        out.flush();
        if (m.group() != null) {
          // Acked here rather than by auto-ack so that a message past --count is left to the group. Sent
          // before the close below (both on the client's loop), and close waits for its reply.
          m.ack().onFailure(e -> {
            err.println("herald sub: ack of seq " + m.seq() + " failed: " + e.getMessage());
            err.flush();
          });
        }
        if (count != null && printed.incrementAndGet() == count) {
          done.complete(0);
        }
      };
      Subscription sub = (group == null
          ? session.async().subscribe(topic, from, print)
          : session.async().subscribe(topic, membership(from), print)).await();
      sub.ended().onFailure(e -> done.complete(ClientErrors.report(err, "sub", e)));
      return done.get();
    } catch (RuntimeException e) {
      return ClientErrors.report(err, "sub", e);
    } catch (ExecutionException e) {
      return ClientErrors.report(err, "sub", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private Group membership(From from) {
    Group g = Group.named(group).ack(Group.Ack.MANUAL).start(from);
    if (ackWaitMs != null) {
      g = g.ackWait(Duration.ofMillis(ackWaitMs));
    }
    if (maxInFlight != null) {
      g = g.maxInFlight(maxInFlight);
    }
    return g;
  }

  private From from() {
    if (start == null) {
      return From.now();
    }
    if (start.last != null) {
      if (start.last < 0) {
        throw new ParameterException(spec.commandLine(), "--last must be at least 0");
      }
      return From.last(start.last);
    }
    if ("earliest".equals(start.from)) {
      return From.earliest();
    }
    try {
      long seq = Long.parseLong(start.from);
      if (seq >= 1) {
        return From.seq(seq);
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ParameterException(spec.commandLine(), "--from must be 'earliest' or a seq >= 1, got '" + start.from + "'");
  }
}
