package herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The servers' CPU time that latency runs report (cpu_pct), read from /proc as `ps` and `top` read it. */
class CpuTimeTest {

  @Test
  void utime_and_stime_are_counted_from_the_last_parenthesis_of_the_command_name() {
    // Fields 14 and 15 of proc(5); the name, field 2, may hold spaces and parentheses.
    String stat = "4242 (my (odd) java) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 40 0 99 0 0";

    assertThat(CpuTime.ticks(stat)).isEqualTo(1234 + 567);
  }

  @Test
  void pids_are_given_separated_by_commas() {
    assertThat(CpuTime.pids("12, 34,56")).containsExactly(12, 34, 56);
    assertThat(CpuTime.pids("")).isEmpty();
    assertThat(new CpuTime(new long[0]).result()).isEmpty();
  }

  @Test
  void a_busy_process_shows_its_cpu_and_a_sleeping_one_none() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      Thread.sleep(100); // past the child's exec, so its figure is that of a sleeping process
      long self = ProcessHandle.current().pid();
      CpuTime window = new CpuTime(new long[] {self, sleeper.pid()});
      window.startAt(System.nanoTime());
      Thread.sleep(50); // the window's own thread takes the first sample
      long spinUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(600);
      long x = 0;
      while (System.nanoTime() < spinUntil) {
        x += System.nanoTime() & 1;
      }
      window.end();
      String result = window.result();

      assertThat(x).isNotNegative();
      assertThat(result).matches(" cpu_pct=[0-9.]+ cpu_pct_each=[0-9.]+,0\\.0 cpu_window_s=[0-9.]+");
      assertThat(Double.parseDouble(result.replaceAll(".*cpu_window_s=", ""))).isGreaterThanOrEqualTo(0.6);
      double selfPct = Double.parseDouble(result.replaceAll(".*cpu_pct_each=([0-9.]+),.*", "$1"));
      // A core busy for most of the window; even on a loaded machine well above 20 %, and a process
      // (this JVM) cannot use more than the machine's cores.
      assertThat(selfPct).isBetween(20.0, 100.0 * Runtime.getRuntime().availableProcessors() + 10);
    } finally {
      sleeper.destroy();
      sleeper.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void a_window_that_never_started_has_no_figure() throws InterruptedException {
    CpuTime window = new CpuTime(new long[] {ProcessHandle.current().pid()});
    window.startAt(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
    Thread.sleep(100); // time enough for a window started too early to have its sample
    window.end();

    assertThat(window.result()).isEqualTo(" cpu_pct=-1 cpu_pct_each=-1 cpu_window_s=0");
  }
}
