package herald.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import herald.Broker;
import herald.config.HeraldConfig;
import herald.wire.TestBroker;
import herald.wire.TestPki;
import herald.wire.TestUsers;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Set;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** TLS on the client port, client certificates mapped to users, rotation, and bad files, over real sockets. */
@ExtendWith(VertxExtension.class)
class TlsTest {

  @TempDir Path dir;

  private JsonObject tls(TestPki pki) {
    return new JsonObject().put("tls_cert", pki.serverCert.toString()).put("tls_key", pki.serverKey.toString());
  }

  @Test
  void theClientPortSpeaksOnlyTlsAndAPlaintextClientIsClosedAtOnce(Vertx vertx) throws Exception {
    TestPki pki = TestPki.create(dir);
    try (TestBroker broker = TestBroker.start(vertx, tls(pki))) {
      SSLSocket s = pki.connect(broker.port(), null);
      assertThat(Set.of("TLSv1.2", "TLSv1.3")).contains(s.getSession().getProtocol());
      try (WireClient c = WireClient.over(s)) {
        c.send("{'action':'publish','topic':'news','message':'over TLS'}").expect("{'status':'published','topic':'news','seq':1}");
        c.send("{'action':'subscribe','topic':'news','from':1}").expect("{'status':'subscribed','topic':'news','from':1}");
        c.expect("{'type':'message','topic':'news','data':'over TLS','seq':1}");
      }
      // What `nc` does: connect and type a frame. It is not a TLS record, so the node closes at once.
      try (WireClient plain = WireClient.connectUnGreeted(broker.port())) {
        long start = System.nanoTime();
        plain.send("{'action':'ping'}");
        plain.expectClosed();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
      }
    }
  }

  @Test
  void aClientThatSaysNothingIsClosedAfterTheHandshakeTimeoutNotLeftHanging(Vertx vertx) {
    TestPki pki = TestPki.create(dir);
    try (TestBroker broker = TestBroker.start(vertx, tls(pki));
         WireClient plain = WireClient.connectUnGreeted(broker.port())) {
      long start = System.nanoTime();
      plain.expectClosedWithin(Duration.ofMillis(Security.TLS_HANDSHAKE_TIMEOUT_MS * 2)); // waiting for a greeting
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isBetween(Duration.ofMillis(Security.TLS_HANDSHAKE_TIMEOUT_MS - 500), Duration.ofMillis(Security.TLS_HANDSHAKE_TIMEOUT_MS * 2));
    }
  }

  @Test
  void aClientCertificateNamesTheUserAndAnUnknownOneIsRefused(Vertx vertx) throws Exception {
    TestPki pki = TestPki.create(dir);
    Path users = TestUsers.write(dir.resolve("users.json"),
        "{'users':[{'name':'alice','permissions':{'publish':['news'],'subscribe':['news']}}]}");
    JsonObject settings = tls(pki).put("tls_client_ca", pki.caCert.toString()).put("users_file", users.toString());
    try (TestBroker broker = TestBroker.start(vertx, settings)) {
      try (WireClient alice = WireClient.over(pki.connect(broker.port(), "alice"))) {
        assertThat(alice.greeting().getString("user")).isEqualTo("alice");
        assertThat(alice.greeting().getString("auth")).isEqualTo("required");
        alice.send("{'action':'publish','topic':'news','message':1}").expect("{'status':'published','topic':'news','seq':1}");
        alice.send("{'action':'publish','topic':'orders','message':1}").expectError("forbidden");
        // A certificate user cannot become another user.
        alice.send("{'action':'auth','user':'bob','password':'x'}").expectError("auth_failed");
      }
      try (WireClient mallory = WireClient.unGreeted(pki.connect(broker.port(), "mallory"))) {
        assertThat(mallory.expectError("auth_failed").getString("detail")).contains("mallory");
        mallory.expectClosed();
      }
      // No certificate at all: the handshake itself fails (TLS 1.3 reports it on the first read).
      assertThatThrownBy(() -> {
        try (SSLSocket s = pki.connect(broker.port(), null)) {
          s.getOutputStream().write("{\"action\":\"ping\"}\n".getBytes());
          if (s.getInputStream().read() == -1) {
            throw new java.io.EOFException("closed");
          }
        }
      }).isInstanceOfAny(java.io.IOException.class, AssertionError.class);
    }
  }

  @Test
  void aRotatedCertificateIsServedToNewConnectionsWhileOpenOnesCarryOn(Vertx vertx) throws Exception {
    TestPki pki = TestPki.create(dir);
    try (TestBroker broker = TestBroker.start(vertx, tls(pki))) {
      SSLSocket first = pki.connect(broker.port(), null);
      BigInteger before = TestPki.presented(first).getSerialNumber();
      try (WireClient old = WireClient.over(first)) {
        Path[] next = pki.anotherServerCertificate("rotated");
        // As a Secret update does it: the new files replace the old ones whole.
        Files.move(next[1], pki.serverKey, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(next[0], pki.serverCert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        BigInteger after = before;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (after.equals(before) && System.nanoTime() < deadline) {
          Thread.sleep(500);
          try (SSLSocket s = pki.connect(broker.port(), null)) {
            after = TestPki.presented(s).getSerialNumber();
          }
        }
        assertThat(after).as("the new certificate is served").isNotEqualTo(before);
        old.send("{'action':'ping'}").expect("{'status':'pong'}");
      }
    }
  }

  @Test
  void badFilesStopStartUpNamingTheSetting(Vertx vertx) throws Exception {
    TestPki pki = TestPki.create(dir);
    TestPki other = TestPki.create(Files.createDirectory(dir.resolve("other")));
    assertThat(startFails(vertx, new JsonObject().put("tls_cert", dir.resolve("missing.crt").toString())
        .put("tls_key", pki.serverKey.toString()))).contains("HERALD_TLS_CERT").contains("cannot read");
    assertThat(startFails(vertx, new JsonObject().put("tls_cert", pki.serverCert.toString())
        .put("tls_key", other.serverKey.toString()))).contains("HERALD_TLS_KEY").contains("does not match");
    assertThat(startFails(vertx, new JsonObject().put("tls_cert", pki.serverCert.toString())))
        .contains("go together");
    assertThat(startFails(vertx, tls(pki).put("tls_client_ca", pki.caCert.toString())))
        .contains("HERALD_USERS_FILE");
    assertThat(startFails(vertx, tls(pki).put("tls_client_ca", pki.serverKey.toString())
        .put("users_file", TestUsers.write(dir.resolve("u.json"), "{'users':[]}").toString())))
        .contains("HERALD_TLS_CLIENT_CA").contains("not a PEM CA certificate");
    assertThat(startFails(vertx, new JsonObject().put("users_file",
        TestUsers.write(dir.resolve("plain.json"), "{'users':[{'name':'a','password':'secret'}]}").toString())))
        .contains("HERALD_USERS_FILE").contains("plaintext passwords are refused");
  }

  private static String startFails(Vertx vertx, JsonObject settings) {
    JsonObject all = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("http_port", 0).mergeIn(settings);
    try {
      Broker.start(vertx, HeraldConfig.defaults(all)).await();
    } catch (herald.config.ConfigException expected) {
      return expected.getMessage();
    }
    throw new AssertionError("started with " + settings);
  }
}
