package herald.auth;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The users file, parsed and checked: an immutable snapshot, replaced whole when the file changes.
 *
 * <pre>{"users": [{"name": "alice", "password": "$2y$10$...", "permissions": {...}}]}</pre>
 */
public final class Users {

  public static final Users EMPTY = new Users(Map.of());

  /**
   * A bcrypt hash as {@code htpasswd -nbB} and most libraries write it: version 2a, 2b or 2y, a two-digit
   * cost, then 53 characters of salt and hash. Anything else, a plaintext password above all, is refused.
   */
  private static final Pattern BCRYPT = Pattern.compile("^\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}$");

  private static final Set<String> TOP_FIELDS = Set.of("users");
  private static final Set<String> USER_FIELDS = Set.of("name", "password", "permissions");

  private final Map<String, User> byName;

  private Users(Map<String, User> byName) {
    this.byName = Map.copyOf(byName);
  }

  public User get(String name) {
    return byName.get(name);
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  public int size() {
    return byName.size();
  }

  /**
   * Parses the file's text. {@code source} names the file in errors.
   *
   * @throws IllegalArgumentException with a message that names the user and field at fault
   */
  public static Users parse(String text, String source) {
    JsonObject root;
    try {
      root = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException(source + " is not a JSON object: " + e.getMessage());
    }
    for (String k : root.fieldNames()) {
      if (!TOP_FIELDS.contains(k)) {
        throw new IllegalArgumentException(source + ": unknown field \"" + k + "\" (expected \"users\")");
      }
    }
    if (!(root.getValue("users") instanceof JsonArray list)) {
      throw new IllegalArgumentException(source + ": \"users\" must be a list");
    }
    Map<String, User> users = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof JsonObject u)) {
        throw new IllegalArgumentException(source + ": users[" + i + "] is not an object");
      }
      User user = user(u, source + ": users[" + i + "]");
      if (users.put(user.name(), user) != null) {
        throw new IllegalArgumentException(source + ": user \"" + user.name() + "\" is listed twice");
      }
    }
    return new Users(users);
  }

  private static User user(JsonObject u, String where) {
    for (String k : u.fieldNames()) {
      if (!USER_FIELDS.contains(k)) {
        throw new IllegalArgumentException(where + ": unknown field \"" + k + "\" (expected name, password, permissions)");
      }
    }
    if (!(u.getValue("name") instanceof String name) || name.isEmpty()) {
      throw new IllegalArgumentException(where + ": \"name\" must be a non-empty string");
    }
    String named = where + " (\"" + name + "\")";
    Object password = u.getValue("password");
    if (password != null && (!(password instanceof String hash) || !BCRYPT.matcher(hash).matches())) {
      // Never echo the value: it may well be a real password.
      throw new IllegalArgumentException(named + ": \"password\" is not a bcrypt hash ($2a$, $2b$ or $2y$, as "
          + "htpasswd -nbB writes it); plaintext passwords are refused");
    }
    return new User(name, (String) password, Permissions.fromJson(u.getValue("permissions"), named));
  }
}
