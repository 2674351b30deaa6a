package herald.cli;

import herald.Main;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code herald passwd}: prints the bcrypt hash of a password for the users file, so that nobody needs
 * {@code htpasswd} (which writes the same form) or has to put a password on a command line.
 */
@Command(name = "passwd", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, usageHelpWidth = 110,
    description = "Print the bcrypt hash of a password, for the \"password\" of a user in HERALD_USERS_FILE.",
    footer = {"", "The password is read from the terminal without echo, or from the first line of stdin.", "",
        "Examples:",
        "  herald passwd                          # asks for it",
        "  printf '%s\\n' \"$PW\" | herald passwd    # from a variable, never on the command line",
        "  htpasswd -nbB -C 10 alice \"$PW\" | cut -d: -f2   # the same form, if you have htpasswd",
        "",
        "Exit status: 0 with the hash on stdout; 1 when no password was given."})
public final class PasswdCommand implements Callable<Integer> {

  /**
   * bcrypt's work factor: 10 is htpasswd's and most libraries' default, about 50-100 ms a check on one core,
   * slow enough for a guesser and fast enough for a connection that authenticates once.
   */
  static final int DEFAULT_COST = 10;

  @Option(names = "--cost", defaultValue = "" + DEFAULT_COST,
      description = "bcrypt cost, 4 to 31; each step doubles the time a check takes (default: ${DEFAULT-VALUE}).")
  int cost;

  @Override
  public Integer call() throws Exception {
    if (cost < 4 || cost > 31) {
      System.err.println("herald passwd: --cost must be 4 to 31");
      return 2;
    }
    char[] password = read();
    if (password == null || password.length == 0) {
      System.err.println("herald passwd: no password given");
      return 1;
    }
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    System.out.println(OpenBSDBCrypt.generate("2y", password, salt, cost));
    return 0;
  }

  private static char[] read() throws Exception {
    Console console = System.console();
    if (console != null) {
      char[] first = console.readPassword("password: ");
      char[] again = console.readPassword("again: ");
      if (first == null || !java.util.Arrays.equals(first, again)) {
        System.err.println("herald passwd: the two entries differ");
        return null;
      }
      return first;
    }
    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    return line == null ? null : line.toCharArray();
  }
}
