package herald.topic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One node per data directory: two processes appending to the same logs would interleave records and cut each
 * other's tails at recovery. An OS lock on {@code <data>/lock} is released by the kernel when the process dies,
 * even by kill -9, so a crash never leaves a stale lock behind.
 */
public final class DataDirLock {

  static final String FILE = "lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  public static DataDirLock acquire(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      FileChannel ch = FileChannel.open(dataDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException sameJvm) {
        lock = null;
      }
      if (lock == null) {
        ch.close();
        throw new IllegalStateException("the data directory " + dataDir.toAbsolutePath()
            + " is in use by another Herald node; give each node its own (HERALD_DATA_DIR)");
      }
      return new DataDirLock(ch, lock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use the data directory " + dataDir.toAbsolutePath() + ": "
          + e.getMessage(), e);
    }
  }

  public void release() {
    try {
      lock.release();
      channel.close();
    } catch (IOException ignored) {
      // The process is stopping or the file is gone: the kernel drops the lock with the descriptor.
    }
  }
}
