package herald.store;

/** The base of everything the store throws on purpose, so a caller can catch the store's failures in one place. */
public class StoreException extends RuntimeException {

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
