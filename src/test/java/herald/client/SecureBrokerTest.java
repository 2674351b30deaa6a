package herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import herald.wire.TestPki;
import herald.wire.TestUsers;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client against real nodes that speak TLS and require authentication: a users file with bcrypt
 * hashes, the test's own CA, and permissions that deny some topics.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SecureBrokerTest {

  @TempDir
  static Path dir;

  static TestPki pki;
  static Path users;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    pki = TestPki.create(dir);
    users = usersFile(dir);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  /** alice may publish to orders.> and news and subscribe to all but secret.>; svc-orders logs in by certificate only. */
  static Path usersFile(Path dir) {
    return TestUsers.write(dir.resolve("users.json"), "{'users':["
        + "{'name':'alice','password':'" + TestUsers.hash("pw") + "',"
        + "'permissions':{'publish':['orders.>','news'],'subscribe':{'allow':['>'],'deny':['secret.>']}}},"
        + "{'name':'svc-orders','permissions':{'publish':['>'],'subscribe':['>']}}]}");
  }

  /** A node whose client port speaks only TLS, with the test CA's server certificate, and requires auth. */
  static JsonObject secured() {
    return new JsonObject().put("tls_cert", pki.serverCert.toString()).put("tls_key", pki.serverKey.toString())
        .put("users_file", users.toString());
  }

  private static ClientOptions alice(Node... nodes) {
    String list = String.join(",", java.util.Arrays.stream(nodes).map(n -> "127.0.0.1:" + n.port()).toList());
    return ClientOptions.of(list).trustedCa(pki.caCert).credentials("alice", "pw")
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  @Test
  void over_tls_a_user_with_a_password_publishes_and_subscribes_and_forbidden_fails_only_that_request() {
    try (Node node = Node.start(secured())) {
      HeraldClient client = HeraldClient.connect(vertx, alice(node)).await();
      assertThat(client.user()).isEqualTo("alice");
      List<Message> got = new CopyOnWriteArrayList<>();
      client.subscribe("news", From.earliest(), got::add).await();

      assertThat(client.publish("orders.eu", 1).await()).isEqualTo(1L);
      assertThatThrownBy(() -> client.publish("secret.plans", 2).await()).isInstanceOf(HeraldException.Forbidden.class);
      assertThatThrownBy(() -> client.subscribe("secret.plans", From.now(), m -> { }).await())
          .isInstanceOf(HeraldException.Forbidden.class);
      assertThat(client.publish("news", "still here").await()).isEqualTo(1L);
      await().until(() -> got.size() == 1);
      assertThat(got.get(0).data()).isEqualTo("still here");
      assertThat(client.failure().isComplete()).isFalse();
      client.close().await();
    }
  }

  @Test
  void a_wrong_password_fails_with_auth_failed() {
    try (Node node = Node.start(secured())) {
      ClientOptions wrong = ClientOptions.of("127.0.0.1:" + node.port()).trustedCa(pki.caCert).credentials("alice", "nope");
      assertThatThrownBy(() -> HeraldClient.connect(vertx, wrong).await()).isInstanceOf(HeraldException.AuthFailed.class);
    }
  }

  @Test
  void without_credentials_requests_are_refused_as_auth_required() {
    try (Node node = Node.start(secured())) {
      HeraldClient anonymous = HeraldClient.connect(vertx,
          ClientOptions.of("127.0.0.1:" + node.port()).trustedCa(pki.caCert)).await();
      assertThatThrownBy(() -> anonymous.publish("news", 1).await()).isInstanceOf(HeraldException.AuthRequired.class);
      anonymous.close().await();
    }
  }

  @Test
  void a_plain_tcp_client_gets_no_greeting_from_a_tls_port() {
    try (Node node = Node.start(secured())) {
      ClientOptions plain = ClientOptions.of("127.0.0.1:" + node.port()).credentials("alice", "pw")
          .connectTimeout(Duration.ofSeconds(2));
      assertThatThrownBy(() -> HeraldClient.connect(vertx, plain).await()).isInstanceOf(HeraldException.NotConnected.class);
    }
  }

  @Test
  void after_failing_over_to_the_next_node_the_client_authenticates_again_before_it_subscribes_again() {
    Node first = Node.start(secured());
    boolean firstClosed = false;
    try (Node second = Node.start(secured())) {
      HeraldClient client = HeraldClient.connect(vertx, alice(first, second)).await();
      String firstNode = client.node();
      List<Message> got = new CopyOnWriteArrayList<>();
      Subscription sub = client.subscribe("news", From.earliest(), got::add).await();
      client.publish("news", "on the first node").await();
      await().until(() -> got.size() == 1);

      first.close(); // drains: shutting_down, and the client moves to the second node
      firstClosed = true;
      await().atMost(Duration.ofSeconds(20)).until(() -> client.node() != null && !client.node().equals(firstNode));
      // The second node requires auth: without it this subscription would have ended with auth_required.
      try (BlockingHerald other = BlockingHerald.connect(alice(second))) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
          other.publish("news", "on the second node");
          return got.stream().anyMatch(m -> "on the second node".equals(m.data()));
        });
      }
      assertThat(sub.ended().isComplete()).isFalse();
      assertThat(client.user()).isEqualTo("alice");
      client.close().await();
    } finally {
      if (!firstClosed) {
        first.close();
      }
    }
  }

  @Test
  void with_mutual_tls_the_certificate_names_the_user_and_no_certificate_means_no_connection() {
    JsonObject mtls = secured().put("tls_client_ca", pki.caCert.toString());
    try (Node node = Node.start(mtls)) {
      Path[] svc = pki.clientCertificate("svc-orders");
      HeraldClient client = HeraldClient.connect(vertx,
          ClientOptions.of("127.0.0.1:" + node.port()).trustedCa(pki.caCert).clientCertificate(svc[0], svc[1])).await();
      assertThat(client.user()).isEqualTo("svc-orders");
      assertThat(client.publish("orders.eu", "by certificate").await()).isEqualTo(1L);
      client.close().await();

      assertThatThrownBy(() -> HeraldClient.connect(vertx,
          ClientOptions.of("127.0.0.1:" + node.port()).trustedCa(pki.caCert).connectTimeout(Duration.ofSeconds(2))).await())
          .isInstanceOf(HeraldException.NotConnected.class);
    }
  }
}
