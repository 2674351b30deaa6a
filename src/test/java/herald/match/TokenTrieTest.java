package herald.match;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenTrieTest {

  @ParameterizedTest(name = "{0} ~ {1} = {2}")
  @CsvSource({
      "news, news, true",
      "news, newsx, false",
      "news, news.eu, false",
      "orders.*, orders.eu, true",
      "orders.*, orders, false",
      "orders.*, orders.eu.created, false",
      "orders.>, orders.eu, true",
      "orders.>, orders.eu.created, true",
      "orders.>, orders, false",
      "*.created, orders.created, true",
      "*.created, orders.eu.created, false",
      "*.*.created, orders.eu.created, true",
      "*, news, true",
      "*, news.eu, false",
      ">, news, true",
      ">, a.b.c.d, true",
      "a.*.c.>, a.b.c.d, true",
      "a.*.c.>, a.b.c, false",
      "a.*.c.>, a.b.x.d, false",
      "metrics.>, metricsx.a, false",
  })
  void matchesLikeNatsSubjects(String pattern, String topic, boolean matches) {
    TokenTrie<String> trie = new TokenTrie<>();
    trie.add(pattern, pattern);
    assertThat(trie.matchesAny(topic)).isEqualTo(matches);
    List<String> found = new ArrayList<>();
    trie.forEachMatch(topic, found::add);
    assertThat(found).isEqualTo(matches ? List.of(pattern) : List.of());
  }

  @Test
  void everyMatchingPatternIsReportedOnceAndRemovalPrunes() {
    TokenTrie<String> trie = new TokenTrie<>();
    for (String p : List.of("a.b", "a.*", "a.>", ">", "*.b", "x.y")) {
      assertThat(trie.add(p, p)).isTrue();
    }
    assertThat(trie.add("a.b", "a.b")).isFalse();
    List<String> found = new ArrayList<>();
    trie.forEachMatch("a.b", found::add);
    assertThat(found).containsExactlyInAnyOrder("a.b", "a.*", "a.>", ">", "*.b");
    assertThat(trie.size()).isEqualTo(6);
    for (String p : List.of("a.b", "a.*", "a.>", ">", "*.b")) {
      assertThat(trie.remove(p, p)).isTrue();
    }
    assertThat(trie.remove("a.b", "a.b")).isFalse();
    assertThat(trie.matchesAny("a.b")).isFalse();
    assertThat(trie.matchesAny("x.y")).isTrue();
    assertThat(trie.size()).isEqualTo(1);
  }

  /** The trie against a plain per-pattern matcher, on random patterns and topics. */
  @Test
  void agreesWithANaiveMatcherOnRandomInput() {
    Random r = new Random(42);
    String[] tokens = {"a", "b", "c"};
    for (int round = 0; round < 300; round++) {
      TokenTrie<String> trie = new TokenTrie<>();
      List<String> patterns = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String p = randomPattern(r, tokens);
        patterns.add(p);
        trie.add(p, p);
      }
      String topic = randomTopic(r, tokens);
      List<String> expected = patterns.stream().distinct().filter(p -> naive(p, topic)).toList();
      List<String> found = new ArrayList<>();
      trie.forEachMatch(topic, found::add);
      assertThat(found).as("%s against %s", topic, patterns).containsExactlyInAnyOrderElementsOf(expected);
      for (String p : patterns) { // the one-pattern matcher subscriptions use agrees too
        assertThat(TopicPattern.matches(TopicPattern.tokens(p), topic)).as("%s against %s", topic, p).isEqualTo(naive(p, topic));
      }
    }
  }

  /**
   * {@code covers} (by one held pattern) and {@code intersects} against their definitions, checked over every topic of up to four
   * tokens drawn from the patterns' tokens plus one they never name ("d"): enough, since patterns have at
   * most three tokens and a '>' needs only one more to differ.
   */
  @Test
  void coversAndIntersectsAgreeWithTheirDefinitionsOnRandomInput() {
    Random r = new Random(7);
    String[] tokens = {"a", "b", "c"};
    List<String> topics = new ArrayList<>();
    allTopics("", 0, new String[] {"a", "b", "c", "d"}, topics);
    for (int round = 0; round < 500; round++) {
      TokenTrie<String> trie = new TokenTrie<>();
      List<String> held = new ArrayList<>();
      for (int i = 0; i < 1 + r.nextInt(4); i++) {
        String p = randomPattern(r, tokens);
        held.add(p);
        trie.add(p, p);
      }
      String asked = randomPattern(r, tokens);
      List<String> reached = topics.stream().filter(t -> naive(asked, t)).toList();
      // One held pattern must cover it alone: a union ("*" and "*.>" together cover ">") does not count.
      boolean covered = held.stream().anyMatch(h -> reached.stream().allMatch(t -> naive(h, t)));
      boolean meets = reached.stream().anyMatch(t -> held.stream().anyMatch(h -> naive(h, t)));
      assertThat(trie.covers(asked)).as("%s covered by %s", asked, held).isEqualTo(covered);
      assertThat(trie.intersects(asked)).as("%s meets %s", asked, held).isEqualTo(meets);
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // held      | asked     | covers | intersects
      "orders.>    | orders.*  | true   | true",
      "orders.*    | orders.>  | false  | true",
      "orders.eu   | orders.*  | false  | true",
      "orders.*    | orders.eu | true   | true",
      ">           | *.*.>     | true   | true",
      "a.*.c       | a.b.*     | false  | true",
      "a.*.c       | b.>       | false  | false",
      "secret.>    | >         | false  | true",
      "secret.>    | secret    | false  | false"})
  void coversAndIntersectsTable(String held, String asked, boolean covers, boolean intersects) {
    TokenTrie<String> trie = new TokenTrie<>();
    trie.add(held, held);
    assertThat(trie.covers(asked)).isEqualTo(covers);
    assertThat(trie.intersects(asked)).isEqualTo(intersects);
  }

  private static void allTopics(String prefix, int depth, String[] tokens, List<String> out) {
    if (depth == 4) {
      return;
    }
    for (String t : tokens) {
      String topic = prefix.isEmpty() ? t : prefix + "." + t;
      out.add(topic);
      allTopics(topic, depth + 1, tokens, out);
    }
  }

  private static boolean naive(String pattern, String topic) {
    String[] p = pattern.split("\\.");
    String[] t = topic.split("\\.");
    for (int i = 0; i < p.length; i++) {
      if (p[i].equals(">")) {
        return t.length > i;
      }
      if (i >= t.length || !(p[i].equals("*") || p[i].equals(t[i]))) {
        return false;
      }
    }
    return p.length == t.length;
  }

  private static String randomPattern(Random r, String[] tokens) {
    int n = 1 + r.nextInt(3);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(i > 0 ? "." : "");
      int k = r.nextInt(5);
      s.append(k < 3 ? tokens[k] : k == 3 ? "*" : (i == n - 1 ? ">" : "*"));
    }
    return s.toString();
  }

  private static String randomTopic(Random r, String[] tokens) {
    int n = 1 + r.nextInt(3);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(i > 0 ? "." : "").append(tokens[r.nextInt(3)]);
    }
    return s.toString();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "a.>.b | '>' may only be the last token",
      "a..b | empty token",
      "a.b* | neither",
      "'' | must not be empty",
  })
  void badPatternsAreNamed(String pattern, String problem) {
    assertThat(TopicPattern.problem(pattern)).contains(problem);
  }
}
