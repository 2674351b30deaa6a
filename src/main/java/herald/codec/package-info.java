/**
 * The wire format: newline-delimited JSON frames in, typed {@link herald.codec.Frame}s out, and the
 * encoder for everything the broker sends. Nothing here knows about topics, connections or the event bus,
 * so all of it is tested without a socket. {@code docs/protocol.md} is the specification this implements.
 */
package herald.codec;
