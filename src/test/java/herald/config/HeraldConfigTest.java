package herald.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class HeraldConfigTest {

  @Test
  void shippedConfigFileHoldsEveryKeyWithItsDefault() throws Exception {
    JsonObject shipped = new JsonObject(Files.readString(Path.of("conf/config.json")));
    for (Setting s : Setting.values()) {
      assertThat(String.valueOf(shipped.getValue(s.key()))).as(s.key()).isEqualTo(String.valueOf(s.defaultValue()));
    }
    assertThat(shipped.fieldNames()).hasSize(Setting.values().length);
  }

  @Test
  void readmeDocumentsEveryEnvironmentVariable() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    assertThat(Arrays.stream(Setting.values()).map(Setting::env)).allMatch(readme::contains);
    assertThat(UnknownNames.CLIENT_VARIABLES.keySet()).as("the accepted HERALD_* variables that are not settings")
        .allMatch(name -> readme.contains("`" + name + "`"));
  }

  @Test
  void fileValuesApplyAndUnsetKeysKeepTheirDefaults(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.json");
    Files.writeString(file, "{\"port\": 1234, \"max_topics\": 5}");
    HeraldConfig config = HeraldConfig.load(vertx, Map.of("HERALD_CONFIG", file.toString())).await();
    assertThat(config.port()).isEqualTo(1234);
    assertThat(config.number(Setting.MAX_TOPICS)).isEqualTo(5);
    assertThat(config.number(Setting.MAX_FRAME_BYTES)).isEqualTo(1_048_576);
  }

  /** vertx-config merges the env store over the file; the HERALD_* key then wins (ProcessTest runs it for real). */
  @Test
  void environmentVariableWinsOverTheFileKey() {
    HeraldConfig config = HeraldConfig.from(new JsonObject().put("port", 1234).put("HERALD_PORT", "4321"), "merged");
    assertThat(config.port()).isEqualTo(4321);
  }

  @Test
  void malformedValueNamesItsKey() {
    assertThatThrownBy(() -> HeraldConfig.from(new JsonObject().put("HERALD_PORT", "eighty"), "env"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_PORT").hasMessageContaining("not an integer");
    assertThatThrownBy(() -> HeraldConfig.from(new JsonObject().put("max_frame_bytes", 10), "conf/config.json"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("max_frame_bytes").hasMessageContaining("out of range");
    assertThatThrownBy(() -> HeraldConfig.from(new JsonObject().put("host", 5), "conf/config.json"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("host");
  }

  /** The log level and format are read before the node starts (herald.Logging); a bad one stops it, named. */
  @Test
  void logLevelAndFormatAreChoicesIgnoringCase() {
    HeraldConfig config = HeraldConfig.from(new JsonObject().put("HERALD_LOG_LEVEL", "debug").put("log_format", "JSON"), "merged");
    assertThat(config.string(Setting.LOG_LEVEL)).isEqualTo("DEBUG");
    assertThat(config.string(Setting.LOG_FORMAT)).isEqualTo("json");
    assertThatThrownBy(() -> HeraldConfig.from(new JsonObject().put("HERALD_LOG_LEVEL", "verbose"), "env"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("HERALD_LOG_LEVEL = \"verbose\": must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
    assertThatThrownBy(() -> HeraldConfig.from(new JsonObject().put("log_format", "logfmt"), "conf/config.json"))
        .hasMessageStartingWith("log_format (in conf/config.json) = \"logfmt\": must be one of text, json");
  }

  @Test
  void unknownKeyIsRefusedSoTyposDoNotGoUnnoticed() {
    assertThatThrownBy(() -> HeraldConfig.from(new JsonObject().put("prot", 1), "conf/config.json"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("unknown key \"prot\" in conf/config.json; did you mean \"port\"? (the keys are listed in the README)");
  }

  @Test
  void unknownEnvironmentVariableIsRefusedNamingTheNearestSetting(Vertx vertx) {
    assertThatThrownBy(() -> HeraldConfig.load(vertx, Map.of("HERALD_RETENTION_MAX_MESSAGE", "5")).await())
        .isInstanceOf(ConfigException.class)
        .hasMessage("unknown variable HERALD_RETENTION_MAX_MESSAGE in the environment; did you mean "
            + "HERALD_RETENTION_MAX_MESSAGES? (HERALD_* variables are settings, listed in the README)");
    assertThatThrownBy(() -> HeraldConfig.load(vertx, Map.of("HERALD_HTTP_PROT", "9")).await())
        .hasMessageContaining("did you mean HERALD_HTTP_PORT?");
    // The file's typo gets the same form of message.
    assertThatThrownBy(() -> HeraldConfig.from(new JsonObject().put("retention_max_message", 5), "c.json"))
        .hasMessageContaining("did you mean \"retention_max_messages\"?");
  }

  /** Variables that are not settings but are exported beside them (client commands, tests) do not stop a node. */
  @Test
  void legitimateNonSettingVariablesAndOtherVariablesAreAccepted(Vertx vertx) throws Exception {
    Map<String, String> env = new java.util.HashMap<>();
    UnknownNames.CLIENT_VARIABLES.keySet().forEach(k -> env.put(k, "x"));
    UnknownNames.TEST_VARIABLES.keySet().forEach(k -> env.put(k, "x"));
    env.remove("HERALD_CONFIG"); // it must name a file
    env.put("HERALD_PORT", "1234");
    env.put("PATH", "/bin");
    env.put("herald_prot", "lower case is not ours");
    // load() reads setting values through vertx-config's env store, from the real environment; the map
    // passed here is what is checked for unknown names (and HERALD_CONFIG).
    assertThat(HeraldConfig.load(vertx, env).await().port()).isEqualTo(8888);
  }

  /**
   * Every HERALD_* name that the repository's scripts, image, manifests, clients, code and README set or
   * read is a setting or allowed, so none of them stops a node.
   */
  @Test
  void everyHeraldVariableUsedInTheRepositoryIsKnown() throws Exception {
    java.util.Set<String> used = new java.util.TreeSet<>();
    // Not the README's example of the error message, which quotes a typo on purpose.
    java.util.regex.Pattern name = java.util.regex.Pattern.compile("(?<!unknown variable )\\bHERALD_[A-Z0-9_]*[A-Z0-9]\\b");
    for (String root : new String[] {"Dockerfile", "k8s", "bench", "bin", "conf", "clients", "README.md", "src/main"}) {
      if (!Files.exists(Path.of(root))) {
        continue;
      }
      try (var files = Files.walk(Path.of(root))) {
        for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().contains("results")).toList()) {
          java.util.regex.Matcher m = name.matcher(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1));
          while (m.find()) {
            used.add(m.group());
          }
        }
      }
    }
    assertThat(used).contains("HERALD_URL", "HERALD_PORT");
    used.removeAll(UnknownNames.CLIENT_VARIABLES.keySet());
    used.removeAll(UnknownNames.TEST_VARIABLES.keySet());
    used.removeAll(Arrays.stream(Setting.values()).map(Setting::env).toList());
    assertThat(used).as("HERALD_* names that would stop a node at start-up").isEmpty();
  }

  @Test
  void nearestIsByEditDistance() {
    assertThat(UnknownNames.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(UnknownNames.distance("", "abc")).isEqualTo(3);
    assertThat(UnknownNames.nearest("HERALD_PROT", java.util.List.of("HERALD_HOST", "HERALD_PORT"))).isEqualTo("HERALD_PORT");
  }

  @Test
  void malformedFileIsReportedWithItsName(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "{ \"port\": ");
    assertThatThrownBy(() -> HeraldConfig.load(vertx, Map.of("HERALD_CONFIG", file.toString())).await())
        .isInstanceOf(ConfigException.class).hasMessageContaining("broken.json");
  }

  @Test
  void missingExplicitFileIsAnError(Vertx vertx) {
    assertThatThrownBy(() -> HeraldConfig.load(vertx, Map.of("HERALD_CONFIG", "/nonexistent/herald.json")).await())
        .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_CONFIG");
  }
}
