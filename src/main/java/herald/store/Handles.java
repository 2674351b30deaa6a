package herald.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The open file channels of a {@link Store}, least recently used first. A node may hold thousands of topics with
 * several segments each; it keeps at most {@code limit} of them open and reopens the others when used (an open
 * costs microseconds, a write or an fsync far more). Closing a channel loses nothing: writes have already reached
 * the operating system, and an fsync through a new channel covers everything written to the file before it.
 *
 * <p>Callers fetch a channel right before each I/O call and never keep it across another {@link #channel} call,
 * since that call may close it.
 */
final class Handles {

  /**
   * Open files for the store by default. A node's file descriptors go mostly to client connections
   * (MAX_CONNECTIONS defaults to 20,000); a few hundred files keep every active topic's newest segment and
   * checkpoint open while replays of older segments reopen theirs.
   */
  static final int DEFAULT_LIMIT = 256;

  /** An operation holds at most two channels at once (a segment and a checkpoint); leave room for both. */
  static final int MIN_LIMIT = 4;

  private final int limit;
  private final LinkedHashMap<Path, FileChannel> open = new LinkedHashMap<>(16, 0.75f, true);
  private long opens;

  Handles(int limit) {
    if (limit < MIN_LIMIT) {
      throw new IllegalArgumentException("open file limit " + limit + " is below the minimum " + MIN_LIMIT);
    }
    this.limit = limit;
  }

  /** The channel for {@code path}, opened for reading and writing (created if {@code create}). */
  FileChannel channel(Path path, boolean create) throws IOException {
    FileChannel ch = open.get(path);
    if (ch != null && ch.isOpen()) {
      return ch;
    }
    ch = create
        ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
        : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    opens++;
    open.put(path, ch);
    while (open.size() > limit) {
      Iterator<FileChannel> eldest = open.values().iterator();
      closeQuietly(eldest.next());
      eldest.remove();
    }
    return ch;
  }

  void close(Path path) {
    FileChannel ch = open.remove(path);
    if (ch != null) {
      closeQuietly(ch);
    }
  }

  /** Closes every channel of files under {@code dir}. */
  void closeUnder(Path dir) {
    Iterator<java.util.Map.Entry<Path, FileChannel>> it = open.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      if (e.getKey().startsWith(dir)) {
        closeQuietly(e.getValue());
        it.remove();
      }
    }
  }

  void closeAll() {
    open.values().forEach(Handles::closeQuietly);
    open.clear();
  }

  int openCount() {
    return open.size();
  }

  /** How many times a file was opened: tests use it to see the limit at work. */
  long opens() {
    return opens;
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // Nothing was pending in the channel itself; a failed close loses no data.
    }
  }
}
