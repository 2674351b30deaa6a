package herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import herald.wire.TestPki;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and {@code auth} as the client does them, against fake nodes (Vert.x NetServers, with TLS when the test
 * says) that show exactly which lines arrive, and in which order, and answer what the test tells them to.
 * The certificates come from a CA made for the test ({@link TestPki}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientSecurityTest {

  private static final String AUTH_ALICE = "{\"action\":\"auth\",\"user\":\"alice\",\"password\":\"pw\"}";
  /** Long enough for a line the client would send at once to arrive; it only bounds tests that expect silence. */
  private static final long QUIET_MS = 300;

  @TempDir
  static Path dir;

  private static Vertx vertx;
  private static TestPki pki;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    pki = TestPki.create(dir);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  /** The node's side of TLS, with the server certificate of {@code ca} (SAN 127.0.0.1 and localhost). */
  private static NetServerOptions tls(TestPki ca) {
    return new NetServerOptions().setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(ca.serverCert.toString()).setKeyPath(ca.serverKey.toString()));
  }

  private static String url(FakeNode... nodes) {
    return String.join(",", java.util.Arrays.stream(nodes).map(n -> n.host() + ":" + n.port()).toList());
  }

  @Test
  void over_tls_auth_goes_first_and_subscribing_again_waits_for_authenticated_after_each_reconnect() {
    try (FakeNode fake = FakeNode.start(vertx, tls(pki))) {
      ClientOptions options = ClientOptions.of(url(fake)).trustedCa(pki.caCert).credentials("alice", "pw")
          .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
      Future<HeraldClient> connecting = HeraldClient.connect(vertx, options);
      assertThat(fake.nextLine()).isEqualTo(AUTH_ALICE);
      assertThat(connecting.isComplete()).as("connected before the node said authenticated").isFalse();
      fake.send("{'status':'authenticated','user':'alice'}");
      HeraldClient client = connecting.await();
      assertThat(client.user()).isEqualTo("alice");

      List<Message> got = new CopyOnWriteArrayList<>();
      Future<Subscription> sub = client.subscribe("news", From.earliest(), got::add);
      assertThat(fake.nextLine()).isEqualTo("{\"action\":\"subscribe\",\"topic\":\"news\",\"from\":\"earliest\"}");
      fake.send("{'status':'subscribed','topic':'news','from':1}");
      sub.await();
      fake.send("{'type':'message','topic':'news','data':'a','seq':1}");
      await().until(() -> got.size() == 1);

      fake.dropConnection();
      await().until(() -> client.node() == null); // and it cannot be connected again before authenticated
      Future<Long> published = client.publish("news", "while away"); // waits for the next connection
      assertThat(fake.nextLine()).as("the first line on the new connection").isEqualTo(AUTH_ALICE);
      assertThat(fake.lineWithin(QUIET_MS)).as("nothing may follow auth before its reply").isNull();
      fake.send("{'status':'authenticated','user':'alice'}");
      assertThat(fake.nextLine()).isEqualTo("{\"action\":\"subscribe\",\"topic\":\"news\",\"from\":2}");
      assertThat(fake.nextLine()).isEqualTo("{\"action\":\"publish\",\"topic\":\"news\",\"message\":\"while away\"}");
      fake.send("{'status':'subscribed','topic':'news','from':2}");
      fake.send("{'status':'published','topic':'news','seq':2}");
      assertThat(published.await()).isEqualTo(2L);
      assertThat(fake.connections()).isEqualTo(2);
      client.close().await();
    }
  }

  @Test
  void a_token_is_sent_as_the_token_field() {
    try (FakeNode fake = FakeNode.start(vertx)) {
      Future<HeraldClient> connecting = HeraldClient.connect(vertx, ClientOptions.of(url(fake)).token("eyJ.a.b"));
      assertThat(fake.nextLine()).isEqualTo("{\"action\":\"auth\",\"token\":\"eyJ.a.b\"}");
      fake.send("{'status':'authenticated','user':'svc','expires':4102444800}");
      assertThat(connecting.await().user()).isEqualTo("svc");
      connecting.await().close().await();
    }
  }

  @Test
  void without_credentials_nothing_is_sent_before_the_first_request() {
    try (FakeNode fake = FakeNode.start(vertx, tls(pki))) {
      HeraldClient client = HeraldClient.connect(vertx, ClientOptions.of(url(fake)).trustedCa(pki.caCert)).await();
      assertThat(fake.lineWithin(QUIET_MS)).isNull();
      assertThat(client.user()).isNull();
      client.close().await();
    }
  }

  @Test
  void a_server_certificate_from_another_ca_is_refused() throws Exception {
    TestPki other = TestPki.create(Files.createDirectories(dir.resolve("other")));
    try (FakeNode fake = FakeNode.start(vertx, tls(other))) {
      assertThatThrownBy(() -> HeraldClient.connect(vertx, ClientOptions.of(url(fake)).trustedCa(pki.caCert)).await())
          .isInstanceOf(HeraldException.NotConnected.class)
          .hasMessageContaining("TLS handshake failed") // both CAs have one name: "Signature does not match"
          .hasCauseInstanceOf(SSLHandshakeException.class);
      // Nor does the JVM's default trust store know the test CA.
      assertThatThrownBy(() -> HeraldClient.connect(vertx, ClientOptions.of("tls://" + url(fake))).await())
          .isInstanceOf(HeraldException.NotConnected.class).hasCauseInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  void a_server_certificate_for_another_host_name_is_refused_unless_host_checks_are_off() {
    // 127.0.0.2 is loopback too, and a name the server certificate (127.0.0.1, localhost) does not have.
    try (FakeNode fake = FakeNode.start(vertx, tls(pki), "127.0.0.2")) {
      assertThatThrownBy(() -> HeraldClient.connect(vertx, ClientOptions.of(url(fake)).trustedCa(pki.caCert)).await())
          .isInstanceOf(HeraldException.NotConnected.class)
          .hasCauseInstanceOf(SSLHandshakeException.class);
      HeraldClient lax = HeraldClient.connect(vertx,
          ClientOptions.of(url(fake)).trustedCa(pki.caCert).verifyHost(false)).await();
      lax.close().await();
    }
  }

  @Test
  void mutual_tls_presents_the_client_certificate_and_without_one_the_handshake_fails() throws Exception {
    NetServerOptions mtls = tls(pki).setClientAuth(ClientAuth.REQUIRED)
        .setTrustOptions(new PemTrustOptions().addCertPath(pki.caCert.toString()));
    try (FakeNode fake = FakeNode.start(vertx, mtls)) {
      assertThatThrownBy(() -> HeraldClient.connect(vertx, ClientOptions.of(url(fake)).trustedCa(pki.caCert)).await())
          .isInstanceOf(HeraldException.NotConnected.class);
      assertThat(fake.connections()).isZero();

      Path[] alice = pki.clientCertificate("alice");
      HeraldClient client = HeraldClient.connect(vertx,
          ClientOptions.of(url(fake)).trustedCa(pki.caCert).clientCertificate(alice[0], alice[1])).await();
      X509Certificate presented = (X509Certificate) fake.socket().peerCertificates().get(0);
      assertThat(presented.getSubjectX500Principal().getName()).contains("CN=alice");
      client.close().await();
    }
  }

  @Test
  void auth_failed_on_connecting_fails_at_once_without_trying_the_other_nodes() {
    try (FakeNode first = FakeNode.start(vertx); FakeNode second = FakeNode.start(vertx)) {
      Future<HeraldClient> connecting = HeraldClient.connect(vertx,
          ClientOptions.of(url(first, second)).credentials("alice", "wrong"));
      assertThat(first.nextLine()).startsWith("{\"action\":\"auth\"");
      first.send("{'status':'error','error':'auth_failed','detail':'bad credentials'}");
      assertThatThrownBy(connecting::await).isInstanceOf(HeraldException.AuthFailed.class)
          .hasMessage("auth_failed: bad credentials");
      assertThat(second.connections()).isZero();
    }
  }

  @Test
  void auth_failed_after_a_reconnect_ends_the_client_and_fails_its_subscriptions_and_waiting_requests() {
    try (FakeNode fake = FakeNode.start(vertx)) {
      ClientOptions options = ClientOptions.of(url(fake)).credentials("alice", "pw")
          .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
      Future<HeraldClient> connecting = HeraldClient.connect(vertx, options);
      assertThat(fake.nextLine()).isEqualTo(AUTH_ALICE);
      fake.send("{'status':'authenticated','user':'alice'}");
      HeraldClient client = connecting.await();
      Future<Subscription> sub = client.subscribe("news", From.now(), m -> { });
      fake.nextLine();
      fake.send("{'status':'subscribed','topic':'news','from':1}");
      Subscription s = sub.await();

      fake.dropConnection(); // e.g. the node restarted with a users file that no longer has alice's password
      await().until(() -> client.node() == null);
      Future<Long> waiting = client.publish("news", "x");
      assertThat(fake.nextLine()).isEqualTo(AUTH_ALICE);
      fake.send("{'status':'error','error':'auth_failed','detail':'bad credentials'}");

      assertThatThrownBy(() -> s.ended().await()).isInstanceOf(HeraldException.AuthFailed.class);
      assertThatThrownBy(waiting::await).isInstanceOf(HeraldException.AuthFailed.class);
      assertThat(client.failure().await()).isInstanceOf(HeraldException.AuthFailed.class);
      assertThatThrownBy(() -> client.publish("news", "later").await()).isInstanceOf(HeraldException.AuthFailed.class);
      // Final: no reconnecting with credentials that were refused (the backoff would have retried within 50 ms).
      assertThat(fake.lineWithin(QUIET_MS)).isNull();
      assertThat(fake.connections()).isEqualTo(2);
      client.close().await();
    }
  }

  @Test
  void token_expired_ends_the_client_and_a_publish_in_flight_has_an_unknown_outcome() {
    try (FakeNode fake = FakeNode.start(vertx)) {
      ClientOptions options = ClientOptions.of(url(fake)).token("eyJ.a.b")
          .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
      Future<HeraldClient> connecting = HeraldClient.connect(vertx, options);
      fake.nextLine();
      fake.send("{'status':'authenticated','user':'svc','expires':1}");
      HeraldClient client = connecting.await();
      Future<Subscription> sub = client.subscribe("news", From.now(), m -> { });
      fake.nextLine();
      fake.send("{'status':'subscribed','topic':'news','from':1}");
      Subscription s = sub.await();
      Future<Long> inFlight = client.publish("news", "x");
      fake.nextLine();

      fake.send("{'status':'error','error':'token_expired','detail':'the token expired'}");

      assertThatThrownBy(inFlight::await).isInstanceOf(HeraldException.OutcomeUnknown.class)
          .hasCauseInstanceOf(HeraldException.TokenExpired.class);
      assertThatThrownBy(() -> s.ended().await()).isInstanceOf(HeraldException.TokenExpired.class);
      assertThat(client.failure().await()).isInstanceOf(HeraldException.TokenExpired.class);
      assertThatThrownBy(() -> client.ping().await()).isInstanceOf(HeraldException.TokenExpired.class);
      assertThat(fake.lineWithin(QUIET_MS)).isNull();
      assertThat(fake.connections()).isEqualTo(1);
      client.close().await();
    }
  }

  @Test
  void forbidden_fails_just_that_request() {
    try (FakeNode fake = FakeNode.start(vertx)) {
      HeraldClient client = HeraldClient.connect(vertx, ClientOptions.of(url(fake))).await();
      Future<Long> denied = client.publish("secret.x", 1);
      Future<Long> allowed = client.publish("news", 2);
      fake.nextLine();
      fake.nextLine();
      fake.send("{'status':'error','error':'forbidden','detail':'alice may not publish to secret.x'}");
      fake.send("{'status':'published','topic':'news','seq':1}");
      assertThatThrownBy(denied::await).isInstanceOf(HeraldException.Forbidden.class);
      assertThat(allowed.await()).isEqualTo(1L);
      assertThat(client.failure().isComplete()).isFalse();
      assertThat(fake.connections()).isEqualTo(1);
      client.close().await();
    }
  }
}
