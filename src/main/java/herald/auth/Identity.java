package herald.auth;

/**
 * Who a connection is, once it is. For users of the users file (password or certificate) the permissions are
 * looked up in the current file on every check, so that a reload applies to the next request; a token carries
 * its own.
 *
 * @param expiresAtMillis when a token stops being valid (its {@code exp}), or 0 when it never does
 */
public record Identity(String user, Kind kind, Permissions tokenPermissions, long expiresAtMillis) {

  public enum Kind { ANONYMOUS, PASSWORD, TOKEN, CERTIFICATE }

  public static final Identity ANONYMOUS = new Identity("", Kind.ANONYMOUS, Permissions.ALL, 0);

  static Identity password(String user) {
    return new Identity(user, Kind.PASSWORD, null, 0);
  }

  static Identity certificate(String user) {
    return new Identity(user, Kind.CERTIFICATE, null, 0);
  }

  /** Whether this identity's permissions come from the users file, so that removing the user ends it. */
  public boolean fromUsersFile() {
    return kind == Kind.PASSWORD || kind == Kind.CERTIFICATE;
  }
}
