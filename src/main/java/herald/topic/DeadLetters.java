package herald.topic;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * What a dead letter says: a message a group could not get acked in {@code max_deliver} deliveries, published
 * to the group's dead-letter topic ({@link herald.codec.GroupOptions#deadLetterTopic}) as
 * {@code {"topic":T,"seq":N,"group":G,"deliveries":K,"data":...}}, so whoever reads it knows where it came from.
 */
public final class DeadLetters {

  private DeadLetters() {}

  /** The dead-letter message for the stored {@code frame} of a message. */
  public static Buffer payload(Buffer frame, String group, int deliveries) {
    JsonObject message = new JsonObject(frame.toString());
    return new JsonObject()
        .put("topic", message.getString("topic"))
        .put("seq", message.getLong("seq"))
        .put("group", group)
        .put("deliveries", deliveries)
        .put("data", message.getValue("data"))
        .toBuffer();
  }
}
