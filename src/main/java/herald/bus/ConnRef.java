package herald.bus;

/**
 * Names one client connection: the {@code LocalBus} address of the NetServer verticle that owns its socket, and
 * its number there.
 */
public record ConnRef(String outbox, int id) {}
