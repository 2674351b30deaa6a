package herald.match;

import herald.codec.TopicName;
import java.util.function.Predicate;

/**
 * The syntax of a topic pattern: {@code .}-separated tokens, where a token is a topic token, {@code *}
 * (exactly one token) or, as the last token only, {@code >} (one or more tokens). A pattern without
 * wildcards is a topic name and matches only itself.
 */
public final class TopicPattern {

  public static final String ONE = "*";
  public static final String REST = ">";

  private TopicPattern() {}

  /** Returns null when {@code pattern} is valid, else a sentence that says which rule it breaks. */
  public static String problem(String pattern) {
    if (pattern.isEmpty()) {
      return "pattern must not be empty";
    }
    if (pattern.length() > TopicName.MAX_LENGTH) {
      return "pattern is " + pattern.length() + " characters; the limit is " + TopicName.MAX_LENGTH;
    }
    String[] tokens = tokens(pattern);
    for (int i = 0; i < tokens.length; i++) {
      String t = tokens[i];
      if (t.isEmpty()) {
        return "pattern has an empty token at token " + (i + 1) + " (leading, trailing or double dot)";
      }
      if (t.equals(REST)) {
        if (i != tokens.length - 1) {
          return "'>' may only be the last token of a pattern";
        }
      } else if (!t.equals(ONE)) {
        String p = TopicName.problem(t);
        if (p != null) {
          return "token " + (i + 1) + " (\"" + t + "\") is neither '*', '>' nor a valid name: " + p;
        }
      }
    }
    return null;
  }

  /**
   * A test for topics against a valid {@code pattern} (see {@link #problem}); a null pattern matches every
   * topic. Built on the same {@link TokenTrie} as subscriptions and permissions, so listing topics by pattern
   * and subscribing by pattern can never disagree.
   */
  public static Predicate<String> matcher(String pattern) {
    if (pattern == null) {
      return topic -> true;
    }
    TokenTrie<String> trie = new TokenTrie<>();
    trie.add(pattern, pattern);
    return trie::matchesAny;
  }

  /**
   * Whether the valid {@code pattern}, already split into tokens, matches the concrete {@code topic}: for one
   * pattern held per subscription, where a trie per pattern would cost far more memory than the walk saves.
   * Walks the topic in place, making no token strings.
   */
  public static boolean matches(String[] pattern, String topic) {
    int at = 0;
    for (int i = 0; i < pattern.length; i++) {
      if (at > topic.length()) {
        return false; // the topic ran out of tokens
      }
      String p = pattern[i];
      if (p.equals(REST)) {
        return at < topic.length(); // one or more tokens left
      }
      int end = topic.indexOf('.', at);
      if (end < 0) {
        end = topic.length();
      }
      boolean literalMatches = p.length() == end - at && topic.regionMatches(at, p, 0, p.length());
      if (!p.equals(ONE) && !literalMatches) {
        return false;
      }
      at = end + 1;
    }
    return at == topic.length() + 1; // every token used, and no more
  }

  /** Splits on dots, keeping empty tokens (so that they can be reported). */
  public static String[] tokens(String s) {
    return s.split("\\.", -1);
  }
}
