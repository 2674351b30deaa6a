package herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import herald.wire.TestPki;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The security settings of ClientOptions: what they refuse, and what they make of the socket and the auth frame. */
class ClientOptionsTest {

  @TempDir
  Path dir;

  @Test
  void credentials_and_token_exclude_each_other_either_way() {
    assertThatThrownBy(() -> ClientOptions.of("a:1").credentials("alice", "pw").token("t"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("give a user and password or a token, not both");
    assertThatThrownBy(() -> ClientOptions.of("a:1").token("t").credentials("alice", "pw"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("give a user and password or a token, not both");
  }

  @Test
  void empty_credentials_are_refused() {
    assertThatThrownBy(() -> ClientOptions.of("a:1").credentials("", "pw")).hasMessageContaining("user must not be empty");
    assertThatThrownBy(() -> ClientOptions.of("a:1").credentials("alice", null)).hasMessageContaining("needs a password");
    assertThatThrownBy(() -> ClientOptions.of("a:1").token(" ")).hasMessageContaining("token must not be empty");
    assertThatThrownBy(() -> ClientOptions.of("tls://alice@a:1")).hasMessageContaining("no password");
  }

  @Test
  void the_auth_frame_carries_what_was_given_encoded_as_json() {
    JsonObject user = new JsonObject(ClientOptions.of("a:1").credentials("al\"ice", "p\\w").authFrame());
    assertThat(user).isEqualTo(new JsonObject().put("action", "auth").put("user", "al\"ice").put("password", "p\\w"));
    JsonObject token = new JsonObject(ClientOptions.of("a:1").token("eyJ.x.y").authFrame());
    assertThat(token).isEqualTo(new JsonObject().put("action", "auth").put("token", "eyJ.x.y"));
    assertThat(ClientOptions.of("a:1").authenticates()).isFalse();
  }

  @Test
  void a_url_with_tls_and_credentials_sets_both() {
    ClientOptions o = ClientOptions.of("tls://alice:p%40ss@a:1");
    assertThat(o.tls()).isTrue();
    assertThat(o.user()).isEqualTo("alice");
    assertThat(new JsonObject(o.authFrame()).getString("password")).isEqualTo("p@ss");
  }

  @Test
  void plain_tcp_has_no_tls_and_tls_checks_the_host_name_by_default() {
    assertThat(ClientOptions.of("a:1").netClientOptions().isSsl()).isFalse();
    NetClientOptions tls = ClientOptions.of("tls://a:1").netClientOptions();
    assertThat(tls.isSsl()).isTrue();
    assertThat(tls.getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
    assertThat(tls.getTrustOptions()).as("the JVM's default trust store").isNull();
    assertThat(ClientOptions.of("tls://a:1").verifyHost(false).netClientOptions().getHostnameVerificationAlgorithm())
        .isEmpty();
  }

  @Test
  void a_ca_or_a_client_certificate_turns_tls_on_with_those_files() {
    TestPki pki = TestPki.create(dir);
    Path[] alice = pki.clientCertificate("alice");
    NetClientOptions net = ClientOptions.of("a:1").trustedCa(pki.caCert).clientCertificate(alice[0], alice[1])
        .netClientOptions();
    assertThat(net.isSsl()).isTrue();
    assertThat(((PemTrustOptions) net.getTrustOptions()).getCertPaths()).containsExactly(pki.caCert.toString());
    assertThat(((PemKeyCertOptions) net.getKeyCertOptions()).getCertPath()).isEqualTo(alice[0].toString());
    assertThat(((PemKeyCertOptions) net.getKeyCertOptions()).getKeyPath()).isEqualTo(alice[1].toString());
  }

  @Test
  void missing_pem_files_are_named_at_once() {
    Path missing = dir.resolve("nope.pem");
    assertThatThrownBy(() -> ClientOptions.of("a:1").trustedCa(missing))
        .hasMessage("CA file " + missing + " is not a readable file");
    assertThatThrownBy(() -> ClientOptions.of("a:1").clientCertificate(missing, missing))
        .hasMessage("client certificate file " + missing + " is not a readable file");
  }
}
