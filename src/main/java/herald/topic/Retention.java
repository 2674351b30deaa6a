package herald.topic;

/**
 * How much the store keeps. Per topic, the oldest messages go first once a topic holds
 * {@code maxMessagesPerTopic} messages or {@code maxBytesPerTopic} bytes, or a message is older than
 * {@code maxAgeMillis}. Across all topics, the oldest messages anywhere go first once the store holds
 * {@code maxTotalBytes}, and a new topic is refused while {@code maxTopics} topics hold messages.
 */
public record Retention(
    long maxMessagesPerTopic,
    long maxBytesPerTopic,
    long maxAgeMillis,
    long maxTotalBytes,
    int maxTopics) {}
