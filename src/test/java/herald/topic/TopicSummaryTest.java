package herald.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What a topic listing says about a queue, and its publish rate, on a clock the test moves. */
class TopicSummaryTest {

  private final AtomicLong now = new AtomicLong(1_000_000);

  private Map<String, TopicSummary> summaries(MemoryTopicStore store) {
    Map<String, TopicSummary> found = new HashMap<>();
    store.summarize(t -> true, now.get(), found::put);
    return found;
  }

  @Test
  void countsSeqsBytesAndTheMessagesOfTheLastMinute() {
    MemoryTopicStore store = new MemoryTopicStore(new Retention(5, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 100), now::get);
    for (int i = 0; i < 4; i++) {
      store.append("t", Buffer.buffer("1"));
    }
    now.addAndGet(TopicSummary.RATE_WINDOW_MS + 1); // those four are now older than the window
    for (int i = 0; i < 3; i++) {
      store.append("t", Buffer.buffer("1"));
    }
    TopicSummary t = summaries(store).get("t");
    // Retention keeps 5 of 7 (seqs 3..7); 3 and 4 are older than the window, so it starts after 4.
    assertThat(t.messages()).isEqualTo(5);
    assertThat(t.firstSeq()).isEqualTo(3);
    assertThat(t.lastSeq()).isEqualTo(7);
    assertThat(t.recent()).isEqualTo(3);
    assertThat(t.publishRate()).isEqualTo(0.05);
    assertThat(t.bytes()).isEqualTo(store.byteCount());
  }

  @Test
  void whenEveryMessageHeldIsInTheWindowOnlyThoseHeldAreCounted() {
    MemoryTopicStore store = new MemoryTopicStore(new Retention(2, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 100), now::get);
    store.append("t", Buffer.buffer("1"));
    now.addAndGet(TopicSummary.RATE_WINDOW_MS + 1);
    for (int i = 0; i < 10; i++) {
      store.append("t", Buffer.buffer("1")); // seqs 2..11, all but the last two dropped by the count limit
    }
    // Only 10 and 11 are held, both in the window: the count is of those held, a lower bound.
    assertThat(summaries(store).get("t").recent()).isEqualTo(2);
  }
}
