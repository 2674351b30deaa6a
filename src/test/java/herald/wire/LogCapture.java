package herald.wire;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

/**
 * Catches what reaches the test JVM's log (Log4j2, into which Herald's java.util.logging calls, Vert.x,
 * Netty and Hazelcast all write; herald.Logging) at the root logger's level and above, for tests that
 * check what a node logs in-process.
 */
public final class LogCapture implements AutoCloseable {

  private final List<LogEvent> events = new CopyOnWriteArrayList<>();
  private final AbstractAppender appender;

  private LogCapture() {
    appender = new AbstractAppender("capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        events.add(event.toImmutable());
      }
    };
    appender.start();
    Configuration config = context().getConfiguration();
    config.getRootLogger().addAppender(appender, Level.ALL, null);
    // Loggers with a configuration of their own (herald, in log4j2-test.xml) pass events on to the root's
    // appenders: additivity is on.
    context().updateLoggers();
  }

  public static LogCapture start() {
    return new LogCapture();
  }

  /** Everything at WARN or more severe, one line each: level, logger and message. */
  public List<String> warningsAndErrors() {
    return events.stream().filter(e -> e.getLevel().isMoreSpecificThan(Level.WARN))
        .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getMessage().getFormattedMessage()
            + (e.getThrown() == null ? "" : " (" + e.getThrown() + ")"))
        .toList();
  }

  public List<LogEvent> events() {
    return List.copyOf(events);
  }

  @Override
  public void close() {
    context().getConfiguration().getRootLogger().removeAppender(appender.getName());
    context().updateLoggers();
    appender.stop();
  }

  private static LoggerContext context() {
    return (LoggerContext) LogManager.getContext(false);
  }
}
