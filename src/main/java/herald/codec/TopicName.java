package herald.codec;

/**
 * The rules for topic names: dot-separated tokens of {@code [A-Za-z0-9_-]}, at most
 * {@link #MAX_LENGTH} characters. {@code *} and {@code >} are reserved so that NATS-style wildcards can be
 * added later without breaking any valid name.
 */
public final class TopicName {

  /** Long enough for hierarchical names, short enough that a topic index entry stays small. */
  public static final int MAX_LENGTH = 255;

  private TopicName() {}

  /** Returns null when {@code name} is valid, else a sentence that says which rule it breaks. */
  public static String problem(String name) {
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
        return "'" + c + "' is reserved for wildcards, which are not supported yet";
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
