package herald.auth;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * The client listener's TLS material as read from its PEM files at one moment: the certificate chain, its
 * key and, for mTLS, the CA that client certificates must chain to. Checked when read (a key that does not
 * sign for the certificate is refused), so that a bad file stops start-up, or is skipped on a reload,
 * rather than failing every handshake.
 */
public final class TlsFiles {

  /** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
  public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  private final Buffer cert;
  private final Buffer key;
  private final Buffer clientCa; // null: no client certificates

  private TlsFiles(Buffer cert, Buffer key, Buffer clientCa) {
    this.cert = cert;
    this.key = key;
    this.clientCa = clientCa;
  }

  /**
   * Reads and checks the files. The names of the settings ({@code certSetting} ...) go into every error.
   *
   * @param clientCaPath null or empty when client certificates are not required
   * @throws IllegalArgumentException naming the setting and file at fault
   */
  public static TlsFiles read(Vertx vertx, String certPath, String certSetting, String keyPath, String keySetting,
      String clientCaPath, String clientCaSetting) {
    Buffer cert = read(certPath, certSetting);
    Buffer key = read(keyPath, keySetting);
    Buffer ca = clientCaPath == null || clientCaPath.isEmpty() ? null : read(clientCaPath, clientCaSetting);
    X509KeyManager km;
    try {
      KeyManager[] managers = new PemKeyCertOptions().setCertValue(cert).setKeyValue(key)
          .getKeyManagerFactory(vertx).getKeyManagers();
      km = (X509KeyManager) managers[0];
    } catch (Exception e) {
      throw new IllegalArgumentException(certSetting + " = " + certPath + " with " + keySetting + " = " + keyPath
          + ": not a PEM certificate and private key (" + e.getMessage() + ")");
    }
    checkKeyMatches(km, certSetting + " = " + certPath + " and " + keySetting + " = " + keyPath);
    if (ca != null) {
      try {
        var certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(ca.getBytes()));
        if (certs.isEmpty()) {
          throw new IllegalArgumentException("no certificate in it");
        }
      } catch (Exception e) {
        throw new IllegalArgumentException(clientCaSetting + " = " + clientCaPath + ": not a PEM CA certificate ("
            + e.getMessage() + ")");
      }
    }
    return new TlsFiles(cert, key, ca);
  }

  private static Buffer read(String path, String setting) {
    try {
      return Buffer.buffer(Files.readAllBytes(Path.of(path)));
    } catch (Exception e) {
      throw new IllegalArgumentException(setting + " = " + path + ": cannot read it (" + e + ")");
    }
  }

  /** Signs a probe with the key and verifies it with the certificate's public key. */
  private static void checkKeyMatches(X509KeyManager km, String what) {
    for (String type : new String[] {"RSA", "EC"}) {
      String[] aliases = km.getServerAliases(type, null);
      if (aliases == null) {
        continue;
      }
      for (String alias : aliases) {
        PrivateKey priv = km.getPrivateKey(alias);
        X509Certificate[] chain = km.getCertificateChain(alias);
        if (priv == null || chain == null || chain.length == 0) {
          continue;
        }
        try {
          String algorithm = type.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
          byte[] probe = "herald".getBytes();
          Signature s = Signature.getInstance(algorithm);
          s.initSign(priv);
          s.update(probe);
          byte[] sig = s.sign();
          Signature v = Signature.getInstance(algorithm);
          v.initVerify(chain[0].getPublicKey());
          v.update(probe);
          if (v.verify(sig)) {
            return;
          }
        } catch (Exception e) {
          // a key of another type than its certificate: fall through to the error below
        }
        throw new IllegalArgumentException(what + ": the private key does not match the certificate");
      }
    }
    throw new IllegalArgumentException(what + ": no RSA or EC private key with a certificate in them");
  }

  public boolean requiresClientCertificates() {
    return clientCa != null;
  }

  /** The options the NetServer is built with, and updated with on a rotation. */
  public ServerSSLOptions serverOptions(long handshakeTimeoutMillis) {
    ServerSSLOptions o = new ServerSSLOptions()
        .setKeyCertOptions(new PemKeyCertOptions().setCertValue(cert).setKeyValue(key))
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setSslHandshakeTimeout(handshakeTimeoutMillis)
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    if (clientCa != null) {
      o.setTrustOptions(new PemTrustOptions().addCertValue(clientCa)).setClientAuth(ClientAuth.REQUIRED);
    }
    return o;
  }

  /** Whether the files held the same bytes as {@code other}'s. */
  public boolean sameAs(TlsFiles other) {
    return other != null && Arrays.equals(cert.getBytes(), other.cert.getBytes())
        && Arrays.equals(key.getBytes(), other.key.getBytes())
        && (clientCa == null ? other.clientCa == null
            : other.clientCa != null && Arrays.equals(clientCa.getBytes(), other.clientCa.getBytes()));
  }

}
