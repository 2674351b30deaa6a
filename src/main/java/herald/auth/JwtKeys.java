package herald.auth;

import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The keys that sign valid tokens, from {@code HERALD_JWT_KEYS}: a JWKS file ({@code {"keys":[...]}}) or one
 * or more PEM public keys. Verification itself is vertx-auth-jwt's, which checks the signature and
 * {@code exp}/{@code nbf}; only RS256 and ES256 are accepted, the algorithms the issue and most identity
 * providers use.
 */
final class JwtKeys {

  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----");

  private JwtKeys() {}

  /** @throws IllegalArgumentException naming {@code source} and what is wrong with it */
  static JWTAuth load(Vertx vertx, String text, String source) {
    JWTAuthOptions options = new JWTAuthOptions();
    String trimmed = text.strip();
    int keys = 0;
    if (trimmed.startsWith("{")) {
      JsonObject jwks;
      try {
        jwks = new JsonObject(trimmed);
      } catch (DecodeException e) {
        throw new IllegalArgumentException(source + ": not valid JSON (" + e.getMessage() + ")");
      }
      if (jwks.getJsonArray("keys") == null) {
        throw new IllegalArgumentException(source + ": a JWKS file needs a \"keys\" list");
      }
      for (Object k : jwks.getJsonArray("keys")) {
        if (!(k instanceof JsonObject jwk)) {
          throw new IllegalArgumentException(source + ": every entry of \"keys\" must be an object");
        }
        String alg = jwk.getString("alg", jwk.getString("kty", "").equals("EC") ? "ES256" : "RS256");
        if (!alg.equals("RS256") && !alg.equals("ES256")) {
          throw new IllegalArgumentException(source + ": key " + jwk.getString("kid", "#" + keys) + " has alg " + alg
              + "; only RS256 and ES256 are accepted");
        }
        options.addJwk(jwk.copy().put("alg", alg));
        keys++;
      }
    } else {
      Matcher m = PEM.matcher(text);
      while (m.find()) {
        String alg = algorithm(m.group(1), source);
        options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(alg).setBuffer(m.group()));
        keys++;
      }
    }
    if (keys == 0) {
      throw new IllegalArgumentException(source + ": no key found (expected a JWKS file or PEM public keys, "
          + "-----BEGIN PUBLIC KEY-----)");
    }
    try {
      return JWTAuth.create(vertx, options);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(source + ": unusable key (" + e.getMessage() + ")");
    }
  }

  /** RS256 for an RSA key, ES256 for an EC key: a PEM public key does not name its algorithm. */
  private static String algorithm(String base64, String source) {
    byte[] der = Base64.getMimeDecoder().decode(base64);
    for (String[] kind : new String[][] {{"RSA", "RS256"}, {"EC", "ES256"}}) {
      try {
        KeyFactory.getInstance(kind[0]).generatePublic(new X509EncodedKeySpec(der));
        return kind[1];
      } catch (Exception notThisKind) {
        // try the next
      }
    }
    throw new IllegalArgumentException(source + ": a PEM public key that is neither RSA nor EC");
  }
}
