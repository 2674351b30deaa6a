package herald.config;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Refuses names the broker does not know, in the config file and among the {@code HERALD_*} environment
 * variables, so that a typo stops start-up instead of being silently ignored (HERALD_RETENTION_MAX_MESSAGES
 * without its S would otherwise leave the default of 10,000 in force). The message names the nearest known
 * name.
 */
final class UnknownNames {

  /** The prefix of every setting's environment variable; other variables are none of the broker's business. */
  static final String ENV_PREFIX = "HERALD_";

  /**
   * {@code HERALD_*} variables that are not settings but are used legitimately, often exported in the same
   * shell or pod that starts a node. Each with the reason it is allowed; the README lists them.
   */
  static final Map<String, String> CLIENT_VARIABLES = Map.of(
      "HERALD_CONFIG", "names the config file itself (read by HeraldConfig.load)",
      "HERALD_URL", "the broker address of the client commands, herald pub/sub/stats/bench (herald.cli.Target)",
      "HERALD_PASSWORD", "the client commands' password when the broker requires a login (security, issue 10)",
      "HERALD_TOKEN", "the client commands' JWT when the broker requires a login (security, issue 10)");

  /**
   * What PythonClientTest passes to the Python client's tests (clients/python/tests, which say what each is).
   * A developer who runs those tests by hand exports them, maybe in the shell that then starts a node.
   */
  static final Map<String, String> TEST_VARIABLES = Map.of(
      "HERALD_CLUSTER_URL", "a two-node cluster, for the failover test",
      "HERALD_KILL_PID", "the node the failover test kills",
      "HERALD_PLAIN_URL", "a node without TLS or authentication",
      "HERALD_MTLS_URL", "a node that requires client certificates",
      "HERALD_TEST_CA_FILE", "the CA of the test nodes' certificates",
      "HERALD_TEST_CLIENT_CERT", "the client certificate for HERALD_MTLS_URL",
      "HERALD_TEST_CLIENT_KEY", "its key",
      "HERALD_TEST_DENIED", "a topic the test user may not use");

  private UnknownNames() {}

  /** Fails on the first {@code HERALD_*} variable that is not a setting or one of the variables above. */
  static void checkEnvironment(Collection<String> names) {
    Set<String> known = Arrays.stream(Setting.values()).map(Setting::env).collect(Collectors.toSet());
    known.addAll(CLIENT_VARIABLES.keySet());
    known.addAll(TEST_VARIABLES.keySet());
    for (String name : new TreeSet<>(names)) { // sorted: with several typos, the same one is named every time
      if (name.startsWith(ENV_PREFIX) && !known.contains(name)) {
        throw new ConfigException("unknown variable " + name + " in the environment; did you mean "
            + nearest(name, known) + "? (HERALD_* variables are settings, listed in the README)");
      }
    }
  }

  /** Fails on the first key of a config file that is not a setting's key. */
  static void checkFile(Collection<String> keys, Set<String> known, String source) {
    for (String key : new TreeSet<>(keys)) {
      if (!known.contains(key)) {
        Set<String> fileKeys = Arrays.stream(Setting.values()).map(Setting::key).collect(Collectors.toSet());
        throw new ConfigException("unknown key \"" + key + "\" in " + source + "; did you mean \""
            + nearest(key, fileKeys) + "\"? (the keys are listed in the README)");
      }
    }
  }

  /** The known name fewest single-character edits away; ties go to the alphabetically first. */
  static String nearest(String name, Collection<String> known) {
    Optional<String> best = known.stream()
        .min(Comparator.<String>comparingInt(k -> distance(name, k)).thenComparing(Comparator.naturalOrder()));
    return best.orElseThrow();
  }

  /** Levenshtein distance: insertions, deletions and substitutions each count one. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[b.length()];
  }
}
