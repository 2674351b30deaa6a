package herald.config;

import herald.topic.Retention;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The broker's settings, read through vertx-config from {@code conf/config.json} (or the file named by
 * {@code HERALD_CONFIG}), each overridable by its {@code HERALD_*} environment variable. A value that is
 * malformed or out of range, an unknown key in the file and an unknown {@code HERALD_*} variable each stop
 * start-up with a message that names the key.
 */
public final class HeraldConfig {

  /** The config file used when {@code HERALD_CONFIG} is not set; a missing default file means "all defaults". */
  public static final String DEFAULT_FILE = "conf/config.json";

  private final Map<Setting, Object> values;

  private HeraldConfig(Map<Setting, Object> values) {
    this.values = values;
  }

  /** Reads the file and the environment. Fails with {@link ConfigException} naming the offending key. */
  public static Future<HeraldConfig> load(Vertx vertx, Map<String, String> environment) {
    try {
      UnknownNames.checkEnvironment(environment.keySet());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    String explicit = environment.get("HERALD_CONFIG");
    String file = explicit != null ? explicit : DEFAULT_FILE;
    if (explicit != null && !Files.isRegularFile(Path.of(file))) {
      return Future.failedFuture(new ConfigException("HERALD_CONFIG names " + file + ", which is not a file"));
    }
    JsonArray envKeys = new JsonArray(Arrays.stream(Setting.values()).map(Setting::env).toList());
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
        .setScanPeriod(-1)
        .addStore(new ConfigStoreOptions().setType("file").setFormat("json").setOptional(explicit == null)
            .setConfig(new JsonObject().put("path", file)))
        // raw-data keeps env values as strings, so every value goes through the same checks below.
        .addStore(new ConfigStoreOptions().setType("env")
            .setConfig(new JsonObject().put("keys", envKeys).put("raw-data", true)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .recover(e -> Future.failedFuture(new ConfigException("cannot read " + file + ": " + rootMessage(e))))
        .compose(json -> {
          retriever.close();
          try {
            return Future.succeededFuture(from(json, file));
          } catch (ConfigException e) {
            return Future.failedFuture(e);
          }
        });
  }

  /** Builds a config from merged JSON (file keys and {@code HERALD_*} keys). Used by tests directly. */
  public static HeraldConfig from(JsonObject json, String source) {
    Set<String> known = Arrays.stream(Setting.values())
        .flatMap(s -> java.util.stream.Stream.of(s.key(), s.env())).collect(Collectors.toSet());
    UnknownNames.checkFile(json.fieldNames(), known, source);
    Map<Setting, Object> values = new EnumMap<>(Setting.class);
    for (Setting s : Setting.values()) {
      boolean fromEnv = json.containsKey(s.env());
      Object raw = fromEnv ? json.getValue(s.env()) : json.getValue(s.key(), s.defaultValue());
      String name = fromEnv ? s.env() : s.key() + " (in " + source + ")";
      Object value = s.isNumber() ? number(s, name, raw) : string(name, raw);
      if (s.isBoolean() && !value.equals("true") && !value.equals("false")) {
        throw new ConfigException(name + " = \"" + value + "\": must be true or false (" + s.description() + ")");
      }
      if (!s.choices().isEmpty()) {
        String choice = s.choice((String) value);
        if (choice == null) {
          throw new ConfigException(name + " = \"" + value + "\": must be one of " + String.join(", ", s.choices())
              + " (" + s.description() + ")");
        }
        value = choice;
      }
      values.put(s, value);
    }
    if (((String) values.get(Setting.NODE_ID)).isEmpty()) {
      values.put(Setting.NODE_ID, UUID.randomUUID().toString().substring(0, 8));
    }
    return new HeraldConfig(values);
  }

  /** All defaults, with the given overrides (keys as in {@code conf/config.json}); for tests and embedding. */
  public static HeraldConfig defaults(JsonObject overrides) {
    return from(overrides, "overrides");
  }

  private static long number(Setting s, String name, Object raw) {
    long v;
    if (raw instanceof Number n && n.doubleValue() == n.longValue()) {
      v = n.longValue();
    } else if (raw instanceof String str) {
      try {
        v = Long.parseLong(str.trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new ConfigException(name + " = \"" + str + "\": not an integer; " + range(s));
      }
    } else {
      throw new ConfigException(name + " = " + raw + ": not an integer; " + range(s));
    }
    if (v < s.min() || v > s.max()) {
      throw new ConfigException(name + " = " + v + ": out of range; " + range(s));
    }
    return v;
  }

  private static String string(String name, Object raw) {
    if (raw instanceof Boolean b) {
      return b.toString();
    }
    if (!(raw instanceof String str)) {
      throw new ConfigException(name + " = " + raw + ": must be a string");
    }
    return str.trim();
  }

  private static String range(Setting s) {
    return "expected " + s.min() + " to " + s.max() + " (" + s.description() + ")";
  }

  private static String rootMessage(Throwable e) {
    while (e.getCause() != null) {
      e = e.getCause();
    }
    return e.getMessage();
  }

  public String string(Setting s) {
    return (String) values.get(s);
  }

  public long number(Setting s) {
    return (Long) values.get(s);
  }

  public int integer(Setting s) {
    return Math.toIntExact(number(s));
  }

  public boolean flag(Setting s) {
    return "true".equals(values.get(s));
  }

  public String host() {
    return string(Setting.HOST);
  }

  public int port() {
    return integer(Setting.PORT);
  }

  public String nodeId() {
    return string(Setting.NODE_ID);
  }

  public Retention retention() {
    return new Retention(
        number(Setting.RETENTION_MAX_MESSAGES),
        number(Setting.RETENTION_MAX_BYTES),
        number(Setting.RETENTION_MAX_AGE_SECONDS) * 1000,
        number(Setting.MAX_TOTAL_BYTES),
        integer(Setting.MAX_TOPICS));
  }
}
