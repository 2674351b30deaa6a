package herald.codec;

/**
 * The rules for topic names: dot-separated tokens of {@code [A-Za-z0-9_-]}, at most
 * {@link #MAX_LENGTH} characters. A subscription may also use the wildcards {@code *} (a whole token: exactly
 * one token) and {@code >} (the whole last token: one or more tokens), NATS's syntax; a published topic may not.
 */
public final class TopicName {

  /** Long enough for hierarchical names, short enough that a topic index entry stays small. */
  public static final int MAX_LENGTH = 255;

  private TopicName() {}

  /** Returns null when {@code name} is a valid topic to publish to, else a sentence that says which rule it breaks. */
  public static String problem(String name) {
    return problem(name, false);
  }

  /**
   * Returns null when {@code name} is a valid topic or wildcard pattern to subscribe to, else a sentence that
   * says which rule it breaks. ({@code herald.match.TopicPattern} matches what this admits.)
   */
  public static String subscriptionProblem(String name) {
    return problem(name, true);
  }

  private static String problem(String name, boolean wildcards) {
    if (name.isEmpty()) {
      return "topic must not be empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "topic is " + name.length() + " characters; the limit is " + MAX_LENGTH;
    }
    boolean tokenStart = true;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '.') {
        if (tokenStart) {
          return "topic has an empty token at offset " + i + " (leading, trailing or double dot)";
        }
        tokenStart = true;
      } else if (c == '*' || c == '>') {
        if (!wildcards) {
          return "'" + c + "' is a wildcard: subscriptions may use it, a published topic may not";
        }
        boolean wholeToken = tokenStart && (i + 1 == name.length() || name.charAt(i + 1) == '.');
        if (!wholeToken) {
          return "'" + c + "' at offset " + i + " must be a whole token (between dots)";
        }
        if (c == '>' && i + 1 != name.length()) {
          return "'>' may only be the last token";
        }
        tokenStart = false;
      } else if (isTokenChar(c)) {
        tokenStart = false;
      } else {
        return "topic has character '" + c + "' at offset " + i + "; allowed are A-Z a-z 0-9 _ - and . between tokens";
      }
    }
    if (tokenStart) {
      return "topic ends with a dot";
    }
    return null;
  }

  private static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }
}
