package herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import herald.Main;
import herald.wire.TestBroker;
import herald.wire.TestPki;
import herald.wire.TestUsers;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code herald bench} scenarios, briefly, against a real broker that speaks only TLS and requires
 * authentication: every message arrives, in order, with no error; a wrong password stops the scenario
 * before it starts and says why; a client certificate alone is a user too.
 */
@ExtendWith(VertxExtension.class)
class SecureScenarioTest {

  @TempDir
  Path dir;
  private Vertx vertx;
  private TestPki pki;
  private Path users;
  private TestBroker broker;

  @BeforeEach
  void pki(Vertx vertx) {
    this.vertx = vertx;
    pki = TestPki.create(dir);
    // "bench" may publish and subscribe only under bench.>: the scenarios' topics are all there, so a
    // permission check runs on every publish and every subscribe, and none is refused.
    users = TestUsers.write(dir.resolve("users.json"), "{'users':["
        + "{'name':'bench','password':'" + TestUsers.hash("s3cret")
        + "','permissions':{'publish':['bench.>'],'subscribe':{'allow':['>'],'deny':['secret.>']}}},"
        + "{'name':'svc-bench','permissions':{'publish':['bench.>'],'subscribe':['bench.>']}}]}");
  }

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private void start(JsonObject extra) {
    broker = TestBroker.start(vertx, new JsonObject().put("tls_cert", pki.serverCert.toString())
        .put("tls_key", pki.serverKey.toString()).put("users_file", users.toString()).mergeIn(extra));
  }

  private List<String> tlsAuth(String... args) {
    List<String> all = new ArrayList<>(List.of("bench"));
    all.addAll(List.of(args));
    all.addAll(List.of("--host", "127.0.0.1", "--port", String.valueOf(broker.port()), "--ca", pki.caCert.toString(),
        "--quiet"));
    return all;
  }

  @Test
  void fanOutOverTlsWithAuthDeliversEveryMessage() {
    start(new JsonObject());
    List<String> args = tlsAuth("fanout", "--messages", "20000", "--warmup-messages", "2000", "--subscribers", "3",
        "--user", "bench", "--password", "s3cret");

    Run run = bench(args);

    assertThat(run.code).as(run.out + run.err).isZero();
    assertThat(run.out).containsPattern("RESULT scenario=fanout publishers=1 subscribers=3 size=64 published=20000 "
        + "delivered=60000 .* loss=0 in_order=true errors=0 disconnects=0 capped=false");
  }

  @Test
  void fanInOverTlsWithAuthDeliversEveryMessage() {
    start(new JsonObject());
    List<String> args = tlsAuth("fanin", "--messages", "20000", "--warmup-messages", "0", "--publishers", "3",
        "--user", "bench", "--password", "s3cret");

    Run run = bench(args);

    assertThat(run.code).as(run.out + run.err).isZero();
    assertThat(run.out).containsPattern("RESULT scenario=fanin publishers=3 subscribers=1 size=64 published=20000 "
        + "delivered=20000 .* loss=0 in_order=true errors=0 disconnects=0 capped=false");
  }

  @Test
  void latencyOverTlsWithAuthMeasuresEveryDelivery() {
    start(new JsonObject());
    List<String> args = tlsAuth("latency", "--rate", "5000", "--messages", "1000", "--warmup-messages", "500",
        "--user", "bench", "--password", "s3cret");

    Run run = bench(args);

    assertThat(run.code).as(run.out + run.err).isZero();
    assertThat(run.out).containsPattern("RESULT scenario=latency rate=5000 size=64 sent=1000 measured=1000 "
        + "delivered=1500 loss=0 .* in_order=true errors=0 capped=false");
  }

  @Test
  void aWrongPasswordStopsTheScenarioBeforeItStartsAndSaysWhy() {
    start(new JsonObject());
    List<String> args = tlsAuth("fanout", "--messages", "1000", "--warmup-messages", "0", "--subscribers", "1",
        "--user", "bench", "--password", "wrong");

    Run run = bench(args);

    assertThat(run.code).as(run.out + run.err).isEqualTo(2);
    assertThat(run.err).contains("auth_failed");
    assertThat(run.out).doesNotContain("RESULT");
  }

  @Test
  void aClientCertificateAloneAuthenticates() {
    start(new JsonObject().put("tls_client_ca", pki.caCert.toString()));
    Path[] svc = pki.clientCertificate("svc-bench");
    List<String> args = tlsAuth("fanout", "--messages", "5000", "--warmup-messages", "0", "--subscribers", "2",
        "--cert", svc[0].toString(), "--key", svc[1].toString());

    Run run = bench(args);

    assertThat(run.code).as(run.out + run.err).isZero();
    assertThat(run.out).containsPattern("RESULT scenario=fanout .* published=5000 delivered=10000 .* loss=0 "
        + "in_order=true errors=0 disconnects=0");
  }

  private record Run(int code, String out, String err) {}

  /** Runs {@code herald bench ...} in this JVM; the scenarios report on System.out and System.err. */
  private static Run bench(List<String> args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Main()).execute(args.toArray(new String[0]));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
