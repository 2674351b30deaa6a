package herald.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * The JVM's meters ({@code jvm_*}): those vertx-micrometer-metrics binds, except that collections are read
 * from the collector beans at scrape time ({@code jvm_gc_collections_total}, {@code
 * jvm_gc_collection_seconds_total}) instead of Micrometer's JvmGcMetrics and JvmHeapPressureMetrics.
 *
 * <p>Those two listen for a JMX notification after every collection. With the broker on one core, the JVM's
 * notification thread then ran for 0.7 - 1.3 ms right after each 3 - 7 ms pause, often followed by the JIT
 * compiling more of its code (perf sched): the event loop waited for both on top of the pause.
 */
public final class JvmMeters {

  private JvmMeters() {}

  public static void bindTo(MeterRegistry registry) {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmCompilationMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      FunctionCounter.builder("jvm.gc.collections", gc, GarbageCollectorMXBean::getCollectionCount)
          .tag("gc", gc.getName())
          .description("Collections by this collector since the JVM started")
          .register(registry);
      FunctionCounter.builder("jvm.gc.collection", gc, b -> b.getCollectionTime() / 1_000.0)
          .tag("gc", gc.getName())
          .baseUnit("seconds")
          .description("Time spent in this collector's collections since the JVM started (pauses, for a stop-the-world collector)")
          .register(registry);
    }
  }
}
