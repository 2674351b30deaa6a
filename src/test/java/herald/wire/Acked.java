package herald.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** What the crash tests need: publishers that record what was acknowledged, and a full replay to compare it with. */
public final class Acked {

  private Acked() {}

  /** Publishes to {@code topic} until stopped or the connection breaks; records each acknowledged seq's message. */
  public static void publish(int port, String topic, Map<Long, String> acked, AtomicBoolean stop) {
    try (WireClient c = WireClient.connect(port)) {
      int window = 64; // publishes in flight: enough to fill a group commit, few enough to stop promptly
      int sent = 0;
      int answered = 0;
      Map<Integer, String> pending = new ConcurrentHashMap<>();
      while (!stop.get()) {
        while (sent - answered < window) {
          sent++;
          String message = "\"" + topic + "-" + sent + "\"";
          pending.put(sent, message);
          c.send("{\"action\":\"publish\",\"topic\":\"" + topic + "\",\"message\":" + message + ",\"id\":" + sent + "}");
        }
        JsonObject reply = c.next();
        answered++;
        int id = reply.getInteger("id");
        if ("published".equals(reply.getString("status"))) {
          acked.put(reply.getLong("seq"), pending.remove(id));
        }
      }
    } catch (AssertionError | RuntimeException killed) {
      // The node died under us: what was acknowledged is recorded.
    }
  }

  /** The reply with {@code id}, skipping pushed messages of an earlier subscription. */
  public static JsonObject reply(WireClient c, String id) {
    for (int i = 0; i < 100_000; i++) {
      JsonObject f = c.next();
      if (id.equals(f.getValue("id"))) {
        return f;
      }
    }
    throw new AssertionError("no reply " + id);
  }

  /** Subscribes from the earliest message and reads until the log's end, as it was when the reply came. */
  public static Map<Long, String> replayAll(WireClient c, String topic) {
    c.send("{\"action\":\"unsubscribe\",\"topic\":\"" + topic + "\",\"id\":\"u\"}");
    reply(c, "u"); // unsubscribed, or not_subscribed the first time
    c.send("{\"action\":\"topics\",\"pattern\":\"" + topic + "\",\"id\":\"t\"}");
    var listed = reply(c, "t").getJsonArray("topics");
    assertThat(listed).as("topic %s is listed", topic).isNotEmpty();
    long last = listed.getJsonObject(0).getLong("last_seq");
    c.send("{\"action\":\"subscribe\",\"topic\":\"" + topic + "\",\"from\":\"earliest\"}");
    Map<Long, String> stored = new TreeMap<>();
    long seen = 0;
    while (seen < last) {
      JsonObject f = c.next();
      if ("message".equals(f.getString("type"))) {
        long seq = f.getLong("seq");
        assertThat(stored.put(seq, String.valueOf(f.getValue("data") instanceof String s ? "\"" + s + "\""
            : f.getValue("data")))).as("seq %d of %s delivered twice", seq, topic).isNull();
        assertThat(seq).as("in order").isGreaterThan(seen);
        seen = seq;
      }
    }
    return stored;
  }

  /**
   * {@code stored} (a replay) holds every message of {@code acked} at its seq, and runs from seq 1 with no gap to
   * at least the last acknowledged seq.
   */
  public static void assertHeldFromSeqOne(Map<Long, String> stored, Map<Long, String> acked, String topic) {
    long lastAcked = acked.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    assertThat(stored.keySet()).as("seqs of %s", topic).startsWith(1L);
    assertThat(stored.size()).as("%s holds a run of seqs from 1", topic)
        .isEqualTo(((TreeMap<Long, String>) stored).lastKey().intValue());
    assertThat(stored.size()).as("%s holds every acknowledged seq", topic).isGreaterThanOrEqualTo((int) lastAcked);
    acked.forEach((seq, message) -> assertThat(stored.get(seq)).as("%s seq %d", topic, seq).isEqualTo(message));
  }
}
