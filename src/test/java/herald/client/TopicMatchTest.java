package herald.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client's own token matcher, against the rules of docs/protocol.md "Wildcard subscriptions". */
class TopicMatchTest {

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource({
      // pattern, topic, matches
      "a, a, true",
      "a, b, false",
      "a, a.b, false",
      "a.b, a, false",
      "*, a, true",
      "*, a.b, false",
      ">, a, true",
      ">, a.b.c, true",
      "a.>, a, false",
      "a.>, a.b, true",
      "a.>, a.b.c, true",
      "a.>, b.c, false",
      "a.*, a, false",
      "a.*, a.b, true",
      "a.*, a.b.c, false",
      "*.b, a.b, true",
      "*.b, a.c, false",
      "*.b, b, false",
      "*.b, x.a.b, false",
      "a.*.c, a.b.c, true",
      "a.*.c, a.b.d, false",
      "*.*, a.b, true",
      "*.>, a, false",
      "*.>, a.b, true",
      "orders.*, orders.eu, true",
      "orders.*, orders.eu.paid, false",
      "orders.>, orders.eu.paid, true",
      "ab*, abc, false", // not a pattern: * is a wildcard only as a whole token
  })
  void matches_as_the_protocol_says(String pattern, String topic, boolean matches) {
    assertThat(TopicMatch.matches(pattern, topic)).isEqualTo(matches);
  }

  @ParameterizedTest(name = "{0} is a pattern: {1}")
  @CsvSource({"a, false", "a.b, false", "*, true", ">, true", "a.*, true", "a.>, true", "*.b, true",
      "a*, false", "a>.b, false"})
  void a_wildcard_only_as_a_whole_token_makes_a_pattern(String topic, boolean pattern) {
    assertThat(TopicMatch.isPattern(topic)).isEqualTo(pattern);
  }
}
