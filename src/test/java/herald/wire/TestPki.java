package herald.wire;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority for tests: a CA, and server and client certificates it signs, written as
 * PEM files (certificates, and keys as unencrypted PKCS#8 "PRIVATE KEY") into a directory of the test's.
 * EC P-256 keys: generated in milliseconds, where RSA 2048 takes a noticeable fraction of a second.
 *
 * <pre>{@code
 * TestPki pki = TestPki.create(tempDir);
 * TestPki.Issued server = pki.server();           // CN=localhost, SAN localhost and 127.0.0.1
 * TestPki.Issued alice = pki.client("alice");     // CN=alice, for mTLS
 * pki.caCert();                                   // what clients trust
 * }</pre>
 */
public final class TestPki {

  /** Long enough for any test run, short enough that a leaked file is useless. */
  private static final Duration VALIDITY = Duration.ofDays(2);

  /** Certificates are back-dated this much, so a clock a little behind still accepts them. */
  private static final Duration BACKDATE = Duration.ofHours(1);

  private static final String SIGNATURE = "SHA256withECDSA";

  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  /** A certificate and its key, as PEM files. */
  public record Issued(Path cert, Path key) {}

  private final Path dir;
  private final String name;
  private final KeyPair caKeys;
  private final X509Certificate ca;
  private final Path caCert;

  private TestPki(Path dir, String name) {
    this.dir = dir;
    this.name = name;
    try {
      caKeys = keyPair();
      X500Name subject = new X500Name("CN=" + name);
      JcaX509v3CertificateBuilder b = builder(subject, subject, caKeys);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false,
          new JcaX509ExtensionUtils().createSubjectKeyIdentifier(caKeys.getPublic()));
      ca = sign(b, caKeys.getPrivate());
      caCert = write(name + "-ca.pem", ca);
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make a test CA", e);
    }
  }

  /** A new CA, CN=herald-test, its files in {@code dir}. */
  public static TestPki create(Path dir) {
    return new TestPki(dir, "herald-test");
  }

  /** A second, unrelated CA in the same directory (for "not trusted" tests); {@code name} keeps files apart. */
  public static TestPki create(Path dir, String name) {
    return new TestPki(dir, name);
  }

  /** The CA certificate, PEM: what a client (or a server checking client certificates) trusts. */
  public Path caCert() {
    return caCert;
  }

  /** A server certificate for CN=localhost with SAN DNS:localhost and IP:127.0.0.1. */
  public Issued server() {
    return server("localhost", "127.0.0.1");
  }

  /** A server certificate for these names: IP addresses become IP SANs, the rest DNS SANs. */
  public Issued server(String... names) {
    GeneralName[] sans = new GeneralName[names.length];
    for (int i = 0; i < names.length; i++) {
      boolean ip = names[i].matches("[0-9.]+") || names[i].contains(":");
      sans[i] = new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, names[i]);
    }
    return issue("server-" + names[0], names[0], KeyPurposeId.id_kp_serverAuth, new GeneralNames(sans));
  }

  /** A client certificate whose subject CN is {@code user} (the broker takes the CN as the user name). */
  public Issued client(String user) {
    return issue("client-" + user, user, KeyPurposeId.id_kp_clientAuth, null);
  }

  private Issued issue(String file, String cn, KeyPurposeId purpose, GeneralNames sans) {
    try {
      KeyPair keys = keyPair();
      JcaX509v3CertificateBuilder b = builder(new X500Name("CN=" + name), new X500Name("CN=" + cn), keys);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      b.addExtension(Extension.authorityKeyIdentifier, false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca));
      if (sans != null) {
        b.addExtension(Extension.subjectAlternativeName, false, sans);
      }
      X509Certificate cert = sign(b, caKeys.getPrivate());
      String base = name + "-" + file.replaceAll("[^A-Za-z0-9.-]", "_");
      return new Issued(write(base + ".pem", cert), writeKey(base + "-key.pem", keys.getPrivate()));
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot issue a test certificate for " + cn, e);
    }
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
        Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
  }

  private Path write(String file, Object pem) throws IOException {
    Path p = dir.resolve(file);
    try (Writer w = Files.newBufferedWriter(p); JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(pem);
    }
    return p;
  }

  private Path writeKey(String file, PrivateKey key) throws IOException {
    return write(file, new JcaPKCS8Generator(key, null)); // "PRIVATE KEY", which every PEM reader takes
  }
}
