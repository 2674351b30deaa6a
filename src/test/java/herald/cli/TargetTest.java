package herald.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import herald.client.Address;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class TargetTest {

  @Command(name = "t")
  static final class Cmd {
    @Mixin
    Target target;
  }

  private static Target parsed(String... args) {
    Cmd cmd = new Cmd();
    new CommandLine(cmd).parseArgs(args);
    return cmd.target;
  }

  @Test
  void nothing_given_means_localhost_8888() {
    assertThat(parsed().addresses(Map.of())).containsExactly(new Address("127.0.0.1", 8888));
  }

  @Test
  void herald_url_lists_the_nodes_to_try_in_order() {
    assertThat(parsed().addresses(Map.of("HERALD_URL", "tcp://a:1, b:2,c")))
        .containsExactly(new Address("a", 1), new Address("b", 2), new Address("c", 8888));
  }

  @Test
  void host_and_port_flags_win_over_herald_url() {
    assertThat(parsed("--port", "9000").addresses(Map.of("HERALD_URL", "a:1,b:2")))
        .containsExactly(new Address("a", 9000));
    assertThat(parsed("--host", "h", "--port", "9").addresses(Map.of("HERALD_URL", "a:1")))
        .containsExactly(new Address("h", 9));
  }

  @Test
  void a_bad_herald_url_names_what_is_wrong() {
    assertThatThrownBy(() -> Target.parse("a:x")).hasMessageContaining("bad port in 'a:x'");
    assertThatThrownBy(() -> Target.parse("a:1,,b:2")).hasMessageContaining("empty node");
    assertThatThrownBy(() -> Target.parse(":80")).hasMessageContaining("bad node ':80'");
    assertThatThrownBy(() -> Target.parse("a:70000")).hasMessageContaining("bad node 'a:70000'");
  }
}
