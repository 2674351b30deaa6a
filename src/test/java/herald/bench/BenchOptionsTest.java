package herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code herald bench} names its broker the way every client command does (herald.cli.Target). */
class BenchOptionsTest {

  private static Common parsed(String... args) {
    CommandLine cli = new CommandLine(new BenchCommand());
    CommandLine.ParseResult result = cli.parseArgs(args);
    Object scenario = result.subcommand().commandSpec().userObject();
    return ((BenchCommand.LatencyCmd) scenario).common;
  }

  @Test
  void host_and_port_flags_name_the_broker_and_subscribers_follow_unless_told_otherwise() {
    Common common = parsed("latency", "--host", "10.0.0.7", "--port", "9000");

    assertThat(common.host()).isEqualTo("10.0.0.7");
    assertThat(common.port()).isEqualTo(9000);
    assertThat(common.subscriberPort()).isEqualTo(9000);
  }

  @Test
  void sub_port_sends_the_subscribers_to_another_node() {
    assertThat(parsed("latency", "--port", "9000", "--sub-port", "9001").subscriberPort()).isEqualTo(9001);
  }

  /** The generator's security from the parsed options, as a scenario builds it before connecting. */
  private static Security security(Common common, String url, java.util.Map<String, String> env) {
    return Security.from(common.securityOptions.resolve(url == null ? null : herald.client.HeraldUrl.parse(url), env));
  }

  @Test
  void user_and_password_make_the_auth_frame_every_connection_sends_first() {
    Security security = security(parsed("latency", "--user", "alice", "--password", "p\"w"), null, java.util.Map.of());

    assertThat(new String(security.authFrame(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"action\":\"auth\",\"user\":\"alice\",\"password\":\"p\\\"w\"}\n");
    assertThat(security.sslContext()).isNull();
  }

  @Test
  void a_token_is_sent_alone_and_a_user_with_a_token_is_refused() {
    assertThat(security(parsed("latency", "--token", "eyJ.x.y"), null, java.util.Map.of()).authFrame()).asString()
        .isEqualTo("{\"action\":\"auth\",\"token\":\"eyJ.x.y\"}\n");
    assertThat(security(parsed("latency"), null, java.util.Map.of()).authFrame()).isNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> security(parsed("latency", "--user", "alice", "--password", "pw", "--token", "eyJ.x.y"), null, java.util.Map.of()))
        .hasMessageContaining("not both");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> security(parsed("latency", "--user", "alice"), null, java.util.Map.of()))
        .hasMessageContaining("--password");
  }

  @Test
  void tls_without_a_ca_trusts_the_jvms_cas_and_a_key_needs_its_certificate() {
    assertThat(security(parsed("latency", "--tls"), null, java.util.Map.of()).sslContext()).isNotNull();
    assertThat(security(parsed("latency"), null, java.util.Map.of()).sslContext()).isNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> security(parsed("latency", "--key", "k.pem"), null, java.util.Map.of()))
        .hasMessageContaining("--cert and --key go together");
  }

  @Test
  void herald_url_gives_tls_and_the_user_unless_the_flags_say_otherwise() {
    Security fromUrl = security(parsed("latency"), "tls://alice:wonder@127.0.0.1:9000", java.util.Map.of());
    assertThat(fromUrl.authFrame()).asString().isEqualTo("{\"action\":\"auth\",\"user\":\"alice\",\"password\":\"wonder\"}\n");
    assertThat(fromUrl.sslContext()).isNotNull();

    Security otherUser = security(parsed("latency", "--user", "bob"), "tls://alice:wonder@127.0.0.1:9000",
        java.util.Map.of("HERALD_PASSWORD", "b0b"));
    assertThat(otherUser.authFrame()).asString().contains("\"user\":\"bob\",\"password\":\"b0b\"");
  }
}
