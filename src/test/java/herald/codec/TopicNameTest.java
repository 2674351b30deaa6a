package herald.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicNameTest {

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {
      "a", "Z", "0", "_", "-", "orders", "orders.eu", "orders.eu-west_1.v2", "a.b.c.d.e", "--.__", "A-Z_a-z.0-9",
      "1.2.3"})
  void validName(String name) {
    assertThat(TopicName.problem(name)).isNull();
  }

  @org.junit.jupiter.api.Test
  void nameOfExactlyMaxLengthIsValid() {
    assertThat(TopicName.MAX_LENGTH).isEqualTo(255);
    assertThat(TopicName.problem("a".repeat(255))).isNull();
    assertThat(TopicName.problem("a.".repeat(127) + "b")).isNull();
  }

  static Stream<Arguments> invalidNames() {
    String allowed = "; allowed are A-Z a-z 0-9 _ - and . between tokens";
    String emptyToken = " (leading, trailing or double dot)";
    return Stream.of(
        Arguments.of(named("empty", ""), "topic must not be empty"),
        Arguments.of(named("256 characters", "a".repeat(256)), "topic is 256 characters; the limit is 255"),
        Arguments.of(named("256 characters of bad ones", "*".repeat(256)), "topic is 256 characters; the limit is 255"),
        Arguments.of(named("leading dot", ".a"), "topic has an empty token at offset 0" + emptyToken),
        Arguments.of(named("only a dot", "."), "topic has an empty token at offset 0" + emptyToken),
        Arguments.of(named("double dot", "a..b"), "topic has an empty token at offset 2" + emptyToken),
        Arguments.of(named("trailing dot", "a.b."), "topic ends with a dot"),
        Arguments.of(named("star token", "a.*"), "'*' is a wildcard: subscriptions may use it, a published topic may not"),
        Arguments.of(named("star inside a token", "a*b"), "'*' is a wildcard: subscriptions may use it, a published topic may not"),
        Arguments.of(named("greater-than", "a.>"), "'>' is a wildcard: subscriptions may use it, a published topic may not"),
        Arguments.of(named("space", "a b"), "topic has character ' ' at offset 1" + allowed),
        Arguments.of(named("leading space", " a"), "topic has character ' ' at offset 0" + allowed),
        Arguments.of(named("tab", "a\tb"), "topic has character '\t' at offset 1" + allowed),
        Arguments.of(named("slash", "a/b"), "topic has character '/' at offset 1" + allowed),
        Arguments.of(named("colon", "a:b"), "topic has character ':' at offset 1" + allowed),
        Arguments.of(named("plus", "a+"), "topic has character '+' at offset 1" + allowed),
        Arguments.of(named("hash", "#"), "topic has character '#' at offset 0" + allowed),
        Arguments.of(named("non-ASCII letter", "t\u00f3pico"), "topic has character '\u00f3' at offset 1" + allowed),
        Arguments.of(named("NUL", "a\u0000"), "topic has character '\u0000' at offset 1" + allowed),
        Arguments.of(named("fullwidth dot", "a\uff0eb"), "topic has character '\uff0e' at offset 1" + allowed));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidNames")
  void invalidNameSaysWhichRuleItBreaks(String name, String problem) {
    assertThat(TopicName.problem(name)).isEqualTo(problem);
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"*", ">", "a.*", "a.>", "*.b", "*.*", "a.*.c", "a.*.>", "*.>", "orders.eu"})
  void validSubscription(String name) {
    assertThat(TopicName.subscriptionProblem(name)).isNull();
  }

  static Stream<Arguments> invalidSubscriptions() {
    return Stream.of(
        Arguments.of(named("star inside a token", "a*b"), "'*' at offset 1 must be a whole token (between dots)"),
        Arguments.of(named("star after letters", "a.b*"), "'*' at offset 3 must be a whole token (between dots)"),
        Arguments.of(named("star before letters", "a.*b"), "'*' at offset 2 must be a whole token (between dots)"),
        Arguments.of(named("greater-than not last", "a.>.b"), "'>' may only be the last token"),
        Arguments.of(named("greater-than inside a token", "a.>b"), "'>' at offset 2 must be a whole token (between dots)"),
        Arguments.of(named("two wildcards in one token", "a.**"), "'*' at offset 2 must be a whole token (between dots)"),
        Arguments.of(named("trailing dot after a wildcard", "a.*."), "topic ends with a dot"),
        Arguments.of(named("empty token before a wildcard", "a..*"), "topic has an empty token at offset 2 (leading, trailing or double dot)"),
        Arguments.of(named("empty", ""), "topic must not be empty"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSubscriptions")
  void invalidSubscriptionSaysWhichRuleItBreaks(String name, String problem) {
    assertThat(TopicName.subscriptionProblem(name)).isEqualTo(problem);
  }
}
