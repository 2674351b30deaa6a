package herald.bus;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Everything the TopicVerticle has for the connections of one NetServer verticle since its last batch, in
 * the order it produced it: replies, pushed messages and replay chunks share one ordered channel, which is
 * what keeps a {@code subscribed} reply ahead of the messages it announces.
 */
public record ToConnections(List<Item> items) implements LocalMessage {

  public sealed interface Item {
    int conn();
  }

  /** The reply to the request in {@code slot}. */
  public record Reply(int conn, int slot, Buffer frame) implements Item {}

  /** A message frame to write. */
  public record Push(int conn, Buffer frame) implements Item {}

  /** Send a {@link ToTopics.Credit} for {@code topic} once the frames before this have been written out. */
  public record WantCredit(int conn, String topic) implements Item {}
}
