package herald.bus;

/** Marks event-bus bodies that stay on this node and travel by reference (see {@link LocalCodec}). */
public interface LocalMessage {}
