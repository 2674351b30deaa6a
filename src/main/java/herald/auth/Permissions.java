package herald.auth;

import herald.match.TokenTrie;
import herald.match.TopicPattern;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * What one user may publish to and subscribe to: allow patterns, and deny patterns that win over them.
 * Immutable once built (its tries are never written after the constructor), so any event loop may read it.
 */
public final class Permissions {

  /** Anonymous clients where anonymity is allowed: every topic. */
  public static final Permissions ALL = new Permissions(List.of(">"), List.of(), List.of(">"), List.of());

  /** A user whose entry or token grants nothing. */
  public static final Permissions NONE = new Permissions(List.of(), List.of(), List.of(), List.of());

  private static final Set<String> FIELDS = Set.of("publish", "subscribe");
  private static final Set<String> LIST_FIELDS = Set.of("allow", "deny");

  private final TokenTrie<String> publishAllow = new TokenTrie<>();
  private final TokenTrie<String> publishDeny = new TokenTrie<>();
  private final TokenTrie<String> subscribeAllow = new TokenTrie<>();
  private final TokenTrie<String> subscribeDeny = new TokenTrie<>();

  private Permissions(List<String> publishAllow, List<String> publishDeny, List<String> subscribeAllow,
      List<String> subscribeDeny) {
    publishAllow.forEach(p -> this.publishAllow.add(p, p));
    publishDeny.forEach(p -> this.publishDeny.add(p, p));
    subscribeAllow.forEach(p -> this.subscribeAllow.add(p, p));
    subscribeDeny.forEach(p -> this.subscribeDeny.add(p, p));
  }

  public boolean mayPublish(String topic) {
    return publishAllow.matchesAny(topic) && !publishDeny.matchesAny(topic);
  }

  /**
   * Whether the user may subscribe to {@code topic}, which may be a wildcard pattern: allowed when an allow
   * pattern covers every topic it can match and no deny pattern can match any of them. A pattern that reaches
   * a denied topic is refused whole, rather than delivered with holes the subscriber cannot see.
   */
  public boolean maySubscribe(String topic) {
    return subscribeAllow.covers(topic) && !subscribeDeny.intersects(topic);
  }

  /**
   * Reads {@code {"publish": LIST-OR-OBJECT, "subscribe": LIST-OR-OBJECT}}, where LIST is allowed
   * patterns and OBJECT is {@code {"allow": [...], "deny": [...]}}. A missing side allows nothing.
   *
   * @param where names the source in errors, e.g. {@code user "alice" in users.json}
   * @throws IllegalArgumentException naming the field and pattern at fault
   */
  public static Permissions fromJson(Object json, String where) {
    if (json == null) {
      return NONE;
    }
    if (!(json instanceof JsonObject o)) {
      throw new IllegalArgumentException(where + ": permissions must be an object with \"publish\" and \"subscribe\"");
    }
    for (String k : o.fieldNames()) {
      if (!FIELDS.contains(k)) {
        throw new IllegalArgumentException(where + ": unknown permissions field \"" + k + "\" (expected publish, subscribe)");
      }
    }
    List<String>[] pub = side(o.getValue("publish"), where + ", publish");
    List<String>[] sub = side(o.getValue("subscribe"), where + ", subscribe");
    return new Permissions(pub[0], pub[1], sub[0], sub[1]);
  }

  @SuppressWarnings("unchecked")
  private static List<String>[] side(Object value, String where) {
    if (value == null) {
      return new List[] {List.of(), List.of()};
    }
    if (value instanceof JsonArray a) {
      return new List[] {patterns(a, where), List.of()};
    }
    if (value instanceof JsonObject o) {
      for (String k : o.fieldNames()) {
        if (!LIST_FIELDS.contains(k)) {
          throw new IllegalArgumentException(where + ": unknown field \"" + k + "\" (expected allow, deny)");
        }
      }
      return new List[] {patterns(o.getValue("allow"), where + ".allow"), patterns(o.getValue("deny"), where + ".deny")};
    }
    throw new IllegalArgumentException(where + ": must be a list of patterns or {\"allow\":[...],\"deny\":[...]}");
  }

  private static List<String> patterns(Object value, String where) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray a)) {
      throw new IllegalArgumentException(where + ": must be a list of patterns");
    }
    for (Object p : a) {
      if (!(p instanceof String s)) {
        throw new IllegalArgumentException(where + ": pattern " + p + " is not a string");
      }
      String problem = TopicPattern.problem(s);
      if (problem != null) {
        throw new IllegalArgumentException(where + ": pattern \"" + s + "\": " + problem);
      }
    }
    return a.getList();
  }
}
