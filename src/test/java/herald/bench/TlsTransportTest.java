package herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import herald.cli.SecurityOptions;
import herald.wire.TestPki;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's TLS transport ({@link Tls} under {@link Peer} in a {@link Loop}) against a Vert.x TLS echo
 * server over a real socket: the handshake runs in the loop, megabytes of lines come back byte for byte
 * through records split across reads and writes, a client certificate is presented when given, and a
 * broker the CA did not sign is refused.
 */
@ExtendWith(VertxExtension.class)
class TlsTransportTest {

  /** Lines echoed per test: about 1.2 MB, many TLS records and more than the sockets buffer. */
  private static final int LINES = 20_000;
  /** Bounds every wait in these tests. */
  private static final long DEADLINE_NS = 30_000_000_000L;

  @TempDir
  Path dir;
  private TestPki pki;
  private Vertx vertx;
  private NetServer server;

  @BeforeEach
  void pki(Vertx vertx) {
    this.vertx = vertx;
    this.pki = TestPki.create(dir);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close().await();
    }
  }

  @Test
  void linesGoThereAndBackThroughTls() throws IOException {
    int port = echoServer(ClientAuth.NONE);
    Security security = Security.from(tls(pki.caCert, null, null));

    // A read buffer just over the longest line: a record seldom fits beside the partial line already there,
    // so records read from the socket often wait for the lines before them to be handed on.
    Echo echo = exchange(security, port, 128);

    assertThat(echo.closedBecause).isNull();
    assertThat(echo.greeting).isEqualTo("peer anonymous");
    assertThat(echo.lines).isEqualTo(LINES);
    assertThat(echo.wrong).isZero();
  }

  @Test
  void aClientCertificateNamesTheUser() throws IOException {
    int port = echoServer(ClientAuth.REQUIRED);
    Path[] alice = pki.clientCertificate("alice");
    Security security = Security.from(tls(pki.caCert, alice[0], alice[1]));

    Echo echo = exchange(security, port, 1 << 20);

    assertThat(echo.closedBecause).isNull();
    assertThat(echo.greeting).isEqualTo("peer alice");
    assertThat(echo.lines).isEqualTo(LINES);
    assertThat(echo.wrong).isZero();
  }

  @Test
  void withoutTheCertificateItRequiresTheHandshakeFails() throws IOException {
    int port = echoServer(ClientAuth.REQUIRED);
    Security security = Security.from(tls(pki.caCert, null, null));

    Echo echo = exchange(security, port, 1 << 20);

    assertThat(echo.closedBecause).isNotNull();
    assertThat(echo.lines).isZero();
  }

  @Test
  void aBrokerSignedByAnotherCaIsRefused() throws IOException {
    int port = echoServer(ClientAuth.NONE);
    Security security = Security.from(tls(TestPki.create(Files.createDirectories(dir.resolve("other"))).caCert, null, null));

    Echo echo = exchange(security, port, 1 << 20);

    assertThat(echo.closedBecause).contains("read failed").contains("PKIX path validation failed");
    assertThat(echo.lines).isZero();
  }

  private static SecurityOptions.Resolved tls(Path ca, Path cert, Path key) {
    return new SecurityOptions.Resolved(true, ca, cert, key, null, null, null);
  }

  /** Echoes every byte back, after a first line naming the client certificate's CN, or "anonymous". */
  private int echoServer(ClientAuth clientAuth) {
    NetServerOptions options = new NetServerOptions().setSsl(true).setHost("127.0.0.1").setPort(0)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(pki.serverCert.toString())
            .setKeyPath(pki.serverKey.toString()))
        .setClientAuth(clientAuth);
    if (clientAuth != ClientAuth.NONE) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(pki.caCert.toString()));
    }
    server = vertx.createNetServer(options).connectHandler(socket -> {
      socket.write("peer " + clientName(socket) + "\n");
      socket.pipeTo(socket); // with backpressure: stops reading while the client is slow to read
    }).listen().await();
    return server.actualPort();
  }

  private static String clientName(NetSocket socket) {
    try {
      X509Certificate cert = (X509Certificate) socket.peerCertificates().get(0);
      java.util.regex.Matcher cn = java.util.regex.Pattern.compile("CN=([^,]+)")
          .matcher(cert.getSubjectX500Principal().getName());
      return cn.find() ? cn.group(1) : "no CN";
    } catch (SSLPeerUnverifiedException e) {
      return "anonymous";
    }
  }

  private static String expected(int i) {
    return "line " + i + " " + "x".repeat(i % 100);
  }

  /** Sends every line in one write, then reads until all came back, the connection closed, or the deadline. */
  private static Echo exchange(Security security, int port, int readBufferBytes) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < LINES; i++) {
      all.writeBytes((expected(i) + "\n").getBytes(StandardCharsets.US_ASCII));
    }
    Echo echo = new Echo();
    try (Loop loop = new Loop("127.0.0.1", port, security)) {
      echo.peer = loop.connect(readBufferBytes, echo, all.toByteArray());
      long end = System.nanoTime() + DEADLINE_NS;
      while (echo.lines < LINES && !echo.peer.closed() && System.nanoTime() < end) {
        loop.poll();
      }
      echo.closedBecause = echo.peer.closedBecause; // before the loop's close sets it
      return echo;
    }
  }

  private static final class Echo implements Peer.Lines {
    Peer peer;
    String closedBecause;
    String greeting;
    int lines;
    int wrong;

    @Override
    public void line(Peer p, byte[] buf, int from, int to) {
      String s = new String(buf, from, to - from, StandardCharsets.US_ASCII);
      if (greeting == null) {
        greeting = s;
        return;
      }
      if (!s.equals(expected(lines))) {
        wrong++;
      }
      lines++;
    }
  }
}
