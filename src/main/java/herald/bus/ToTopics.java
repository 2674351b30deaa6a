package herald.bus;

import herald.codec.Frame;
import java.util.List;

/** What a NetServer verticle sends to its node's TopicVerticle, at {@link Addresses#TOPICS}. */
public sealed interface ToTopics extends LocalMessage {

  /** One request, with the slot its reply fills in the connection's ordered reply queue. */
  record Request(int slot, Frame frame) {}

  /**
   * The requests decoded from one read of one connection, in the order they were sent; {@code readNanos}
   * ({@link System#nanoTime}) is when that read arrived, for the publish latency metric.
   */
  record Requests(ConnRef conn, List<Request> requests, long readNanos) implements ToTopics {}

  /** The connection has written the last replay chunk of {@code topic} and can take the next. */
  record Credit(ConnRef conn, String topic) implements ToTopics {}

  /** The connection is gone: drop everything it held. */
  record Gone(ConnRef conn) implements ToTopics {}
}
