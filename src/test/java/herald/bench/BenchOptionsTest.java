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
}
