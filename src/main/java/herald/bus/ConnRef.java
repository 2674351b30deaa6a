package herald.bus;

/**
 * Names one client connection: the event-bus address of the NetServer verticle that owns its socket, and
 * its number there.
 */
public record ConnRef(String outbox, int id) {}
