package herald.store;

/**
 * Damage the store will not repair by itself: a record that fails its checksum in a sealed segment (found when
 * it is read), a sealed segment with a bad header, or files written by a newer format version. Damage at the
 * tail of the newest segment is not reported this way: opening a log cuts it back and says so in its
 * {@link Recovery}.
 */
public final class CorruptLogException extends StoreException {

  public CorruptLogException(String message) {
    super(message);
  }
}
