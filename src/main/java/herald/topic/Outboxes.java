package herald.topic;

import herald.bus.ConnRef;
import herald.bus.LocalBus;
import herald.bus.ToConnections;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a topic verticle has produced for each NetServer verticle and not sent yet. Items for one NetServer
 * verticle keep the order they were added in; {@link #flush()} sends each non-empty outbox as one
 * {@link ToConnections} batch. Confined to its verticle's event loop.
 */
public final class Outboxes {

  private final LocalBus bus;
  private final Map<String, Outbox> byAddress = new HashMap<>();
  private final List<Outbox> dirty = new ArrayList<>();

  public Outboxes(LocalBus bus) {
    this.bus = bus;
  }

  public Outbox of(ConnRef conn) {
    return byAddress.computeIfAbsent(conn.outbox(), Outbox::new);
  }

  public void flush() {
    for (Outbox out : dirty) {
      bus.send(out.address, new ToConnections(out.items));
      out.items = new ArrayList<>();
    }
    dirty.clear();
  }

  /** The pending items for one NetServer verticle. */
  public final class Outbox {
    private final String address;
    private List<ToConnections.Item> items = new ArrayList<>();

    private Outbox(String address) {
      this.address = address;
    }

    public void reply(ConnRef conn, int slot, Buffer frame) {
      add(new ToConnections.Reply(conn.id(), slot, frame));
    }

    public void push(ConnRef conn, Buffer frame) {
      add(new ToConnections.Push(conn.id(), frame));
    }

    public void wantCredit(ConnRef conn, String topic) {
      add(new ToConnections.WantCredit(conn.id(), topic));
    }

    private void add(ToConnections.Item item) {
      if (items.isEmpty()) {
        dirty.add(this);
      }
      items.add(item);
    }
  }
}
