package herald.auth;

/** How a node treats clients that have not authenticated. */
public enum Mode {
  /** Nothing configured: loopback clients are anonymous with every permission, others are refused (Redis's protected mode). */
  PROTECTED,
  /** A users file, JWT keys or a client CA: every client authenticates. */
  REQUIRED,
  /** Users or keys configured, and {@code allow_anonymous}: anonymous clients have every permission. */
  OPTIONAL,
  /** Nothing configured, and {@code allow_anonymous}: every client is anonymous with every permission. */
  OPEN;

  /** The greeting's {@code "auth"} field. */
  public String greeting() {
    return switch (this) {
      case PROTECTED, OPEN -> "none";
      case REQUIRED -> "required";
      case OPTIONAL -> "optional";
    };
  }
}
