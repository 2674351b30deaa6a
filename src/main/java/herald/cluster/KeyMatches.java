package herald.cluster;

import com.hazelcast.query.Predicate;
import herald.match.TopicPattern;
import java.util.Map;

/**
 * A listener filter: the topics a wildcard pattern matches. Hazelcast sends it to the members that own the
 * keys and runs it there, on the key alone, so a node hears only of the topics its patterns match.
 */
final class KeyMatches implements Predicate<String, TopicLog> {

  private static final long serialVersionUID = 1L;

  private final String pattern;
  /** Built on first use on each member, from the pattern. */
  private transient java.util.function.Predicate<String> matcher;

  KeyMatches(String pattern) {
    this.pattern = pattern;
  }

  @Override
  public boolean apply(Map.Entry<String, TopicLog> entry) {
    if (matcher == null) {
      matcher = TopicPattern.matcher(pattern);
    }
    return matcher.test(entry.getKey());
  }
}
