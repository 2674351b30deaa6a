package herald;

import herald.config.HeraldConfig;
import herald.config.Setting;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;

/**
 * Sends every log line of the process to one backend, Log4j2, in one format (docs/architecture.md,
 * "Logging"): Herald's own {@code java.util.logging} calls through log4j-jul's LogManager, Vert.x and Netty
 * through their Log4j2 bindings, Hazelcast through {@code hazelcast.logging.type=log4j2}. The configuration
 * is {@value #CONFIG} in the jar, which reads the level, the format and the node id from the system
 * properties set here.
 *
 * <p>Each facade picks its backend once, when it is first used, so {@link #install} must run before
 * anything logs: it is the first thing {@link Main#main} does, and no class it loads before holds a logger.
 */
public final class Logging {

  /** The configuration in the jar; an operator's {@code -Dlog4j2.configurationFile} replaces it. */
  static final String CONFIG = "herald/log4j2.xml";

  // The properties the configuration reads (${sys:...}); internal, set only here.
  static final String LEVEL_PROPERTY = "herald.log.level";
  static final String QUIET_LEVEL_PROPERTY = "herald.log.quiet";
  static final String MUTED_LEVEL_PROPERTY = "herald.log.muted";
  static final String FORMAT_PROPERTY = "herald.log.format";
  static final String NODE_PROPERTY = "herald.log.node";

  /** Named in lines logged before the node id is known (a client command, or reading the configuration). */
  static final String NO_NODE = "-";

  private Logging() {}

  /**
   * Routes all three facades to Log4j2 and takes the level and format from the environment, before the
   * configuration file is read. Properties already set on the command line ({@code -D}) are left alone.
   */
  static void install(Map<String, String> env) {
    // Read by java.util.logging when its LogManager is first touched: Herald's Logger.getLogger calls.
    setIfAbsent("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
    // Vert.x would find Log4j2 by itself, but only after trying SLF4J; named, a stray SLF4J on the class
    // path cannot take Vert.x's lines elsewhere.
    setIfAbsent("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.Log4j2LogDelegateFactory");
    // Hazelcast's own default is java.util.logging; conf/cluster.xml says log4j2 too, this covers a
    // user's own Hazelcast file and the lines Hazelcast logs before it reads one.
    setIfAbsent("hazelcast.logging.type", "log4j2");
    setIfAbsent("log4j2.configurationFile", CONFIG);
    InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
    apply(choice(Setting.LOG_LEVEL, env.get(Setting.LOG_LEVEL.env())),
        choice(Setting.LOG_FORMAT, env.get(Setting.LOG_FORMAT.env())),
        env.getOrDefault(Setting.NODE_ID.env(), "").isBlank() ? NO_NODE : env.get(Setting.NODE_ID.env()).trim());
  }

  /**
   * Once the configuration is read: its level and format (which may come from conf/config.json) and the
   * node id, random unless set, which every later line names.
   */
  static void configure(HeraldConfig config) {
    apply(config.string(Setting.LOG_LEVEL), config.string(Setting.LOG_FORMAT), config.nodeId());
    // Re-reads the configuration, so the new properties apply; loggers already handed out follow it.
    ((LoggerContext) LogManager.getContext(false)).reconfigure();
  }

  private static void apply(String level, String format, String node) {
    System.setProperty(LEVEL_PROPERTY, level);
    System.setProperty(QUIET_LEVEL_PROPERTY, quietLevel(level));
    System.setProperty(MUTED_LEVEL_PROPERTY, mutedLevel(level));
    System.setProperty(FORMAT_PROPERTY, format);
    System.setProperty(NODE_PROPERTY, node);
  }

  /**
   * The level of the third-party loggers whose INFO lines an operator does not need (Hazelcast's banner,
   * its start-up steps, Vert.x's and Netty's): WARN at INFO, so warnings still show; the level itself
   * otherwise, so DEBUG shows everything and ERROR hides their warnings too.
   */
  static String quietLevel(String level) {
    return "INFO".equals(level) ? "WARN" : level;
  }

  /** The level of the few warnings that say nothing about Herald: ERROR, or the level if that is more severe. */
  static String mutedLevel(String level) {
    return "OFF".equals(level) ? "OFF" : "ERROR";
  }

  /** A valid value of {@code s} from the environment, else its default: a bad value is refused later, by the config. */
  private static String choice(Setting s, String value) {
    String c = value == null ? null : s.choice(value);
    return c != null ? c : (String) s.defaultValue();
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
