package herald.topic;

import static org.assertj.core.api.Assertions.assertThat;

import herald.codec.FrameEncoder;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class MemoryTopicStoreTest {

  private static final Buffer X = Buffer.buffer("\"x\"");
  private static final long LOTS = Long.MAX_VALUE / 4;

  private final AtomicLong now = new AtomicLong(1_000_000);

  private MemoryTopicStore store(long maxMessagesPerTopic, long maxBytesPerTopic, long maxAgeMillis, long maxTotalBytes,
      int maxTopics) {
    return new MemoryTopicStore(
        new Retention(maxMessagesPerTopic, maxBytesPerTopic, maxAgeMillis, maxTotalBytes, maxTopics), now::get);
  }

  private MemoryTopicStore unbounded() {
    return store(LOTS, LOTS, LOTS, LOTS, Integer.MAX_VALUE);
  }

  /** What the store charges for message {@code seq} of {@code topic} with data {@code "x"}. */
  private static long cost(String topic, long seq) {
    return FrameEncoder.message(topic, X, seq).length() + MemoryTopicStore.MESSAGE_OVERHEAD_BYTES;
  }

  private static List<Long> seqs(MemoryTopicStore store, String topic, long from, int maxBytes) {
    List<Long> out = new ArrayList<>();
    store.read(topic, from, maxBytes, m -> out.add(m.seq()));
    return out;
  }

  private static List<Long> all(MemoryTopicStore store, String topic) {
    return seqs(store, topic, 1, Integer.MAX_VALUE);
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  // ---------------------------------------------------------------------------------------------------
  // Sequence numbers

  @Test
  void seqStartsAtOneAndIncrementsPerTopicIndependently() {
    MemoryTopicStore store = unbounded();

    assertThat(store.append("a", X).seq()).isEqualTo(1);
    assertThat(store.append("a", X).seq()).isEqualTo(2);
    assertThat(store.append("b", X).seq()).isEqualTo(1);
    assertThat(store.append("a", X).seq()).isEqualTo(3);
    assertThat(store.append("b", X).seq()).isEqualTo(2);

    assertThat(store.lastSeq("a")).isEqualTo(3);
    assertThat(store.lastSeq("b")).isEqualTo(2);
    assertThat(store.firstSeq("a")).isEqualTo(1);
    assertThat(store.topicCount()).isEqualTo(2);
    assertThat(store.messageCount()).isEqualTo(5);
    assertThat(store.byteCount()).isEqualTo(3 * cost("a", 1) + 2 * cost("b", 1));
  }

  @Test
  void storedMessageIsTheEncodedFrameWithItsSeqAndTime() {
    MemoryTopicStore store = unbounded();
    store.append("orders.eu", X);
    now.set(1_234);

    StoredMessage m = store.append("orders.eu", Buffer.buffer("{ \"n\" : 1 }"));

    assertThat(m.seq()).isEqualTo(2);
    assertThat(m.storedAtMillis()).isEqualTo(1_234);
    assertThat(m.frame().toString()).isEqualTo(
        "{\"type\":\"message\",\"topic\":\"orders.eu\",\"data\":{ \"n\" : 1 },\"seq\":2}\n");
  }

  @Test
  void unknownTopicHasFirstSeqOneAndLastSeqZero() {
    MemoryTopicStore store = unbounded();

    assertThat(store.firstSeq("nope")).isEqualTo(1);
    assertThat(store.lastSeq("nope")).isEqualTo(0);
    assertThat(seqs(store, "nope", 1, 1_000)).isEmpty();
    assertThat(store.read("nope", 1, 1_000, m -> {})).isEqualTo(1);
    assertThat(store.read("nope", 0, 1_000, m -> {})).isEqualTo(1);
    assertThat(store.read("nope", 5, 1_000, m -> {})).isEqualTo(5);
    assertThat(store.topicCount()).isZero();
  }

  @Test
  void emptiedTopicHasFirstSeqOnePastItsLastSeq() {
    MemoryTopicStore store = store(LOTS, LOTS, 100, LOTS, 100);
    store.append("a", X);
    store.append("a", X);
    store.append("a", X);

    now.addAndGet(101);
    store.expire(now.get(), t -> true);

    assertThat(store.topicCount()).isEqualTo(1);
    assertThat(store.lastSeq("a")).isEqualTo(3);
    assertThat(store.firstSeq("a")).isEqualTo(4);
    assertThat(seqs(store, "a", 1, 1_000)).isEmpty();
    assertThat(store.read("a", 1, 1_000, m -> {})).isEqualTo(4);
    assertThat(store.read("a", 9, 1_000, m -> {})).isEqualTo(9);
    assertThat(store.append("a", X).seq()).isEqualTo(4);
    assertThat(store.firstSeq("a")).isEqualTo(4);
  }

  // ---------------------------------------------------------------------------------------------------
  // Reading

  @Test
  void readFromASeqHandsThatSeqAndEveryLaterOneInOrder() {
    MemoryTopicStore store = unbounded();
    for (int i = 0; i < 5; i++) {
      store.append("a", X);
    }
    store.append("b", X);

    List<StoredMessage> got = new ArrayList<>();
    long next = store.read("a", 3, Integer.MAX_VALUE, got::add);

    assertThat(got).extracting(StoredMessage::seq).containsExactly(3L, 4L, 5L);
    assertThat(got.get(0).frame()).isEqualTo(FrameEncoder.message("a", X, 3));
    assertThat(next).isEqualTo(6);
    assertThat(seqs(store, "a", 5, Integer.MAX_VALUE)).containsExactly(5L);
    assertThat(seqs(store, "a", 6, Integer.MAX_VALUE)).isEmpty();
    assertThat(store.read("a", 6, Integer.MAX_VALUE, m -> {})).isEqualTo(6);
    assertThat(store.read("a", 10, Integer.MAX_VALUE, m -> {})).isEqualTo(10);
  }

  @Test
  void readFromBeforeTheFirstRetainedStartsAtTheFirstRetained() {
    MemoryTopicStore store = store(3, LOTS, LOTS, LOTS, 100);
    for (int i = 0; i < 5; i++) {
      store.append("a", X);
    }

    assertThat(store.firstSeq("a")).isEqualTo(3);
    assertThat(seqs(store, "a", 1, Integer.MAX_VALUE)).containsExactly(3L, 4L, 5L);
    assertThat(seqs(store, "a", 0, Integer.MAX_VALUE)).containsExactly(3L, 4L, 5L);
    assertThat(store.read("a", 1, Integer.MAX_VALUE, m -> {})).isEqualTo(6);
  }

  @Test
  void readStopsOnceMaxBytesOfFramesHaveBeenHanded() {
    MemoryTopicStore store = unbounded();
    for (int i = 0; i < 5; i++) {
      store.append("a", X);
    }
    int frame = FrameEncoder.message("a", X, 1).length(); // seqs 1..5 are all one digit: equal frames

    List<Long> chunk = new ArrayList<>();
    long next = store.read("a", 1, 2 * frame, m -> chunk.add(m.seq()));
    assertThat(chunk).containsExactly(1L, 2L);
    assertThat(next).isEqualTo(3);

    chunk.clear();
    next = store.read("a", next, 2 * frame, m -> chunk.add(m.seq()));
    assertThat(chunk).containsExactly(3L, 4L);
    assertThat(next).isEqualTo(5);

    chunk.clear();
    next = store.read("a", next, 2 * frame, m -> chunk.add(m.seq()));
    assertThat(chunk).containsExactly(5L);
    assertThat(next).isEqualTo(6);
  }

  /** The bound is "until maxBytes have been handed", so the message that crosses it is still handed. */
  @Test
  void readChunkMayOvershootMaxBytesByTheMessageThatCrossesIt() {
    MemoryTopicStore store = unbounded();
    for (int i = 0; i < 5; i++) {
      store.append("a", X);
    }
    int frame = FrameEncoder.message("a", X, 1).length();

    assertThat(seqs(store, "a", 1, 2 * frame + 1)).containsExactly(1L, 2L, 3L);
    assertThat(seqs(store, "a", 1, 2 * frame - 1)).containsExactly(1L, 2L);
  }

  @Test
  void readAlwaysHandsAtLeastOneMessage() {
    MemoryTopicStore store = unbounded();
    store.append("a", Buffer.buffer("\"" + "y".repeat(10_000) + "\""));
    store.append("a", X);

    assertThat(seqs(store, "a", 1, 1)).containsExactly(1L);
    assertThat(seqs(store, "a", 1, 0)).containsExactly(1L);
    assertThat(seqs(store, "a", 2, 0)).containsExactly(2L);
    assertThat(store.read("a", 1, 0, m -> {})).isEqualTo(2);
  }

  // ---------------------------------------------------------------------------------------------------
  // Per-topic retention

  @Test
  void perTopicMaxMessagesEvictsOldestFirst() {
    MemoryTopicStore store = store(3, LOTS, LOTS, LOTS, 100);
    for (int i = 0; i < 5; i++) {
      store.append("a", X);
    }
    store.append("b", X);
    store.append("b", X);

    assertThat(all(store, "a")).containsExactly(3L, 4L, 5L);
    assertThat(all(store, "b")).containsExactly(1L, 2L);
    assertThat(store.firstSeq("a")).isEqualTo(3);
    assertThat(store.lastSeq("a")).isEqualTo(5);
    assertThat(store.messageCount()).isEqualTo(5);
    assertThat(store.byteCount()).isEqualTo(3 * cost("a", 1) + 2 * cost("b", 1));
  }

  @Test
  void perTopicMaxBytesEvictsOldestFirst() {
    long two = 2 * cost("a", 1);
    MemoryTopicStore store = store(LOTS, two, LOTS, LOTS, 100);

    store.append("a", X);
    store.append("a", X);
    assertThat(all(store, "a")).containsExactly(1L, 2L);
    assertThat(store.byteCount()).isEqualTo(two);

    store.append("a", X);
    assertThat(all(store, "a")).containsExactly(2L, 3L);
    assertThat(store.byteCount()).isEqualTo(two);
    assertThat(store.messageCount()).isEqualTo(2);

    store.append("b", X);
    store.append("b", X);
    assertThat(all(store, "a")).containsExactly(2L, 3L);
    assertThat(all(store, "b")).containsExactly(1L, 2L);
  }

  @Test
  void perTopicMaxBytesEvictsAsManyOldMessagesAsABigOneNeeds() {
    MemoryTopicStore store = store(LOTS, 4 * cost("a", 1), LOTS, LOTS, 100);
    for (int i = 0; i < 4; i++) {
      store.append("a", X);
    }
    // A message costing 3 small ones minus a byte: three must go, and only three.
    long c = cost("a", 1);
    Buffer big = Buffer.buffer("\"" + "y".repeat((int) (2 * c)) + "\"");
    assertThat(FrameEncoder.message("a", big, 5).length() + MemoryTopicStore.MESSAGE_OVERHEAD_BYTES).isEqualTo(3 * c - 1);

    StoredMessage m = store.append("a", big);

    assertThat(m.seq()).isEqualTo(5);
    assertThat(all(store, "a")).containsExactly(4L, 5L);
    assertThat(store.byteCount()).isEqualTo(4 * c - 1);
  }

  @Test
  void aSingleMessageLargerThanTheTopicLimitIsKeptUntilTheNextArrives() {
    MemoryTopicStore store = store(LOTS, 1, LOTS, LOTS, 100);

    store.append("a", X);
    assertThat(all(store, "a")).containsExactly(1L);

    store.append("a", X);
    assertThat(all(store, "a")).containsExactly(2L);
    assertThat(store.messageCount()).isEqualTo(1);
    assertThat(store.byteCount()).isEqualTo(cost("a", 2));
  }

  // ---------------------------------------------------------------------------------------------------
  // Total bytes

  @Test
  void totalBytesEvictsTheOldestMessageAnywhereByArrival() {
    long c = cost("a", 1); // single-letter topics, one-digit seqs: every message costs the same
    MemoryTopicStore store = store(LOTS, LOTS, LOTS, 3 * c, 100);
    store.append("a", X); // a1
    store.append("b", X); // b1
    store.append("a", X); // a2
    assertThat(store.messageCount()).isEqualTo(3);

    store.append("c", X); // evicts a1
    assertThat(all(store, "a")).containsExactly(2L);
    assertThat(all(store, "b")).containsExactly(1L);
    assertThat(all(store, "c")).containsExactly(1L);

    store.append("b", X); // evicts b1
    assertThat(all(store, "b")).containsExactly(2L);
    assertThat(all(store, "a")).containsExactly(2L);

    store.append("c", X); // evicts a2
    assertThat(all(store, "a")).isEmpty();
    assertThat(store.firstSeq("a")).isEqualTo(3);
    assertThat(all(store, "b")).containsExactly(2L);
    assertThat(all(store, "c")).containsExactly(1L, 2L);
    assertThat(store.messageCount()).isEqualTo(3);
    assertThat(store.byteCount()).isEqualTo(3 * c);
  }

  @Test
  void totalBytesSkipsMessagesTheirTopicAlreadyEvicted() {
    long c = cost("a", 1);
    MemoryTopicStore store = store(2, LOTS, LOTS, 4 * c, 100);
    store.append("a", X); // a1
    store.append("a", X); // a2
    store.append("a", X); // a3, evicts a1 (topic limit)
    store.append("b", X); // b1
    store.append("b", X); // b2
    assertThat(store.messageCount()).isEqualTo(4);

    store.append("c", X); // over the total: the oldest held is a2, not the already gone a1

    assertThat(all(store, "a")).containsExactly(3L);
    assertThat(all(store, "b")).containsExactly(1L, 2L);
    assertThat(all(store, "c")).containsExactly(1L);
    assertThat(store.messageCount()).isEqualTo(4);
    assertThat(store.byteCount()).isEqualTo(4 * c);
  }

  @Test
  void totalBytesEvictsTheOldestHeldEvenBehindAStaleEntryOfAnotherTopic() {
    long c = cost("a", 1);
    MemoryTopicStore store = store(2, LOTS, LOTS, 3 * c, 100);
    store.append("a", X); // a1
    store.append("b", X); // b1
    store.append("a", X); // a2
    store.append("a", X); // a3, evicts a1 (topic limit): held are b1, a2, a3

    store.append("c", X); // over the total: b1 is the oldest held, although a1 arrived before it

    assertThat(all(store, "b")).isEmpty();
    assertThat(all(store, "a")).containsExactly(2L, 3L);
    assertThat(all(store, "c")).containsExactly(1L);
  }

  @Test
  void totalBytesEvictsSeveralOldMessagesForOneBigOne() {
    long c = cost("a", 1);
    MemoryTopicStore store = store(LOTS, LOTS, LOTS, 4 * c, 100);
    store.append("a", X);
    store.append("b", X);
    store.append("c", X);
    store.append("d", X);
    Buffer big = Buffer.buffer("\"" + "y".repeat((int) (2 * c - 3)) + "\"");

    StoredMessage m = store.append("e", big);

    assertThat(all(store, "a")).isEmpty();
    assertThat(all(store, "b")).isEmpty();
    assertThat(all(store, "c")).isEmpty();
    assertThat(all(store, "d")).containsExactly(1L);
    assertThat(all(store, "e")).containsExactly(1L);
    assertThat(store.byteCount()).isEqualTo(c + m.frame().length() + MemoryTopicStore.MESSAGE_OVERHEAD_BYTES);
    assertThat(store.byteCount()).isLessThanOrEqualTo(4 * c);
  }

  @Test
  void aSingleMessageLargerThanTheTotalLimitIsKeptAlone() {
    MemoryTopicStore store = store(LOTS, LOTS, LOTS, 10, 100);

    store.append("a", X);
    assertThat(store.messageCount()).isEqualTo(1);

    store.append("b", X);
    assertThat(all(store, "a")).isEmpty();
    assertThat(all(store, "b")).containsExactly(1L);
    assertThat(store.messageCount()).isEqualTo(1);
    assertThat(store.byteCount()).isEqualTo(cost("b", 1));
  }

  // ---------------------------------------------------------------------------------------------------
  // Max topics

  @Test
  void maxTopicsRefusesANewTopic() {
    MemoryTopicStore store = store(LOTS, LOTS, LOTS, LOTS, 2);
    store.append("a", X);
    store.append("b", X);

    assertThat(store.append("c", X)).isNull();

    assertThat(store.topicCount()).isEqualTo(2);
    assertThat(store.messageCount()).isEqualTo(2);
    assertThat(store.byteCount()).isEqualTo(2 * cost("a", 1));
    assertThat(store.lastSeq("c")).isZero();
    assertThat(store.append("a", X).seq()).isEqualTo(2);
  }

  @Test
  void maxTopicsForgetsTheTopicEmptiedLongestAgoToMakeRoom() {
    MemoryTopicStore store = store(LOTS, LOTS, 100, LOTS, 3);
    store.append("a", X); // T
    now.addAndGet(50);
    store.append("b", X); // T+50
    now.addAndGet(50);
    store.append("c", X); // T+100
    now.addAndGet(50);
    store.expire(now.get(), t -> true); // a aged out: empty but in use, so kept
    now.addAndGet(10);
    store.expire(now.get(), t -> true); // b aged out too
    assertThat(store.topicCount()).isEqualTo(3);

    assertThat(store.append("d", X).seq()).isEqualTo(1); // forgets a, emptied first
    assertThat(store.lastSeq("a")).isZero();
    assertThat(store.lastSeq("b")).isEqualTo(1);

    assertThat(store.append("a", X).seq()).isEqualTo(1); // forgets b; a starts over
    assertThat(store.lastSeq("b")).isZero();
    assertThat(store.topicCount()).isEqualTo(3);

    assertThat(store.append("b", X)).isNull(); // a, c, d all hold messages
    assertThat(store.topicCount()).isEqualTo(3);
  }

  // ---------------------------------------------------------------------------------------------------
  // Age and expire

  @Test
  void ageExpiryDropsMessagesOlderThanMaxAge() {
    MemoryTopicStore store = store(LOTS, LOTS, 1_000, LOTS, 100);
    now.set(10_000);
    store.append("a", X); // stored at 10_000
    now.set(10_500);
    store.append("a", X); // 10_500
    store.append("b", X); // 10_500

    store.expire(11_000, t -> true); // exactly max age old: kept
    assertThat(store.messageCount()).isEqualTo(3);

    store.expire(11_001, t -> true);
    assertThat(all(store, "a")).containsExactly(2L);
    assertThat(all(store, "b")).containsExactly(1L);
    assertThat(store.messageCount()).isEqualTo(2);
    assertThat(store.byteCount()).isEqualTo(2 * cost("a", 1));

    store.expire(11_501, t -> true);
    assertThat(all(store, "a")).isEmpty();
    assertThat(all(store, "b")).isEmpty();
    assertThat(store.messageCount()).isZero();
    assertThat(store.byteCount()).isZero();
    assertThat(store.firstSeq("a")).isEqualTo(3);
    assertThat(store.firstSeq("b")).isEqualTo(2);
  }

  @Test
  void ageExpirySkipsMessagesAlreadyEvictedByTheirTopic() {
    MemoryTopicStore store = store(1, LOTS, 1_000, LOTS, 100);
    now.set(0);
    store.append("a", X);
    now.set(100);
    store.append("a", X); // evicts a1
    now.set(2_000);
    store.append("b", X);

    store.expire(1_500, t -> true);

    assertThat(all(store, "a")).isEmpty();
    assertThat(all(store, "b")).containsExactly(1L);
    assertThat(store.messageCount()).isEqualTo(1);
    assertThat(store.byteCount()).isEqualTo(cost("b", 1));
  }

  @Test
  void expireForgetsEmptyTopicsOnlyWhenNotInUse() {
    MemoryTopicStore store = store(LOTS, LOTS, 1_000, LOTS, 100);
    store.append("a", X);
    store.append("a", X);
    store.append("b", X);
    store.append("c", X);
    now.addAndGet(1_001);

    store.expire(now.get(), t -> t.equals("a"));

    assertThat(store.topicCount()).isEqualTo(1);
    assertThat(store.lastSeq("a")).isEqualTo(2);
    assertThat(store.lastSeq("b")).isZero();
    assertThat(store.lastSeq("c")).isZero();
    assertThat(store.firstSeq("b")).isEqualTo(1);
    assertThat(store.append("a", X).seq()).isEqualTo(3);
    assertThat(store.append("b", X).seq()).isEqualTo(1); // a forgotten topic starts over
  }

  @Test
  void expireNeverForgetsATopicThatHoldsMessages() {
    MemoryTopicStore store = store(LOTS, LOTS, 1_000, LOTS, 100);
    store.append("a", X);

    store.expire(now.get(), t -> false);

    assertThat(store.topicCount()).isEqualTo(1);
    assertThat(all(store, "a")).containsExactly(1L);
  }

  @Test
  void anEmptyTopicInUseIsForgottenByALaterExpireOnceNotInUse() {
    MemoryTopicStore store = store(LOTS, LOTS, 1_000, LOTS, 100);
    store.append("a", X);
    now.addAndGet(5_000);
    store.expire(now.get(), t -> true);
    assertThat(store.topicCount()).isEqualTo(1);

    store.expire(now.get(), t -> false);

    assertThat(store.topicCount()).isZero();
    assertThat(store.lastSeq("a")).isZero();
    assertThat(store.append("a", X).seq()).isEqualTo(1);
  }

  @Test
  void aTopicThatGetsAMessageAgainIsNoLongerForgettable() {
    MemoryTopicStore store = store(LOTS, LOTS, 1_000, LOTS, 1);
    store.append("a", X);
    now.addAndGet(5_000);
    store.expire(now.get(), t -> true); // a is empty
    store.append("a", X); // and holds a message again

    assertThat(store.append("b", X)).isNull();
    store.expire(now.get(), t -> false);
    assertThat(store.topicCount()).isEqualTo(1);
    assertThat(store.lastSeq("a")).isEqualTo(2);
  }

  @Test
  void countsReturnToZeroWhenEverythingIsEvicted() {
    MemoryTopicStore store = store(3, LOTS, 1_000, LOTS, 100);
    for (int i = 0; i < 50; i++) {
      store.append("t" + (i % 7), Buffer.buffer("[" + i + "]"));
    }
    assertThat(store.messageCount()).isEqualTo(21);

    now.addAndGet(1_001);
    store.expire(now.get(), t -> false);

    assertThat(store.messageCount()).isZero();
    assertThat(store.byteCount()).isZero();
    assertThat(store.topicCount()).isZero();
  }

  // ---------------------------------------------------------------------------------------------------
  // Ring wrap-around and long runs

  @Test
  void readIsRightAfterTheRingHasWrappedManyTimes() {
    MemoryTopicStore store = store(5, LOTS, LOTS, LOTS, 100);
    for (int i = 0; i < 23; i++) {
      store.append("a", X);
    }

    assertThat(all(store, "a")).containsExactly(19L, 20L, 21L, 22L, 23L);
    assertThat(seqs(store, "a", 21, Integer.MAX_VALUE)).containsExactly(21L, 22L, 23L);
    assertThat(store.firstSeq("a")).isEqualTo(19);
  }

  @Test
  void readIsRightAfterTheRingGrows() {
    MemoryTopicStore store = store(100, LOTS, LOTS, LOTS, 100);
    for (int i = 0; i < 137; i++) {
      store.append("a", X);
    }

    assertThat(all(store, "a")).isEqualTo(range(38, 137));
    assertThat(seqs(store, "a", 100, Integer.MAX_VALUE)).isEqualTo(range(100, 137));
  }

  @Test
  void aTopicEmptiedAfterABurstKeepsWorking() {
    MemoryTopicStore store = store(LOTS, LOTS, 1_000, LOTS, 100);
    for (int i = 0; i < 200; i++) {
      store.append("a", X);
    }
    now.addAndGet(1_001);
    store.expire(now.get(), t -> true);
    assertThat(store.messageCount()).isZero();

    for (int i = 0; i < 10; i++) {
      store.append("a", X);
    }

    assertThat(all(store, "a")).isEqualTo(range(201, 210));
    assertThat(store.byteCount()).isEqualTo(LongStream.rangeClosed(201, 210).map(s -> cost("a", s)).sum());
  }

  /**
   * Per-topic eviction leaves entries behind in the store's arrival queue; they must be compacted away, and
   * global eviction must still find the oldest held message behind 99,990 stale ones.
   */
  @Test
  void longRunOfPerTopicEvictionsKeepsCountsAndGlobalOrderRight() {
    int n = 100_000;
    long heldA = LongStream.rangeClosed(n - 9, n).map(s -> cost("a", s)).sum();
    MemoryTopicStore store = store(10, LOTS, LOTS, heldA + cost("b", 1) + cost("b", 2) - 1, 100);

    for (int i = 0; i < n; i++) {
      store.append("a", X);
    }
    assertThat(store.messageCount()).isEqualTo(10);
    assertThat(store.byteCount()).isEqualTo(heldA);
    assertThat(all(store, "a")).isEqualTo(range(n - 9, n));

    store.append("b", X);
    assertThat(store.messageCount()).isEqualTo(11);
    store.append("b", X); // one byte over the total: the oldest held anywhere, a 99991, goes

    assertThat(all(store, "a")).isEqualTo(range(n - 8, n));
    assertThat(all(store, "b")).containsExactly(1L, 2L);
    assertThat(store.messageCount()).isEqualTo(11);
    assertThat(store.byteCount()).isEqualTo(heldA - cost("a", n - 9) + cost("b", 1) + cost("b", 2));
  }

  /**
   * One topic trimming itself evicts the oldest message anywhere, so its arrival entry goes at once: the
   * queue never holds more entries than messages, and is never compacted on the event loop.
   */
  @Test
  void oneBusyTopicLeavesNoStaleArrivalEntries() {
    MemoryTopicStore store = store(10, LOTS, LOTS, LOTS, 100);
    for (int i = 0; i < 50_000; i++) {
      store.append("a", X);
      assertThat(store.arrivalQueueLength()).as("after append %d", i).isEqualTo(store.messageCount());
    }
    assertThat(all(store, "a")).isEqualTo(range(49_991, 50_000));
  }

  /**
   * A busy topic churning through its own limit (leaving thousands of stale arrival entries, so the store
   * compacts them) beside rare ones whose old messages the total limit trims, checked after every append
   * against a plain model: held messages in arrival order, the oldest anywhere evicted first.
   */
  @Test
  void manyAppendsAcrossTopicsMatchASimpleModel() {
    int maxPerTopic = 10;
    long maxTotal = 13 * cost("a", 1); // "a"'s 10 plus two rare messages fit; a third rare one evicts
    String[] schedule = new String[30_000];
    for (int i = 0; i < schedule.length; i++) {
      schedule[i] = i % 1_500 == 0 ? "b" : i % 4_999 == 0 ? "c" : "a";
    }
    MemoryTopicStore store = store(maxPerTopic, LOTS, LOTS, maxTotal, 100);
    java.util.Map<String, java.util.ArrayDeque<Long>> held = new java.util.HashMap<>();
    java.util.Map<String, Long> last = new java.util.HashMap<>();
    java.util.LinkedHashSet<String> arrival = new java.util.LinkedHashSet<>();
    long[] totals = new long[2]; // messages, bytes
    int globalEvictions = 0;

    for (int i = 0; i < schedule.length; i++) {
      String topic = schedule[i];
      long seq = last.merge(topic, 1L, Long::sum);
      assertThat(store.append(topic, X).seq()).isEqualTo(seq);

      java.util.ArrayDeque<Long> ring = held.computeIfAbsent(topic, t -> new java.util.ArrayDeque<>());
      ring.addLast(seq);
      arrival.add(topic + "#" + seq);
      totals[0]++;
      totals[1] += cost(topic, seq);
      while (ring.size() > maxPerTopic) {
        long gone = ring.pollFirst();
        arrival.remove(topic + "#" + gone);
        totals[0]--;
        totals[1] -= cost(topic, gone);
      }
      while (totals[1] > maxTotal && totals[0] > 1) {
        String oldest = arrival.iterator().next();
        arrival.remove(oldest);
        String t = oldest.substring(0, oldest.indexOf('#'));
        long gone = held.get(t).pollFirst();
        assertThat(t + "#" + gone).isEqualTo(oldest);
        globalEvictions++;
        totals[0]--;
        totals[1] -= cost(t, gone);
      }

      assertThat(store.messageCount()).as("messages after append %d", i).isEqualTo(totals[0]);
      assertThat(store.byteCount()).as("bytes after append %d", i).isEqualTo(totals[1]);
      for (String t : held.keySet()) {
        java.util.ArrayDeque<Long> ring2 = held.get(t);
        assertThat(store.firstSeq(t)).as("first seq of %s after append %d", t, i)
            .isEqualTo(ring2.isEmpty() ? last.get(t) + 1 : ring2.peekFirst());
      }
    }
    for (String t : held.keySet()) {
      assertThat(all(store, t)).isEqualTo(List.copyOf(held.get(t)));
    }
    assertThat(globalEvictions).as("the total limit did evict").isGreaterThan(10);
  }

  @Test
  void longRunAcrossManyTopicsThenAgeExpiryEmptiesTheStore() {
    MemoryTopicStore store = store(10, LOTS, 1_000, LOTS, 1_000);
    for (int i = 0; i < 100_000; i++) {
      store.append("t" + (i % 100), X);
    }
    assertThat(store.messageCount()).isEqualTo(1_000);
    assertThat(store.lastSeq("t0")).isEqualTo(1_000);
    assertThat(all(store, "t0")).isEqualTo(range(991, 1_000));

    now.addAndGet(1_001);
    store.expire(now.get(), t -> false);

    assertThat(store.messageCount()).isZero();
    assertThat(store.byteCount()).isZero();
    assertThat(store.topicCount()).isZero();
  }
}
