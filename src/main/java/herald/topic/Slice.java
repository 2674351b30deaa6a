package herald.topic;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Frames read from a topic's log: {@code frames.get(i)} has seq {@code start + i}, and {@code end} is the
 * seq the next append gets. A read of nothing gives the topic's bounds: {@code start} is then the oldest seq
 * held ({@code end} when none is).
 */
public record Slice(long start, long end, List<Buffer> frames) {

  /** The seq to read next. */
  public long next() {
    return start + frames.size();
  }
}
