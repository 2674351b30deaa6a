package herald.match;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Many topic patterns, each with a value, matched against a concrete topic in time proportional to the
 * topic's tokens (and the wildcard branches that match), not to the number of patterns: the structure of
 * the NATS server's sublist, without its cache. A value added twice under one pattern is held once.
 *
 * <p>Not thread-safe. Patterns must be valid ({@link TopicPattern#problem}); topics must be concrete.
 */
public final class TokenTrie<V> {

  private static final class Node<V> {
    final Map<String, Node<V>> literal = new HashMap<>(4);
    Node<V> one; // the '*' child
    Map<V, Boolean> rest; // values of patterns that end in '>' here
    Map<V, Boolean> here; // values of patterns that end exactly here

    boolean isEmpty() {
      return literal.isEmpty() && one == null && (rest == null || rest.isEmpty()) && (here == null || here.isEmpty());
    }
  }

  private final Node<V> root = new Node<>();
  private int size;

  /** Adds {@code value} under {@code pattern}; returns false when it was there already. */
  public boolean add(String pattern, V value) {
    Node<V> n = root;
    String[] tokens = TopicPattern.tokens(pattern);
    for (int i = 0; i < tokens.length; i++) {
      String t = tokens[i];
      if (t.equals(TopicPattern.REST)) {
        if (n.rest == null) {
          n.rest = new HashMap<>(2);
        }
        return added(n.rest.put(value, Boolean.TRUE) == null);
      }
      if (t.equals(TopicPattern.ONE)) {
        if (n.one == null) {
          n.one = new Node<>();
        }
        n = n.one;
      } else {
        n = n.literal.computeIfAbsent(t, k -> new Node<>());
      }
    }
    if (n.here == null) {
      n.here = new HashMap<>(2);
    }
    return added(n.here.put(value, Boolean.TRUE) == null);
  }

  private boolean added(boolean added) {
    if (added) {
      size++;
    }
    return added;
  }

  /** Removes {@code value} from {@code pattern}; returns false when it was not there. Prunes empty nodes. */
  public boolean remove(String pattern, V value) {
    boolean removed = remove(root, TopicPattern.tokens(pattern), 0, value);
    if (removed) {
      size--;
    }
    return removed;
  }

  private boolean remove(Node<V> n, String[] tokens, int i, V value) {
    if (i == tokens.length) {
      return n.here != null && n.here.remove(value) != null;
    }
    String t = tokens[i];
    if (t.equals(TopicPattern.REST)) {
      return n.rest != null && n.rest.remove(value) != null;
    }
    Node<V> child = t.equals(TopicPattern.ONE) ? n.one : n.literal.get(t);
    if (child == null || !remove(child, tokens, i + 1, value)) {
      return false;
    }
    if (child.isEmpty()) {
      if (t.equals(TopicPattern.ONE)) {
        n.one = null;
      } else {
        n.literal.remove(t);
      }
    }
    return true;
  }

  /** Calls {@code action} with the value of every pattern that matches {@code topic} (once per pattern). */
  public void forEachMatch(String topic, Consumer<? super V> action) {
    collect(root, TopicPattern.tokens(topic), 0, action);
  }

  /** Whether any pattern matches {@code topic}. */
  public boolean matchesAny(String topic) {
    return any(root, TopicPattern.tokens(topic), 0);
  }

  /**
   * Whether one pattern held covers every topic that {@code pattern} matches (a concrete topic is covered
   * exactly when some pattern matches it). Permission to subscribe to a wildcard is decided by this.
   */
  public boolean covers(String pattern) {
    return covers(root, TopicPattern.tokens(pattern), 0);
  }

  /** Whether some topic matches both {@code pattern} and a pattern held (for a concrete topic: {@link #matchesAny}). */
  public boolean intersects(String pattern) {
    return intersects(root, TopicPattern.tokens(pattern), 0);
  }

  private boolean covers(Node<V> n, String[] p, int i) {
    if (i == p.length) {
      return n.here != null && !n.here.isEmpty();
    }
    if (n.rest != null && !n.rest.isEmpty()) {
      return true; // '>' here takes the one or more tokens p has left, whatever they are
    }
    if (p[i].equals(TopicPattern.REST)) {
      return false; // p goes on for any number of tokens: only a '>' here covers that
    }
    if (n.one != null && covers(n.one, p, i + 1)) {
      return true; // '*' covers one token, literal or '*'
    }
    if (p[i].equals(TopicPattern.ONE)) {
      return false; // a literal covers only itself, not every token
    }
    Node<V> lit = n.literal.get(p[i]);
    return lit != null && covers(lit, p, i + 1);
  }

  private boolean intersects(Node<V> n, String[] p, int i) {
    if (i == p.length) {
      return n.here != null && !n.here.isEmpty();
    }
    if (n.rest != null && !n.rest.isEmpty()) {
      return true; // p has a token left, which this '>' also takes
    }
    if (p[i].equals(TopicPattern.REST)) {
      // p takes any one or more tokens: any pattern below n (pruning keeps only branches that hold one) does too
      return !n.literal.isEmpty() || n.one != null;
    }
    if (n.one != null && intersects(n.one, p, i + 1)) {
      return true;
    }
    if (p[i].equals(TopicPattern.ONE)) {
      for (Node<V> child : n.literal.values()) {
        if (intersects(child, p, i + 1)) {
          return true;
        }
      }
      return false;
    }
    Node<V> lit = n.literal.get(p[i]);
    return lit != null && intersects(lit, p, i + 1);
  }

  /** Values held, counted once per pattern they are under. */
  public int size() {
    return size;
  }

  private void collect(Node<V> n, String[] tokens, int i, Consumer<? super V> action) {
    if (i == tokens.length) {
      if (n.here != null) {
        n.here.keySet().forEach(action);
      }
      return;
    }
    if (n.rest != null) { // '>' needs at least one more token, and there is one
      n.rest.keySet().forEach(action);
    }
    Node<V> lit = n.literal.get(tokens[i]);
    if (lit != null) {
      collect(lit, tokens, i + 1, action);
    }
    if (n.one != null) {
      collect(n.one, tokens, i + 1, action);
    }
  }

  private boolean any(Node<V> n, String[] tokens, int i) {
    if (i == tokens.length) {
      return n.here != null && !n.here.isEmpty();
    }
    if (n.rest != null && !n.rest.isEmpty()) {
      return true;
    }
    Node<V> lit = n.literal.get(tokens[i]);
    if (lit != null && any(lit, tokens, i + 1)) {
      return true;
    }
    return n.one != null && any(n.one, tokens, i + 1);
  }
}
