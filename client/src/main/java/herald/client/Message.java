package herald.client;

/**
 * A message pushed to a subscriber.
 *
 * @param topic the topic it was published on
 * @param seq its sequence number in the topic
 * @param data the published JSON value: a String, Number, Boolean, JsonObject or JsonArray
 * @param frame the pushed frame exactly as the broker sent it, without its newline
 */
public record Message(String topic, long seq, Object data, String frame) {}
