package herald.wire;

import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test's own certificate authority, made fresh by each test that needs TLS: a CA, a server certificate for
 * 127.0.0.1 and localhost, and client certificates with any CN, written as PEM files the way cert-manager
 * writes them ({@code tls.crt}, {@code tls.key}, {@code ca.crt}).
 */
public final class TestPki {

  private final Path dir;
  private final KeyPair caKeys;
  private final X509Certificate ca;
  public final Path caCert;
  public final Path serverCert;
  public final Path serverKey;

  private TestPki(Path dir) throws Exception {
    this.dir = dir;
    caKeys = rsa();
    ca = sign(new X500Name("CN=Herald Test CA"), caKeys, caKeys.getPrivate(), new X500Name("CN=Herald Test CA"), true, null);
    caCert = write("ca.crt", pem("CERTIFICATE", ca.getEncoded()));
    KeyPair server = rsa();
    X509Certificate cert = sign(new X500Name("CN=herald"), server, caKeys.getPrivate(), ca(), false,
        new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    serverCert = write("tls.crt", pem("CERTIFICATE", cert.getEncoded()));
    serverKey = write("tls.key", pem("PRIVATE KEY", server.getPrivate().getEncoded()));
  }

  /** A new CA with a server certificate, its files in {@code dir}. */
  public static TestPki create(Path dir) {
    try {
      return new TestPki(dir);
    } catch (Exception e) {
      throw new AssertionError("cannot make test certificates", e);
    }
  }

  /** A second server certificate and key from the same CA, in files of their own (for rotation). */
  public Path[] anotherServerCertificate(String name) {
    try {
      KeyPair server = rsa();
      X509Certificate cert = sign(new X500Name("CN=" + name), server, caKeys.getPrivate(), ca(), false,
          new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
      return new Path[] {write(name + ".crt", pem("CERTIFICATE", cert.getEncoded())),
          write(name + ".key", pem("PRIVATE KEY", server.getPrivate().getEncoded()))};
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A client certificate whose subject CN is {@code cn}, signed by this CA: {cert, key}. */
  public Path[] clientCertificate(String cn) {
    try {
      KeyPair keys = ec();
      X509Certificate cert = sign(new X500Name("CN=" + cn + ",O=Herald tests"), keys, caKeys.getPrivate(), ca(), false, null);
      return new Path[] {write(cn + ".crt", pem("CERTIFICATE", cert.getEncoded())),
          write(cn + ".key", pem("PRIVATE KEY", keys.getPrivate().getEncoded()))};
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The server certificate of this CA as seen by a client: which one the server presented. */
  public static X509Certificate presented(SSLSocket socket) throws Exception {
    return (X509Certificate) socket.getSession().getPeerCertificates()[0];
  }

  /** A TLS client context that trusts this CA and, if {@code cn} is not null, presents a client certificate for it. */
  public SSLContext clientContext(String cn) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (cn != null) {
        KeyPair keys = ec();
        X509Certificate cert = sign(new X500Name("CN=" + cn), keys, caKeys.getPrivate(), ca(), false, null);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", keys.getPrivate(), "pw".toCharArray(), new Certificate[] {cert, ca});
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "pw".toCharArray());
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
      return ctx;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Opens a TLS connection to 127.0.0.1:{@code port}, trusting this CA, and completes the handshake. */
  public SSLSocket connect(int port, String clientCn) {
    try {
      SSLSocket s = (SSLSocket) clientContext(clientCn).getSocketFactory().createSocket("127.0.0.1", port);
      s.setSoTimeout((int) WireClient.TIMEOUT.toMillis());
      s.startHandshake();
      return s;
    } catch (Exception e) {
      throw new AssertionError("TLS connection to 127.0.0.1:" + port + " failed", e);
    }
  }

  private X500Name ca() {
    return new X500Name(ca.getSubjectX500Principal().getName());
  }

  private X509Certificate sign(X500Name subject, KeyPair keys, PrivateKey issuerKey, X500Name issuer,
      boolean isCa, GeneralNames san) throws Exception {
    java.security.PublicKey issuerPublic = caKeys.getPublic();
    Instant now = Instant.now();
    var builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject, keys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    // Key identifiers: Python 3.13's default verification (VERIFY_X509_STRICT) refuses certificates without them.
    var ids = new JcaX509ExtensionUtils();
    builder.addExtension(Extension.subjectKeyIdentifier, false, ids.createSubjectKeyIdentifier(keys.getPublic()));
    if (!isCa) {
      builder.addExtension(Extension.authorityKeyIdentifier, false, ids.createAuthorityKeyIdentifier(issuerPublic));
    }
    if (isCa) {
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    }
    if (san != null) {
      builder.addExtension(Extension.subjectAlternativeName, false, san);
    }
    var signer = new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey);
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  public static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.US_ASCII);
  }

}
