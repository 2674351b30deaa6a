package herald.cli;

import static org.assertj.core.api.Assertions.assertThat;

import herald.Main;
import herald.client.BlockingHerald;
import herald.client.From;
import herald.client.Message;
import herald.wire.TestBroker;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code herald pub} and {@code herald sub}, run in-process against a real node, as a user would type them. */
class ClientCommandsTest {

  private static Vertx vertx;
  private static TestBroker broker;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    broker = TestBroker.start(vertx);
  }

  @AfterAll
  static void stop() {
    broker.close();
    vertx.close().await();
  }

  /** Exit status, stdout and stderr of one command. */
  record Run(int status, String out, String err) {}

  private static Run run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = new CommandLine(command).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new Run(status, out.toString(), err.toString());
  }

  /** {@code herald ARGS} against the test's node. */
  private static Run herald(String... args) {
    return run(new Main(), at(broker.port(), args));
  }

  private static String[] at(int port, String... args) {
    String[] all = new String[args.length + 4];
    all[0] = args[0];
    all[1] = "--host";
    all[2] = "127.0.0.1";
    all[3] = "--port";
    all[4] = String.valueOf(port);
    System.arraycopy(args, 1, all, 5, args.length - 1);
    return all;
  }

  /** Arguments for a command object run on its own (to give it stdin), against the test's node. */
  private static String[] direct(String... args) {
    String[] withName = new String[args.length + 1];
    withName[0] = "pub";
    System.arraycopy(args, 0, withName, 1, args.length);
    String[] all = at(broker.port(), withName);
    return java.util.Arrays.copyOfRange(all, 1, all.length);
  }

  @Test
  void pub_prints_the_seq_and_sub_from_earliest_prints_the_pushed_frames() {
    assertThat(herald("pub", "cli.news", "Hello World!")).isEqualTo(new Run(0, "1\n", ""));
    assertThat(herald("pub", "cli.news", "{\"headline\": \"Rates cut\"}")).isEqualTo(new Run(0, "2\n", ""));
    assertThat(herald("pub", "cli.news", "3")).isEqualTo(new Run(0, "3\n", ""));

    assertThat(herald("sub", "cli.news", "--from", "earliest", "--count", "2")).isEqualTo(new Run(0,
        "{\"type\":\"message\",\"topic\":\"cli.news\",\"data\":\"Hello World!\",\"seq\":1}\n"
            + "{\"type\":\"message\",\"topic\":\"cli.news\",\"data\":{\"headline\": \"Rates cut\"},\"seq\":2}\n", ""));
    assertThat(herald("sub", "cli.news", "--last", "1", "--count", "1").out())
        .isEqualTo("{\"type\":\"message\",\"topic\":\"cli.news\",\"data\":3,\"seq\":3}\n");
    assertThat(herald("sub", "cli.news", "--from", "2", "--count", "1").out()).contains("\"seq\":2}");
  }

  @Test
  void pub_without_a_message_publishes_each_line_of_stdin() {
    String lines = "plain text\n42\n{\"ok\":true}\n\n\"quoted\"\n";
    PubCommand pub = new PubCommand(new ByteArrayInputStream(lines.getBytes(StandardCharsets.UTF_8)));
    assertThat(run(pub, direct("cli.lines"))).isEqualTo(new Run(0, "1\n2\n3\n4\n", ""));

    PubCommand raw = new PubCommand(new ByteArrayInputStream("42\n".getBytes(StandardCharsets.UTF_8)));
    assertThat(run(raw, direct("cli.lines", "--raw", "--quiet"))).isEqualTo(new Run(0, "", ""));

    List<Message> got = new CopyOnWriteArrayList<>();
    try (BlockingHerald herald = BlockingHerald.connect("127.0.0.1:" + broker.port())) {
      herald.subscribe("cli.lines", From.earliest(), got::add);
      org.awaitility.Awaitility.await().until(() -> got.size() == 5);
    }
    assertThat(got).extracting(Message::data)
        .containsExactly("plain text", 42, new JsonObject().put("ok", true), "quoted", "42");
  }

  @Test
  void an_unreachable_broker_exits_1_with_one_line() {
    TestBroker gone = TestBroker.start(vertx);
    int port = gone.port();
    gone.close();
    java.util.Set<String> lines = new java.util.HashSet<>();
    for (String[] args : List.of(new String[] {"pub", "t", "x"}, new String[] {"sub", "t"}, new String[] {"stats"})) {
      Run r = run(new Main(), at(port, args));
      assertThat(r.status()).isEqualTo(1);
      assertThat(r.out()).isEmpty();
      assertThat(r.err()).as("herald %s", args[0])
          .startsWith("herald " + args[0] + ": not_connected: cannot connect to 127.0.0.1:" + port + " (Connection refused")
          .doesNotContain("/127.0.0.1") // the address once, not Netty's copy of it too
          .endsWith("\n").hasLineCount(1);
      lines.add(r.err().substring(("herald " + args[0]).length()));
    }
    assertThat(lines).as("the same message from every command").hasSize(1);
  }

  @Test
  void a_bad_topic_exits_1_with_the_error_code_and_detail() {
    for (String[] args : List.of(new String[] {"pub", "bad..topic", "x"}, new String[] {"sub", "bad..topic"})) {
      Run r = herald(args);
      assertThat(r.status()).isEqualTo(1);
      assertThat(r.err()).startsWith("herald " + args[0] + ": invalid_topic: topic has an empty token").hasLineCount(1);
    }
  }

  @Test
  void a_refused_line_is_reported_with_its_number_and_the_others_still_get_their_seq() {
    String lines = "1\nnull\n3\n";
    PubCommand pub = new PubCommand(new ByteArrayInputStream(lines.getBytes(StandardCharsets.UTF_8)));
    Run r = run(pub, direct("cli.refused"));
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).startsWith("herald pub: line 2: missing_message: ").hasLineCount(1);
    // Lines are pipelined: line 3 was sent before the refusal of line 2 came back, and was stored.
    assertThat(r.out()).isEqualTo("1\n2\n");
  }

  @Test
  void two_sub_group_members_share_the_messages_each_printed_once_and_acked() throws Exception {
    int total = 6;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      // Each member holds one message at a time, and stops after printing three: a message it got past its
      // count is not acked, so the group gives it to the other, and the two print the six between them.
      List<java.util.concurrent.Future<Run>> members = new java.util.ArrayList<>();
      for (int i = 0; i < 2; i++) {
        members.add(pool.submit(() -> herald("sub", "cli.jobs", "--group", "w", "--max-in-flight", "1",
            "--ack-wait-ms", "60000", "--count", String.valueOf(total / 2))));
      }
      org.awaitility.Awaitility.await().until(() -> groupMembers("cli.jobs", "w") == 2);
      try (BlockingHerald publisher = BlockingHerald.connect("127.0.0.1:" + broker.port())) {
        for (int i = 1; i <= total; i++) {
          publisher.publish("cli.jobs", i);
        }
        List<Long> printed = new java.util.ArrayList<>();
        for (java.util.concurrent.Future<Run> member : members) {
          Run r = member.get(30, java.util.concurrent.TimeUnit.SECONDS);
          assertThat(r.status()).as("%s", r).isZero();
          assertThat(r.err()).isEmpty();
          assertThat(r.out().lines()).hasSize(total / 2).allSatisfy(line -> {
            JsonObject frame = new JsonObject(line);
            assertThat(frame.getString("group")).isEqualTo("w");
            printed.add(frame.getLong("seq"));
          });
        }
        assertThat(printed).as("each message printed by one member, once").containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L);

        // Every printed message was acked: a new member of the group gets the next message first, not one of
        // those six given back (they would go out before it).
        List<Message> next = new CopyOnWriteArrayList<>();
        publisher.subscribe("cli.jobs", herald.client.Group.named("w"), next::add);
        publisher.publish("cli.jobs", 7);
        org.awaitility.Awaitility.await().until(() -> !next.isEmpty());
        assertThat(next.get(0).seq()).isEqualTo(7);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** This node's members of group {@code group} on {@code topic}, from its stats. */
  private static long groupMembers(String topic, String group) {
    io.vertx.core.json.JsonArray groups = broker.stats().getJsonArray("groups", new io.vertx.core.json.JsonArray());
    return groups.stream().map(JsonObject.class::cast)
        .filter(g -> g.getString("topic").equals(topic) && g.getString("group").equals(group))
        .mapToLong(g -> g.getLong("members")).sum();
  }

  @Test
  void bad_usage_exits_2_and_help_shows_examples() {
    assertThat(herald("sub", "t", "--ack-wait-ms", "500").status()).as("--ack-wait-ms without --group").isEqualTo(2);
    assertThat(herald("sub", "t", "--from", "earliest", "--last", "3").status()).isEqualTo(2);
    assertThat(herald("sub", "t", "--from", "0").status()).isEqualTo(2);
    assertThat(run(new Main(), "pub", "--help").out()).contains("Examples:", "herald pub news 'Hello World!'");
    assertThat(run(new Main(), "sub", "--help").out()).contains("Examples:", "herald sub news --from earliest --count 10",
        "herald sub jobs --group workers", "--ack-wait-ms", "--max-in-flight");
  }
}
