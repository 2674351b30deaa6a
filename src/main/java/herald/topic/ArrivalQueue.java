package herald.topic;

/**
 * The single-node store's queue of every message in arrival order, as (topic, seq) pairs in two parallel
 * circular arrays: no object per message, so the queue adds nothing to what a young collection copies.
 *
 * @param <T> the store's per-topic record
 */
final class ArrivalQueue<T> {

  /** Tests whether the entry (topic, seq) is stale, i.e. its message is gone. */
  interface Stale<T> {
    boolean test(T topic, long seq);
  }

  private Object[] topics = new Object[16];
  private long[] seqs = new long[16];
  private int head;
  private int size;

  void addLast(T topic, long seq) {
    if (size == topics.length) {
      resize(topics.length * 2);
    }
    int i = (head + size) & (topics.length - 1);
    topics[i] = topic;
    seqs[i] = seq;
    size++;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  @SuppressWarnings("unchecked")
  T firstTopic() {
    return (T) topics[head];
  }

  long firstSeq() {
    return seqs[head];
  }

  void removeFirst() {
    topics[head] = null;
    head = (head + 1) & (topics.length - 1);
    size--;
  }

  /** Removes every stale entry, keeping the order of the others. */
  @SuppressWarnings("unchecked")
  void removeIf(Stale<T> stale) {
    int kept = 0;
    int mask = topics.length - 1;
    for (int k = 0; k < size; k++) {
      int from = (head + k) & mask;
      T topic = (T) topics[from];
      long seq = seqs[from];
      topics[from] = null;
      if (!stale.test(topic, seq)) {
        int to = (head + kept) & mask;
        topics[to] = topic;
        seqs[to] = seq;
        kept++;
      }
    }
    size = kept;
    if (topics.length > 64 && size < topics.length / 4) {
      resize(Math.max(16, Integer.highestOneBit(Math.max(1, size)) * 2));
    }
  }

  private void resize(int capacity) {
    Object[] t = new Object[capacity];
    long[] s = new long[capacity];
    for (int k = 0; k < size; k++) {
      int i = (head + k) & (topics.length - 1);
      t[k] = topics[i];
      s[k] = seqs[i];
    }
    topics = t;
    seqs = s;
    head = 0;
  }
}
