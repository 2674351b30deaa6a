package herald.deploy;

import herald.config.Setting;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** What the image and the manifests must agree with: conf/config.json, the settings, broker/pom.xml (its finalName). */
final class ShippedConfig {

  /** Where the HTTP health and metrics endpoints listen unless {@code http_port} says otherwise. */
  static final int DEFAULT_HTTP_PORT = 9888;

  private ShippedConfig() {}

  /** Every {@code HERALD_*} variable the broker reads. */
  static Set<String> settingEnvNames() {
    return Arrays.stream(Setting.values()).map(Setting::env).collect(Collectors.toSet());
  }

  /**
   * The value of an integer setting as shipped: conf/config.json's key, else the setting's default, else
   * {@code fallback} (for a setting this build does not have yet).
   */
  static int shippedInt(String key, int fallback) throws IOException {
    JsonObject json = new JsonObject(Files.readString(Path.of("conf/config.json")));
    if (json.containsKey(key)) {
      return ((Number) json.getValue(key)).intValue();
    }
    Optional<Setting> setting = Arrays.stream(Setting.values())
        .filter(s -> s.name().equals(key.toUpperCase(Locale.ROOT))).findFirst();
    return setting.map(s -> ((Number) s.defaultValue()).intValue()).orElse(fallback);
  }

  /** A key of conf/config.json as shipped, if the file sets it. */
  static Optional<Object> shipped(String key) throws IOException {
    return Optional.ofNullable(new JsonObject(Files.readString(Path.of("conf/config.json"))).getValue(key));
  }

  /** The jar {@code mvn package} builds: target/{finalName}.jar. */
  static String builtJar() throws IOException {
    Matcher m = Pattern.compile("<finalName>\\s*([^<\\s]+)\\s*</finalName>").matcher(Files.readString(Path.of("broker/pom.xml")));
    if (!m.find()) {
      throw new AssertionError("broker/pom.xml has no <finalName>");
    }
    return "target/" + m.group(1) + ".jar";
  }

  /** A Hazelcast property from conf/cluster.xml, e.g. hazelcast.graceful.shutdown.max.wait. */
  static Optional<String> hazelcastProperty(String name) throws IOException {
    Matcher m = Pattern.compile("<property\\s+name=\"" + Pattern.quote(name) + "\">\\s*([^<\\s]+)\\s*</property>")
        .matcher(Files.readString(Path.of("conf/cluster.xml")));
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }
}
