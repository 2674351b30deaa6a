package herald.codec;

/** A line that is not a valid request. {@code id} is the request's raw id when it could be read, else null. */
public record DecodeError(String id, ErrorCode code, String detail) implements Decoded {}
