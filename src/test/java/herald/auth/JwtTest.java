package herald.auth;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestBroker;
import herald.wire.TestPki;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Tokens: RS256 from a PEM key, ES256 from a JWKS file, permissions from the herald claim, and exp. */
@ExtendWith(VertxExtension.class)
class JwtTest {

  @TempDir Path dir;

  private static final JsonObject CLAIM = new JsonObject()
      .put("publish", new JsonArray().add("orders.>"))
      .put("subscribe", new JsonObject().put("allow", new JsonArray().add(">")).put("deny", new JsonArray().add("secret.>")));

  private static KeyPair keys(String kind) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(kind);
    if (kind.equals("EC")) {
      g.initialize(new ECGenParameterSpec("secp256r1"));
    } else {
      g.initialize(2048);
    }
    return g.generateKeyPair();
  }

  private Path publicKeyFile(KeyPair keys) throws Exception {
    return Files.writeString(dir.resolve("jwt.pem"), TestPki.pem("PUBLIC KEY", keys.getPublic().getEncoded()));
  }

  /** An issuer: what an identity provider would run, signing with the private key. */
  private static JWTAuth issuer(Vertx vertx, KeyPair keys, String alg) {
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm(alg)
        .setBuffer(TestPki.pem("PRIVATE KEY", keys.getPrivate().getEncoded()))));
  }

  private static String token(JWTAuth issuer, String alg, String sub, JsonObject herald, int expiresInSeconds) {
    JsonObject claims = new JsonObject().put("sub", sub);
    if (herald != null) {
      claims.put("herald", herald);
    }
    JWTOptions options = new JWTOptions().setAlgorithm(alg);
    if (expiresInSeconds != 0) {
      options.setExpiresInSeconds(expiresInSeconds);
    }
    return issuer.generateToken(claims, options);
  }

  @Test
  void anRs256TokenFromAPemKeyAuthenticatesWithItsClaimsPermissionsAndExpiry(Vertx vertx) throws Exception {
    KeyPair keys = keys("RSA");
    Path pem = publicKeyFile(keys);
    JWTAuth issuer = issuer(vertx, keys, "RS256");
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("jwt_keys", pem.toString()));
         WireClient c = broker.connect()) {
      assertThat(c.greeting().getString("auth")).isEqualTo("required");
      c.send("{'action':'auth','token':'" + token(issuer, "RS256", "svc-orders", CLAIM, 3_600) + "'}");
      JsonObject ok = c.next();
      assertThat(ok.getString("status")).isEqualTo("authenticated");
      assertThat(ok.getString("user")).isEqualTo("svc-orders");
      assertThat(ok.getLong("expires")).isBetween(System.currentTimeMillis() / 1_000 + 3_590, System.currentTimeMillis() / 1_000 + 3_610);
      c.send("{'action':'publish','topic':'orders.eu','message':1}").expect("{'status':'published','topic':'orders.eu','seq':1}");
      c.send("{'action':'publish','topic':'news','message':1}").expectError("forbidden");
      c.send("{'action':'subscribe','topic':'secret.x'}").expectError("forbidden");
      c.send("{'action':'subscribe','topic':'news'}").expect("{'status':'subscribed','topic':'news'}");
    }
  }

  @Test
  void aForgedExpiredOrClaimlessTokenIsRefused(Vertx vertx) throws Exception {
    KeyPair keys = keys("RSA");
    Path pem = publicKeyFile(keys);
    JWTAuth issuer = issuer(vertx, keys, "RS256");
    JWTAuth forger = issuer(vertx, keys("RSA"), "RS256");
    String expired = issuer.generateToken(new JsonObject().put("sub", "a").put("herald", CLAIM)
        .put("exp", System.currentTimeMillis() / 1_000 - 60), new JWTOptions().setAlgorithm("RS256"));
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("jwt_keys", pem.toString()))) {
      for (String bad : new String[] {token(forger, "RS256", "a", CLAIM, 60), expired, "not.a.token",
          token(issuer, "RS256", "a", new JsonObject().put("publish", "not a list"), 60)}) {
        try (WireClient c = broker.connect()) {
          c.send("{'action':'auth','token':'" + bad + "'}").expectError("auth_failed");
          c.expectClosed();
        }
      }
      // A token without the herald claim authenticates, and may do nothing.
      try (WireClient c = broker.connect()) {
        c.send("{'action':'auth','token':'" + token(issuer, "RS256", "nobody", null, 60) + "'}");
        assertThat(c.next().getString("status")).isEqualTo("authenticated");
        c.send("{'action':'publish','topic':'news','message':1}").expectError("forbidden");
      }
    }
  }

  @Test
  void whenTheTokenExpiresTheNodeSaysSoAndCloses(Vertx vertx) throws Exception {
    KeyPair keys = keys("EC");
    ECPublicKey pub = (ECPublicKey) keys.getPublic();
    JsonObject jwk = new JsonObject().put("kty", "EC").put("crv", "P-256").put("alg", "ES256").put("kid", "k1")
        .put("x", b64(pub.getW().getAffineX().toByteArray())).put("y", b64(pub.getW().getAffineY().toByteArray()));
    Path jwks = Files.writeString(dir.resolve("jwks.json"), new JsonObject().put("keys", new JsonArray().add(jwk)).encode());
    JWTAuth issuer = issuer(vertx, keys, "ES256");
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("jwt_keys", jwks.toString()));
         WireClient c = broker.connect()) {
      c.send("{'action':'auth','token':'" + token(issuer, "ES256", "short", CLAIM, 2) + "'}");
      assertThat(c.next().getString("status")).isEqualTo("authenticated");
      c.send("{'action':'publish','topic':'orders.x','message':1}").expect("{'status':'published','topic':'orders.x','seq':1}");
      long start = System.nanoTime();
      JsonObject expired = c.expectError("token_expired");
      assertThat(expired.getString("detail")).contains("short");
      c.expectClosed();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void aFreshTokenBeforeExpiryKeepsTheConnection(Vertx vertx) throws Exception {
    KeyPair keys = keys("RSA");
    Path pem = publicKeyFile(keys);
    JWTAuth issuer = issuer(vertx, keys, "RS256");
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("jwt_keys", pem.toString()));
         WireClient c = broker.connect()) {
      c.send("{'action':'auth','token':'" + token(issuer, "RS256", "svc", CLAIM, 2) + "'}");
      assertThat(c.next().getString("status")).isEqualTo("authenticated");
      c.send("{'action':'auth','token':'" + token(issuer, "RS256", "svc", CLAIM, 3_600) + "'}");
      assertThat(c.next().getString("status")).isEqualTo("authenticated");
      c.expectNothing(Duration.ofSeconds(3));
      c.send("{'action':'ping'}").expect("{'status':'pong'}");
    }
  }

  /** Unsigned big-endian, as a JWK wants its coordinates: drop BigInteger's sign byte, pad to 32. */
  private static String b64(byte[] signed) {
    byte[] v = signed.length > 32 ? Arrays.copyOfRange(signed, signed.length - 32, signed.length) : signed;
    byte[] padded = new byte[32];
    System.arraycopy(v, 0, padded, 32 - v.length, v.length);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(padded);
  }
}
