package herald.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * An {@link SSLContext} from PEM files, with the JDK alone: the CA certificates go into an in-memory trust
 * store, the client certificate and its key into an in-memory key store.
 */
final class Pem {

  /** The protocols the broker accepts (TLS 1.2 and 1.3); the JDK picks the highest both speak. */
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");
  /** Key algorithms tried in turn: a PKCS#8 key names its algorithm only inside its ASN.1. */
  private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448"};
  /** The in-memory key store's password; it never leaves this process. */
  private static final char[] NO_PASSWORD = new char[0];

  private Pem() {}

  /**
   * @param ca the CA file to trust, or null for the JVM's default CAs
   * @param cert the client certificate chain, or null for none; then {@code key} is null too
   */
  static SSLContext context(Path ca, Path cert, Path key) throws IOException, GeneralSecurityException {
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    if (ca == null) {
      trust.init((KeyStore) null);
    } else {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      List<Certificate> cas = certificates(ca);
      for (int i = 0; i < cas.size(); i++) {
        store.setCertificateEntry("ca" + i, cas.get(i));
      }
      trust.init(store);
    }
    KeyManagerFactory keys = null;
    if (cert != null) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setKeyEntry("client", privateKey(key), NO_PASSWORD, certificates(cert).toArray(new Certificate[0]));
      keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, NO_PASSWORD);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
    return context;
  }

  static List<Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
    List<Certificate> certs = new ArrayList<>(CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file))));
    if (certs.isEmpty()) {
      throw new GeneralSecurityException(file + " holds no certificate");
    }
    return certs;
  }

  static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    Matcher m = PRIVATE_KEY.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new GeneralSecurityException(file + " holds no PEM private key");
    }
    if (!m.group(1).isEmpty()) {
      // "RSA PRIVATE KEY", "EC PRIVATE KEY" (PKCS#1, SEC 1) or "ENCRYPTED PRIVATE KEY": the JDK reads only PKCS#8.
      throw new GeneralSecurityException(file + " holds a " + m.group(1) + "PRIVATE KEY; convert it to an "
          + "unencrypted PKCS#8 key with: openssl pkcs8 -topk8 -nocrypt -in " + file);
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(2)));
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        // not this algorithm: try the next
      }
    }
    throw new GeneralSecurityException(file + ": not an RSA, EC or EdDSA key");
  }
}
