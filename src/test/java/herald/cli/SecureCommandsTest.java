package herald.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import herald.Main;
import herald.client.BlockingHerald;
import herald.client.ClientOptions;
import herald.client.HeraldException;
import herald.client.HeraldUrl;
import herald.wire.TestBroker;
import herald.wire.TestPki;
import herald.wire.TestUsers;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code herald pub}, {@code sub} and {@code stats} with {@code --tls --ca --user --password} against a real
 * node that speaks only TLS and requires auth, and with {@code --cert --key} against one that also requires
 * client certificates; run in-process as a user would type them.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SecureCommandsTest {

  @TempDir
  static Path dir;

  private static Vertx vertx;
  private static Vertx mtlsVertx;
  private static TestBroker broker;
  /** The same, and it also requires a client certificate (tls_client_ca). */
  private static TestBroker mtlsBroker;
  private static TestPki pki;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    pki = TestPki.create(dir);
    Path users = TestUsers.write(dir.resolve("users.json"), "{'users':["
        + "{'name':'alice','password':'" + TestUsers.hash("pw") + "',"
        + "'permissions':{'publish':['cli.>'],'subscribe':{'allow':['>'],'deny':['secret.>']}}},"
        + "{'name':'svc-orders','permissions':{'publish':['>'],'subscribe':['>']}}]}");
    JsonObject secured = new JsonObject().put("tls_cert", pki.serverCert.toString())
        .put("tls_key", pki.serverKey.toString()).put("users_file", users.toString());
    broker = TestBroker.start(vertx, secured);
    // A Vert.x of its own: two brokers on one Vert.x would share its event bus, and so their topics.
    mtlsVertx = Vertx.vertx();
    mtlsBroker = TestBroker.start(mtlsVertx, secured.copy().put("tls_client_ca", pki.caCert.toString()));
  }

  @AfterAll
  static void stop() {
    broker.close();
    mtlsBroker.close();
    vertx.close().await();
    mtlsVertx.close().await();
  }

  record Run(int status, String out, String err) {}

  /** {@code herald COMMAND --host 127.0.0.1 --port P ARGS...} against the node that takes passwords. */
  private static Run herald(String command, String... args) {
    return herald(broker, command, args);
  }

  private static Run herald(TestBroker node, String command, String... args) {
    List<String> all = new ArrayList<>(List.of(command, "--host", "127.0.0.1", "--port", String.valueOf(node.port())));
    all.addAll(Arrays.asList(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute(all.toArray(String[]::new));
    return new Run(status, out.toString(), err.toString());
  }

  private static String[] asAlice(String password, String... args) {
    List<String> all = new ArrayList<>(List.of("--tls", "--ca", pki.caCert.toString(), "--user", "alice", "--password", password));
    all.addAll(Arrays.asList(args));
    return all.toArray(String[]::new);
  }

  /** Presents a client certificate for {@code cn} from the test CA. */
  private static String[] withCertificate(String cn, String... args) {
    Path[] cert = pki.clientCertificate(cn);
    List<String> all = new ArrayList<>(List.of("--cert", cert[0].toString(), "--key", cert[1].toString()));
    all.addAll(Arrays.asList(args));
    return all.toArray(String[]::new);
  }

  @Test
  void pub_and_sub_over_tls_with_a_user_and_password() {
    assertThat(herald("pub", asAlice("pw", "cli.news", "Hello World!"))).isEqualTo(new Run(0, "1\n", ""));
    assertThat(herald("sub", asAlice("pw", "cli.news", "--from", "earliest", "--count", "1")))
        .isEqualTo(new Run(0, "{\"type\":\"message\",\"topic\":\"cli.news\",\"data\":\"Hello World!\",\"seq\":1}\n", ""));
  }

  @Test
  void mutual_tls_alone_authenticates_the_user_its_certificate_names() {
    assertThat(herald(mtlsBroker, "pub", withCertificate("svc-orders", "--ca", pki.caCert.toString(), "cli.svc", "42")))
        .isEqualTo(new Run(0, "1\n", ""));
    assertThat(herald(mtlsBroker, "sub", withCertificate("svc-orders", "--ca", pki.caCert.toString(), "cli.svc",
        "--last", "1", "--count", "1")).out()).contains("\"data\":42");
    assertThat(herald(mtlsBroker, "stats", withCertificate("svc-orders", "--ca", pki.caCert.toString())).status()).isZero();
    Run without = herald(mtlsBroker, "stats", "--ca", pki.caCert.toString());
    assertThat(without.status()).isEqualTo(1);
    assertThat(without.err()).startsWith("herald stats: not_connected: cannot connect to ").hasLineCount(1);
  }

  @Test
  void a_wrong_password_exits_1_with_auth_failed_on_one_line() {
    for (String command : List.of("pub", "sub", "stats")) {
      String[] args = command.equals("stats") ? asAlice("nope") : asAlice("nope", "cli.news", "x");
      if (command.equals("sub")) {
        args = asAlice("nope", "cli.news");
      }
      Run r = herald(command, args);
      assertThat(r.status()).as(command).isEqualTo(1);
      assertThat(r.err()).as(command).startsWith("herald " + command + ": auth_failed: ").hasLineCount(1);
    }
  }

  @Test
  void a_denied_topic_exits_1_with_forbidden() {
    Run pub = herald("pub", asAlice("pw", "secret.plans", "x"));
    assertThat(pub.status()).isEqualTo(1);
    assertThat(pub.err()).startsWith("herald pub: forbidden: ").hasLineCount(1);
    Run sub = herald("sub", asAlice("pw", "secret.plans"));
    assertThat(sub.status()).isEqualTo(1);
    assertThat(sub.err()).startsWith("herald sub: forbidden: ").hasLineCount(1);
  }

  @Test
  void stats_over_tls_with_auth_prints_the_table() {
    Run r = herald("stats", asAlice("pw"));
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("(?m)^cluster +no$");
  }

  @Test
  void a_plain_connection_to_the_tls_port_fails_with_one_line() {
    Run r = herald("pub", "--user", "alice", "--password", "pw", "cli.news", "x");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).startsWith("herald pub: not_connected: ").hasLineCount(1);
  }

  @Test
  void help_shows_the_security_options_and_examples() {
    for (String command : List.of("pub", "sub", "stats")) {
      Run r = herald(command, "--help");
      assertThat(r.out()).as(command).contains("--user", "--password", "HERALD_PASSWORD", "--token", "HERALD_TOKEN",
          "--tls", "--ca", "--cert", "--key", "Examples:", "--tls --ca ca.crt --user");
    }
  }

  // ---- where the password, the token and TLS come from, checked by connecting to the node with the result

  @Command(name = "t")
  static final class Cmd {
    @Mixin
    Target target;

    @Mixin
    SecurityOptions security;
  }

  /** The client options {@code args} and {@code env} make, for the test's node. */
  private static ClientOptions options(Map<String, String> env, String... args) {
    Cmd cmd = new Cmd();
    new CommandLine(cmd).parseArgs(args);
    HeraldUrl url = cmd.target.url(env);
    return cmd.security.clientOptions(url, env);
  }

  private static String connectsAs(ClientOptions options) {
    try (BlockingHerald herald = BlockingHerald.connect(options)) {
      return herald.async().user();
    }
  }

  @Test
  void the_password_comes_from_the_flag_else_herald_url_else_herald_password() {
    String[] certs = {"--ca", pki.caCert.toString()};
    String node = "127.0.0.1:" + broker.port();

    String[] withUser = concat(certs, "--user", "alice");
    assertThat(connectsAs(options(Map.of("HERALD_URL", node, "HERALD_PASSWORD", "pw"), withUser))).isEqualTo("alice");
    assertThat(connectsAs(options(Map.of("HERALD_URL", "tls://alice:pw@" + node, "HERALD_PASSWORD", "nope"), certs)))
        .isEqualTo("alice");
    assertThat(connectsAs(options(Map.of("HERALD_URL", "tls://alice:nope@" + node), concat(certs, "--password", "pw"))))
        .isEqualTo("alice");
    assertThatThrownBy(() -> connectsAs(options(Map.of("HERALD_URL", node, "HERALD_PASSWORD", "nope"), withUser)))
        .isInstanceOf(HeraldException.AuthFailed.class);
    // A token in the environment does not get in the way of a user named on the command line.
    assertThat(connectsAs(options(Map.of("HERALD_URL", node, "HERALD_PASSWORD", "pw", "HERALD_TOKEN", "x.y.z"), withUser)))
        .isEqualTo("alice");
  }

  @Test
  void tls_comes_from_the_flag_or_a_tls_url_and_a_token_from_herald_token() {
    assertThat(options(Map.of()).tls()).isFalse();
    assertThat(options(Map.of(), "--tls").tls()).isTrue();
    assertThat(options(Map.of("HERALD_URL", "tls://a:1")).tls()).isTrue();
    assertThat(options(Map.of("HERALD_TOKEN", "x.y.z")).authenticates()).isTrue();
    assertThat(options(Map.of("HERALD_TOKEN", "x.y.z")).user()).isNull();
  }

  @Test
  void contradictions_are_refused_with_a_clear_message() {
    assertThatThrownBy(() -> options(Map.of(), "--user", "a", "--password", "p", "--token", "t"))
        .hasMessage("give --user (with a password) or --token, not both");
    assertThatThrownBy(() -> options(Map.of(), "--user", "a")).hasMessage("user 'a' needs a password: --password or HERALD_PASSWORD");
    assertThatThrownBy(() -> options(Map.of(), "--password", "p")).hasMessage("--password needs --user");
    assertThatThrownBy(() -> options(Map.of(), "--cert", pki.caCert.toString()))
        .hasMessage("--cert and --key go together: give both");
  }

  private static String[] concat(String[] a, String... b) {
    List<String> all = new ArrayList<>(Arrays.asList(a));
    all.addAll(Arrays.asList(b));
    return all.toArray(String[]::new);
  }
}
