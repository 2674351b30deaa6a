package herald.cli;

import java.io.PrintWriter;

/** How {@code herald pub} and {@code herald sub} fail: one line on stderr, exit status 1. */
final class ClientErrors {

  private ClientErrors() {}

  /** Prints {@code herald COMMAND: what went wrong} as one line; the exit status for it. */
  static int report(PrintWriter err, String command, Throwable e) {
    String message = e.getMessage() != null ? e.getMessage() : e.toString();
    err.println("herald " + command + ": " + message.replace('\n', ' '));
    err.flush();
    return 1;
  }
}
