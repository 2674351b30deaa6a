package herald.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder so the command tree compiles; the load generator is written next. */
@Command(name = "bench", description = "Load generator (not written yet).")
public final class BenchCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("herald bench: not written yet");
    return 1;
  }
}
