package herald.codec;

/** What the decoder makes of one line: a {@link Frame}, or a {@link DecodeError} to send back. */
public sealed interface Decoded permits Frame, DecodeError {}
