package herald.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes a file or a directory durable. Every fsync in the store goes through one of these, so a test can count
 * them (group commit must fsync each dirty file once) or make them fail.
 */
@FunctionalInterface
interface Fsyncer {

  void fsync(Path path) throws IOException;

  /**
   * Opens the path and forces it. On Linux fsync writes back every dirty page of the inode, whichever descriptor
   * wrote it, so a fresh channel is as good as the writer's (which the handle limit may have closed). A
   * directory is opened read-only: that is how Java fsyncs a directory entry on Linux. A file deleted meanwhile
   * (retention) needs no fsync.
   */
  Fsyncer DEFAULT = path -> {
    boolean dir = java.nio.file.Files.isDirectory(path);
    try (FileChannel ch = dir
        ? FileChannel.open(path, StandardOpenOption.READ)
        : FileChannel.open(path, StandardOpenOption.WRITE)) {
      ch.force(true);
    } catch (NoSuchFileException gone) {
      // Deleted since it was written: nothing left to make durable.
    }
  };
}
