package herald.bench;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away PKI in a directory, as PEM files the way openssl writes them: a CA, a server certificate for
 * 127.0.0.1 signed by it, and client certificates whose subject CN is a user name. EC P-256 keys: quick to
 * make. (A stand-in until main has herald.wire.TestPki.)
 */
final class TestCerts {

  /** Long enough for any test run; short enough that a leaked file is soon worthless. */
  private static final Duration VALIDITY = Duration.ofDays(1);

  final Path dir;
  final Path ca;
  private final KeyPair caKeys;
  private final X509Certificate caCert;
  private long serial = 1;

  private TestCerts(Path dir) throws IOException, GeneralSecurityException {
    this.dir = dir;
    this.caKeys = keys();
    this.caCert = sign(new X500Name("CN=herald test CA"), caKeys, true, null);
    this.ca = pem(dir.resolve("ca.pem"), "CERTIFICATE", caCert.getEncoded());
  }

  static TestCerts in(Path dir) {
    try {
      return new TestCerts(dir);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A certificate (and its key, "&lt;name&gt;.key") for {@code cn}, valid for 127.0.0.1 and localhost too. */
  Path cert(String name, String cn) {
    try {
      KeyPair keys = keys();
      X509Certificate cert = sign(new X500Name("CN=" + cn), keys, false,
          new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(GeneralName.dNSName, "localhost")}));
      pem(dir.resolve(name + ".key"), "PRIVATE KEY", keys.getPrivate().getEncoded()); // PKCS#8
      return pem(dir.resolve(name + ".pem"), "CERTIFICATE", cert.getEncoded());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  Path key(String name) {
    return dir.resolve(name + ".key");
  }

  private static KeyPair keys() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    return gen.generateKeyPair();
  }

  private X509Certificate sign(X500Name subject, KeyPair keys, boolean isCa, GeneralNames names)
      throws GeneralSecurityException, IOException {
    Instant now = Instant.now();
    X500Name issuer = isCa ? subject : new X500Name(caCert.getSubjectX500Principal().getName());
    var builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serial++),
        Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (names != null) {
      builder.addExtension(Extension.subjectAlternativeName, false, names);
    }
    try {
      var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(isCa ? keys.getPrivate() : caKeys.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static Path pem(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
  }
}
