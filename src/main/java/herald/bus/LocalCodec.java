package herald.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes {@link LocalMessage}s between verticles of one node by reference. These messages never leave the
 * node (they go to local consumers only), so there is no wire form; copying them would cost the hot path
 * for nothing.
 */
public final class LocalCodec implements MessageCodec<LocalMessage, LocalMessage> {

  public static final String NAME = "herald-local";

  /** Registers the codec and makes it the one used for every {@link LocalMessage}. Idempotent per Vertx. */
  public static void register(EventBus bus) {
    try {
      bus.registerCodec(new LocalCodec());
    } catch (IllegalStateException alreadyRegistered) {
      return;
    }
    bus.codecSelector(body -> body instanceof LocalMessage ? NAME : null);
  }

  @Override
  public void encodeToWire(Buffer buffer, LocalMessage message) {
    throw new UnsupportedOperationException("local message sent to a remote node: " + message.getClass());
  }

  @Override
  public LocalMessage decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException("local messages have no wire form");
  }

  @Override
  public LocalMessage transform(LocalMessage message) {
    return message;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
