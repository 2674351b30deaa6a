package herald.client;

/**
 * Which concrete topics a subscription's topic matches (docs/protocol.md, Wildcard subscriptions): {@code *}
 * as a whole token matches exactly one token, {@code >} as the whole last token matches one or more trailing
 * tokens. The broker's own matcher is herald.match, which the client module cannot depend on; the broker has
 * already refused an invalid pattern before any push comes, so this one only compares tokens.
 */
final class TopicMatch {

  private TopicMatch() {
  }

  /** The tokens of a topic or pattern. */
  static String[] tokens(String topic) {
    return topic.split("\\.", -1);
  }

  /** True when {@code topic} holds a wildcard token, so that pushes name other topics than it. */
  static boolean isPattern(String topic) {
    for (String token : tokens(topic)) {
      if (token.equals("*") || token.equals(">")) {
        return true;
      }
    }
    return false;
  }

  /** True when the pattern whose tokens are {@code pattern} matches the concrete {@code topic}. */
  static boolean matches(String[] pattern, String topic) {
    String[] t = tokens(topic);
    for (int i = 0; i < pattern.length; i++) {
      if (pattern[i].equals(">")) {
        return i == pattern.length - 1 && t.length > i; // one or more tokens left
      }
      if (i >= t.length || !(pattern[i].equals("*") || pattern[i].equals(t[i]))) {
        return false;
      }
    }
    return t.length == pattern.length;
  }

  static boolean matches(String pattern, String topic) {
    return matches(tokens(pattern), topic);
  }
}
