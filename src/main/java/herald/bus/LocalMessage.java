package herald.bus;

/** Marks the messages between one node's verticles: immutable, passed by reference ({@link LocalBus}). */
public interface LocalMessage {}
