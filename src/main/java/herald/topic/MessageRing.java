package herald.topic;

/**
 * A growable circular array of one topic's messages, indexed by position from the oldest, so a replay
 * from a seq is one subtraction away instead of a scan. Used by the single-node store and, in a cluster, by
 * each topic's {@code herald.cluster.TopicLog}.
 */
public final class MessageRing {

  private StoredMessage[] items = new StoredMessage[4];
  private int head;
  private int size;

  public void addLast(StoredMessage m) {
    if (size == items.length) {
      StoredMessage[] grown = new StoredMessage[items.length * 2];
      for (int i = 0; i < size; i++) {
        grown[i] = get(i);
      }
      items = grown;
      head = 0;
    }
    items[(head + size) % items.length] = m;
    size++;
  }

  public StoredMessage removeFirst() {
    StoredMessage m = items[head];
    items[head] = null;
    head = (head + 1) % items.length;
    size--;
    if (size == 0) {
      head = 0;
      if (items.length > 64) {
        items = new StoredMessage[4]; // an emptied burst should not pin its peak array
      }
    }
    return m;
  }

  public StoredMessage get(int index) {
    return items[(head + index) % items.length];
  }

  public StoredMessage first() {
    return size == 0 ? null : items[head];
  }

  public int size() {
    return size;
  }
}
