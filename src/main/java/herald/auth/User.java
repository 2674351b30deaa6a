package herald.auth;

/**
 * One entry of the users file. {@code passwordHash} is a bcrypt hash, or null for a user who can only
 * authenticate with a client certificate.
 */
public record User(String name, String passwordHash, Permissions permissions) {

  @Override
  public String toString() {
    return "User[" + name + "]"; // never the hash
  }
}
