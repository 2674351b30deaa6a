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

  @Test
  void unknownKeyIsRefusedSoTyposDoNotGoUnnoticed() {
    assertThatThrownBy(() -> HeraldConfig.from(new JsonObject().put("prot", 1), "conf/config.json"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("\"prot\"");
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
