package herald.config;

/** A configuration value the broker cannot start with; the message names the key. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
