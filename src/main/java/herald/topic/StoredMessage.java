package herald.topic;

import io.vertx.core.buffer.Buffer;

/**
 * A message in a topic's queue. {@code frame} is the complete pushed frame, seq included, encoded once at
 * publish time and written as it is to every live subscriber and every replay.
 */
public record StoredMessage(long seq, Buffer frame, long storedAtMillis) {}
