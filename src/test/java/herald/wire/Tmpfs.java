package herald.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs a test mounts, to make a real full disk, and unmounts. Needs root (mount): skipped without it,
 * but with CI=true a failed mount fails the test, so CI cannot skip a disk-full test silently.
 */
public final class Tmpfs implements AutoCloseable {

  private final Path path;

  private Tmpfs(Path path) {
    this.path = path;
  }

  /** Mounts a tmpfs of {@code size} (as mount's {@code size=} option, e.g. {@code 2m}) at {@code at}. */
  public static Tmpfs mount(Path at, String size) throws Exception {
    Files.createDirectories(at);
    int rc = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString());
    if (rc != 0) {
      if ("true".equals(System.getenv("CI"))) {
        fail("cannot mount a tmpfs at " + at + " (exit " + rc + "); the disk-full test needs root");
      }
      Assumptions.abort("cannot mount a tmpfs (exit " + rc + "); not root?");
    }
    return new Tmpfs(at);
  }

  public Path path() {
    return path;
  }

  /** Unmounts; everything on it must be closed first (a busy mount stays). */
  @Override
  public void close() throws Exception {
    assertThat(run("umount", path.toString())).as("umount " + path).isZero();
  }

  private static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    p.getInputStream().transferTo(System.out);
    return p.exitValue();
  }
}
