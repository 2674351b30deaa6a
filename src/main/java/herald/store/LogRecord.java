package herald.store;

/** One record as read back: its seq, when it was stored, and the payload (the encoded frame, opaque here). */
public record LogRecord(long seq, long storedAtMillis, byte[] payload) {}
