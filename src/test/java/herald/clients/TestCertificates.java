package herald.clients;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
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
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away CA and the certificates it signed, as PEM files: a server's, for a node's tls_cert/tls_key,
 * and a client's whose subject CN is {@code clientUser}, for a node with tls_client_ca. The server
 * certificate names only the IP address 127.0.0.1, so a client that connects to "localhost" must refuse it:
 * that is how a test sees the host name being checked.
 */
record TestCertificates(Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {

  /** RSA, which every TLS stack reads from PEM; 2048 bits, the smallest size they all still accept. */
  private static final int KEY_BITS = 2048;

  /** Valid from an hour ago (clock skew) for a day: longer than any test run. */
  private static final Duration BACKDATE = Duration.ofHours(1);
  private static final Duration VALIDITY = Duration.ofDays(1);

  static TestCertificates create(Path dir, String clientUser)
      throws IOException, GeneralSecurityException, OperatorCreationException {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(KEY_BITS);
    KeyPair caKeys = rsa.generateKeyPair();
    KeyPair serverKeys = rsa.generateKeyPair();
    KeyPair clientKeys = rsa.generateKeyPair();
    JcaX509ExtensionUtils ids = new JcaX509ExtensionUtils();
    Instant now = Instant.now();
    Date from = Date.from(now.minus(BACKDATE));
    Date to = Date.from(now.plus(VALIDITY));

    X500Name caName = new X500Name("CN=Herald test CA");
    X509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, to, caName, caKeys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
        .addExtension(Extension.subjectKeyIdentifier, false, ids.createSubjectKeyIdentifier(caKeys.getPublic()));
    X509Certificate caCert = sign(ca, caKeys);

    X509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(caCert, BigInteger.TWO, from, to,
        new X500Name("CN=127.0.0.1"), serverKeys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
        .addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")))
        .addExtension(Extension.subjectKeyIdentifier, false, ids.createSubjectKeyIdentifier(serverKeys.getPublic()))
        .addExtension(Extension.authorityKeyIdentifier, false, ids.createAuthorityKeyIdentifier(caCert));
    X509Certificate serverCert = sign(server, caKeys);

    X509v3CertificateBuilder client = new JcaX509v3CertificateBuilder(caCert, BigInteger.valueOf(3), from, to,
        new X500Name("CN=" + clientUser), clientKeys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
        .addExtension(Extension.subjectKeyIdentifier, false, ids.createSubjectKeyIdentifier(clientKeys.getPublic()))
        .addExtension(Extension.authorityKeyIdentifier, false, ids.createAuthorityKeyIdentifier(caCert));
    X509Certificate clientCert = sign(client, caKeys);

    TestCertificates files = new TestCertificates(dir.resolve("ca.pem"), dir.resolve("server.pem"),
        dir.resolve("server-key.pem"), dir.resolve("client.pem"), dir.resolve("client-key.pem"));
    Files.writeString(files.caCert(), pem(caCert));
    Files.writeString(files.serverCert(), pem(serverCert));
    Files.writeString(files.serverKey(), pkcs8(serverKeys));
    Files.writeString(files.clientCert(), pem(clientCert));
    Files.writeString(files.clientKey(), pkcs8(clientKeys));
    return files;
  }

  /** PKCS#8 ("BEGIN PRIVATE KEY"), the key form every PEM reader accepts. */
  private static String pkcs8(KeyPair keys) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
      throws GeneralSecurityException, OperatorCreationException {
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuer.getPrivate())));
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }
}
