package herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class HeraldUrlTest {

  static Stream<Arguments> good() {
    Address a1 = new Address("a", 1);
    Address b2 = new Address("b", 2);
    return Stream.of(
        Arguments.of("a:1", new HeraldUrl(List.of(a1), false, null, null)),
        Arguments.of("tcp://a:1,b:2", new HeraldUrl(List.of(a1, b2), false, null, null)),
        Arguments.of(" a ", new HeraldUrl(List.of(new Address("a", 8888)), false, null, null)),
        Arguments.of("tls://a:1", new HeraldUrl(List.of(a1), true, null, null)),
        Arguments.of("tls://alice:s3cret@a:1,b:2", new HeraldUrl(List.of(a1, b2), true, "alice", "s3cret")),
        Arguments.of("tcp://alice:pw@a:1", new HeraldUrl(List.of(a1), false, "alice", "pw")),
        Arguments.of("tls://alice@a:1", new HeraldUrl(List.of(a1), true, "alice", null)),
        Arguments.of("tls://alice:@a:1", new HeraldUrl(List.of(a1), true, "alice", "")),
        // percent-decoded as UTF-8; '+' stays '+'; the first ':' splits, so the password may hold ':'
        Arguments.of("tls://al%69ce:p%40ss%3Aw%2Fo+rd%C3%A9@a:1", new HeraldUrl(List.of(a1), true, "alice", "p@ss:w/o+rdé")),
        Arguments.of("tls://svc:a:b@a:1", new HeraldUrl(List.of(a1), true, "svc", "a:b")),
        // a raw '@' in the password: the last '@' ends the user info
        Arguments.of("tls://bob:p@ss@a:1", new HeraldUrl(List.of(a1), true, "bob", "p@ss")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("good")
  void parses(String url, HeraldUrl expected) {
    assertThat(HeraldUrl.parse(url)).isEqualTo(expected);
    assertThat(Address.parseList(url)).isEqualTo(expected.nodes());
  }

  static Stream<Arguments> bad() {
    return Stream.of(
        Arguments.of("http://a:1", "unknown scheme 'http://'"),
        Arguments.of("tls://@a:1", "empty user"),
        Arguments.of("tls://alice:pw%4@a:1", "bad percent escape"),
        Arguments.of("tls://alice:pw%zz@a:1", "bad percent escape"),
        Arguments.of("tls://alice:pw@", "empty node"),
        Arguments.of("tls://alice:pw@a:1,,b:2", "empty node"),
        Arguments.of("tls://a:x", "bad port in 'a:x'"),
        Arguments.of("a:0", "bad node 'a:0'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bad")
  void refuses(String url, String why) {
    assertThatThrownBy(() -> HeraldUrl.parse(url)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(why);
  }

  @Test
  void the_password_never_shows_in_text() {
    assertThat(HeraldUrl.parse("tls://alice:s3cret@a:1").toString()).isEqualTo("tls://alice:***@a:1");
    assertThatThrownBy(() -> HeraldUrl.parse("tls://alice:s3cret@a:1,,b"))
        .hasMessageContaining("tls://alice:***@a:1,,b").hasMessageNotContaining("s3cret");
  }
}
