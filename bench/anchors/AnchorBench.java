package herald.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * {@code herald bench fanin} and {@code fanout} against the anchors of issue 13, NATS JetStream (file storage)
 * and Redis (a stream, with the AOF), and {@code fanin}, {@code fanout} and {@code latency} against core NATS
 * (issue 15: plain pub/sub, as a two-node cluster), so their figures compare with Herald's: the same selector loop
 * ({@link Loop}, {@link Peer}: this file is compiled against herald.jar into the same package, and never goes
 * into the jar), the same windowed publishers (at most {@code --window} publishes unanswered each, refilled in
 * chunks of an eighth of it, as {@link Publisher} does), the same 64-byte message, and the same figure:
 * deliveries summed over subscribers per second, from the first publish to the last delivery, after an
 * unreported warm-up pass on another stream. A publish counts once the server acknowledged it as stored:
 * <ul>
 *   <li>NATS: {@code PUB subject inbox}; the JetStream PubAck arrives on the inbox once the message is written to
 *       the stream's file (fsync per the server's setting). Subscribers are ephemeral push consumers
 *       ({@code ack_policy none}, flow control answered), so they get what the stream stored, in stream-seq
 *       order, as Herald's subscribers get what the topic log stored.</li>
 *   <li>Redis: {@code XADD key MAXLEN ~ retention * d message}; Redis answers after the command is in the AOF
 *       (written before replies are sent; with {@code appendfsync always}, fsynced too). Subscribers loop on
 *       {@code XREAD COUNT n BLOCK 0 STREAMS key last-id}. Pub/sub ({@code PUBLISH}) would be faster but is
 *       not stored at all, so it is not the durable analogue.</li>
 *   <li>Core NATS ({@code nats-core}): {@code PUB subject}, nothing stored. Nothing answers a PUB either, so each
 *       write of publishes ends with a {@code PING}; its {@code PONG} (the server has read, and routed,
 *       everything before it) answers them for the window, as Herald's {@code published} does. Each message
 *       carries its publisher and number (1, 2, 3...), and subscribers check every publisher's run for gaps and
 *       repeats, as Herald's subscribers check seqs. With {@code --sub-port} the subscribers are on another
 *       server of the cluster; a subscription reaches the other servers a moment after its {@code PONG}, so a
 *       probe connection on the publishers' server publishes probes until every subscriber has had one, and only
 *       then does the pass start. {@code latency} is {@code herald bench latency}'s: one publisher paced by the
 *       clock, each message carrying the nanoTime of its write, the first {@code --warmup-messages} reported
 *       apart; {@code --cpu-pids} reports the servers' CPU over the measured publishes.</li>
 * </ul>
 * Retention: a NATS stream keeps Herald's default, 10,000 messages ({@code max_msgs}); a Redis stream keeps the
 * whole pass (see {@link #redisRetention}).
 *
 * <pre>java -cp target/herald.jar:DIR herald.bench.AnchorBench nats|redis fanin|fanout --port P
 *     [--messages 3000000] [--duration-seconds 30] [--warmup-messages 1000000] [--window 512] [--size 64] [--quiet]
 * java -cp target/herald.jar:DIR herald.bench.AnchorBench nats-core fanin|fanout --port P [--sub-port P2] ...
 * java -cp target/herald.jar:DIR herald.bench.AnchorBench nats-core latency --port P [--sub-port P2] [--rate 10000]
 *     [--messages 100000] [--warmup-messages 100000] [--cpu-pids PID,PID]</pre>
 * Exit status as herald bench's: 0 when every acknowledged message reached every subscriber in order, 1 otherwise,
 * 2 on setup failure.
 */
public final class AnchorBench {

  /** Herald's default retention_max_messages: the anchors keep as many per stream, so trimming costs the same. */
  static final int RETENTION_MESSAGES = 10_000;
  /**
   * Entries per XREAD: a reply of ~100 KB, so a round trip per batch is a small part of its delivery time while a
   * reader still asks again long before the trimming (RETENTION_MESSAGES) catches up with it.
   */
  static final int XREAD_COUNT = 1_000;
  /** The read buffer per subscriber, as Throughput gives Herald's: fewer read calls per delivered message. */
  static final int SUBSCRIBER_READ_BUFFER = 1 << 20;
  static final int PUBLISHER_READ_BUFFER = 64 * 1024;
  /** A core NATS payload starts with the publisher's index (one digit) and the message's number in this many. */
  static final int NUMBER_DIGITS = 19;
  /** Publishers at most in core NATS: the index is one digit. */
  static final int MAX_CORE_PUBLISHERS = 10;
  /** The latency payload: index, number, then the send stamp in as many digits and the phase digit. */
  static final int LATENCY_MIN_SIZE = 1 + 2 * NUMBER_DIGITS + 1;
  /** How often the probe connection publishes while subscriptions spread to the other server. */
  static final long PROBE_INTERVAL_NS = 10_000_000L;

  private final String server;
  private final String name;
  private final int publishers;
  private final int subscribers;
  private final int port;
  private final int subPort;
  private final int rate;
  private final CpuTime cpu;
  private final long messages;
  private final long warmupMessages;
  private final int window;
  private final int size;
  private final int durationSeconds;
  private final int drainSeconds = 5;
  private final boolean quiet;
  private int passes;

  private AnchorBench(String server, String name, int port, int subPort, long messages, long warmupMessages,
      int window, int size, int durationSeconds, int rate, long[] cpuPids, boolean quiet) {
    this.server = server;
    this.name = name;
    this.publishers = name.equals("fanin") ? 4 : 1;
    this.subscribers = name.equals("fanout") ? 4 : 1;
    this.port = port;
    this.subPort = subPort > 0 ? subPort : port;
    this.rate = rate;
    this.cpu = new CpuTime(cpuPids);
    this.messages = messages;
    this.warmupMessages = warmupMessages;
    this.window = window;
    this.size = size;
    this.durationSeconds = durationSeconds;
    this.quiet = quiet;
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 2 || !List.of("nats", "nats-core", "redis").contains(args[0])
        || !List.of("fanin", "fanout", "latency").contains(args[1])
        || args[1].equals("latency") && !args[0].equals("nats-core")) {
      System.err.println("usage: AnchorBench nats|nats-core|redis fanin|fanout --port P [--messages N] [--duration-seconds S]"
          + " [--warmup-messages N] [--window N] [--size N] [--sub-port P2] [--quiet]\n"
          + "       AnchorBench nats-core latency --port P [--sub-port P2] [--rate R] [--messages N] [--warmup-messages N]"
          + " [--cpu-pids PID,PID] [--duration-seconds S] [--quiet]");
      System.exit(2);
    }
    boolean latency = args[1].equals("latency");
    // The defaults of herald bench: fanin/fanout, and latency (herald bench latency).
    long messages = latency ? 100_000 : 3_000_000;
    long warmup = latency ? 100_000 : 1_000_000;
    int port = 0;
    int subPort = 0;
    int window = 512;
    int size = 64;
    int duration = 30;
    int rate = 10_000;
    String cpuPids = "";
    boolean quiet = false;
    for (int i = 2; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--sub-port" -> subPort = Integer.parseInt(args[++i]);
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--cpu-pids" -> cpuPids = args[++i];
        case "--messages" -> messages = Long.parseLong(args[++i]);
        case "--warmup-messages" -> warmup = Long.parseLong(args[++i]);
        case "--window" -> window = Integer.parseInt(args[++i]);
        case "--size" -> size = Integer.parseInt(args[++i]);
        case "--duration-seconds" -> duration = Integer.parseInt(args[++i]);
        case "--quiet" -> quiet = true;
        default -> {
          System.err.println("AnchorBench: unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    if (latency && size < LATENCY_MIN_SIZE) {
      System.err.println("AnchorBench: latency needs --size " + LATENCY_MIN_SIZE + " at least");
      System.exit(2);
    }
    System.exit(new AnchorBench(args[0], args[1], port, subPort, messages, warmup, window, size, duration, rate,
        CpuTime.pids(cpuPids), quiet).run());
  }

  int run() throws IOException {
    if (name.equals("latency")) {
      return latency();
    }
    if (warmupMessages > 0) {
      System.err.printf("%s %s: warm-up pass of %,d publishes (not reported)%n", server, name, warmupMessages);
      if (pass(warmupMessages, true) == 2) {
        return 2;
      }
    }
    return pass(messages, false);
  }

  private int pass(long count, boolean warmup) throws IOException {
    // A fresh stream or key per pass, as Herald's generator takes a fresh topic: numbering starts again at 1.
    String topic = "bench_" + name + "_" + Long.toString(System.currentTimeMillis(), 36) + "_" + (++passes);
    byte[] message = Frames.ascii(Frames.stringOfSize(size));
    List<Sub> subs = new ArrayList<>();
    List<Pub> pubs = new ArrayList<>();
    try (Loop loop = new Loop("127.0.0.1", port, Security.NONE)) {
      if (server.equals("nats")) {
        NatsControl control = new NatsControl(topic);
        control.peer = loop.connect(PUBLISHER_READ_BUFFER, control, null);
        if (!Setup.await(loop, () -> control.answer != null, Setup.SECONDS, "the stream to be created")) {
          return 2;
        }
        if (control.answer.contains("\"error\"")) {
          System.err.println("AnchorBench: creating the stream failed: " + control.answer);
          return 2;
        }
      }
      for (int i = 0; i < subscribers; i++) {
        Sub s = switch (server) {
          case "nats" -> new NatsSub(topic, i);
          case "nats-core" -> new NatsCoreSub(topic, publishers, null);
          default -> new RedisSub(topic, size);
        };
        s.peer = loop.connect(subPort, SUBSCRIBER_READ_BUFFER, s, hello());
        subs.add(s);
      }
      if (!Setup.await(loop, () -> subs.stream().allMatch(s -> s.subscribed), Setup.SECONDS, "subscribers to subscribe")) {
        return 2;
      }
      if (server.equals("nats-core") && !probed(loop, topic, subs)) {
        return 2;
      }
      long base = count / publishers;
      for (int i = 0; i < publishers; i++) {
        long quota = base + (i < count % publishers ? 1 : 0);
        Pub p = switch (server) {
          case "nats" -> new NatsPub(topic, i, message, window, quota);
          case "nats-core" -> new NatsCorePub(topic, i, size, window, quota);
          default -> new RedisPub(topic, redisRetention(count), message, window, quota);
        };
        p.peer = loop.connect(PUBLISHER_READ_BUFFER, p, hello());
        pubs.add(p);
      }
      if (!Setup.ready(loop, Setup.SECONDS)) {
        return 2;
      }

      long start = System.nanoTime();
      long capEnd = start + durationSeconds * 1_000_000_000L;
      long lastAckNs = start;
      long lastDeliveryNs = start;
      long prevAcked = 0;
      long prevDelivered = 0;
      boolean capped = false;
      long drainEnd = Long.MAX_VALUE;
      long nextProgress = start + 1_000_000_000L;
      pubs.forEach(Pub::fill);
      while (true) {
        loop.poll();
        long now = System.nanoTime();
        long acked = 0;
        boolean allAnswered = true;
        boolean sendingOver = true;
        for (Pub p : pubs) {
          p.fill();
          acked += p.answered;
          allAnswered &= p.answered == p.sent || p.peer.closed();
          sendingOver &= p.done() || p.peer.closed();
        }
        long delivered = 0;
        boolean subsGone = true;
        for (Sub s : subs) {
          delivered += s.received;
          subsGone &= s.peer.closed();
        }
        if (acked != prevAcked) {
          lastAckNs = now;
          prevAcked = acked;
        }
        if (delivered != prevDelivered) {
          lastDeliveryNs = now;
          prevDelivered = delivered;
        }
        if (sendingOver && allAnswered && delivered >= acked * subscribers) {
          break;
        }
        if (now >= capEnd && drainEnd == Long.MAX_VALUE) {
          capped = true; // the time cap wins over --messages: stop sending, wait for what is in flight
          pubs.forEach(p -> p.stopped = true);
          drainEnd = now + drainSeconds * 1_000_000_000L;
        }
        if (sendingOver && drainEnd == Long.MAX_VALUE) {
          drainEnd = now + drainSeconds * 1_000_000_000L;
        }
        if (now >= drainEnd || subsGone) {
          break;
        }
        if (now >= nextProgress) {
          nextProgress += 1_000_000_000L;
          if (!quiet) {
            System.err.printf("[%s %s %5.1fs] published=%,d delivered=%,d%n", server, name, (now - start) / 1e9,
                acked, delivered);
          }
        }
      }
      if (warmup) {
        System.err.printf("%s %s: warm-up done, %,d delivered%n", server, name, prevDelivered);
        return 0;
      }
      return report(subs, pubs, start, lastAckNs, lastDeliveryNs, capped);
    }
  }

  /**
   * The stream length Redis keeps: the whole pass. Its readers pull (XREAD), so one that falls more than the
   * retention behind would find entries trimmed that Herald's and NATS's pushed subscribers still get (the
   * broker holds what it pushed): with 10,000, a fan-in reader lost 13 % of a pass in a trial run. Trimming
   * costs Redis about as much either way; holding the pass costs it memory, not measured here.
   */
  private static long redisRetention(long passMessages) {
    return Math.max(RETENTION_MESSAGES, passMessages);
  }

  /** What a connection sends first: NATS greets with INFO and waits for the CONNECT; Redis waits for a command. */
  private byte[] hello() {
    return server.equals("redis") ? Frames.ascii("PING\r\n") : null;
  }

  private int report(List<Sub> subs, List<Pub> pubs, long start, long lastAckNs, long lastDeliveryNs, boolean capped) {
    long sent = pubs.stream().mapToLong(p -> p.sent).sum();
    long errors = pubs.stream().mapToLong(p -> p.errors).sum() + subs.stream().mapToLong(s -> s.errors).sum();
    long published = pubs.stream().mapToLong(p -> p.answered - p.errors).sum();
    long expected = published * subscribers;
    long delivered = subs.stream().mapToLong(s -> s.received).sum();
    long loss = expected - delivered;
    double deliverSecs = Math.max(1e-9, (lastDeliveryNs - start) / 1e9);
    double publishSecs = Math.max(1e-9, (lastAckNs - start) / 1e9);
    boolean ordered = subs.stream().allMatch(Sub::clean);
    long disconnects = subs.stream().filter(s -> s.peer.closed()).count() + pubs.stream().filter(p -> p.peer.closed()).count();
    System.out.printf("%s %s: %d publisher(s) -> %d subscriber(s), %d-byte messages, window %d%s%s%n", server, name,
        publishers, subscribers, size, window, subPort != port
            ? ", publishers on port " + port + ", subscribers on port " + subPort : "",
        capped ? " (stopped by --duration-seconds)" : "");
    System.out.printf("  published      %,d of %,d sent in %.3f s = %,.0f msgs/s%n", published, sent, publishSecs,
        published / publishSecs);
    System.out.printf("  delivered      %,d in %.3f s = %,.0f msgs/s (sum over subscribers)%n", delivered, deliverSecs,
        delivered / deliverSecs);
    System.out.printf("  expected       %,d  loss %,d%n", expected, loss);
    for (int i = 0; i < subs.size(); i++) {
      Sub s = subs.get(i);
      System.out.printf("  subscriber %d   received=%d %s%s%n", i, s.received, s.checked(),
          s.peer.closed() ? " DISCONNECTED: " + s.peer.closedBecause : "");
    }
    for (int i = 0; i < pubs.size(); i++) {
      Pub p = pubs.get(i);
      System.out.printf("  publisher %d    errors=%d%s%s%n", i, p.errors, p.firstError != null ? " first: " + p.firstError : "",
          p.peer.closed() ? " DISCONNECTED: " + p.peer.closedBecause : "");
    }
    System.out.printf("RESULT scenario=%s publishers=%d subscribers=%d size=%d published=%d delivered=%d "
            + "delivered_per_s=%.0f published_per_s=%.0f loss=%d in_order=%s errors=%d disconnects=%d capped=%s "
            + "server=%s%n",
        name, publishers, subscribers, size, published, delivered, delivered / deliverSecs, published / publishSecs,
        loss, ordered, errors, disconnects, capped, server);
    return loss == 0 && ordered && errors == 0 && disconnects == 0 ? 0 : 1;
  }

  // ---- connections ------------------------------------------------------------------------------------------

  /** A connection that may have to write while a write is still going out: small writes queue behind it. */
  abstract static class Conn implements Peer.Lines {
    Peer peer;
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();

    void send(String s) {
      send(s.getBytes(StandardCharsets.US_ASCII));
    }

    void send(byte[] b) {
      queue.add(ByteBuffer.wrap(b));
      flush();
    }

    void flush() {
      while (!peer.busy() && !peer.closed() && !queue.isEmpty()) {
        peer.write(queue.poll(), this::drained);
      }
    }

    /** The socket took everything that was waiting: write what queued meanwhile. */
    void drained() {
      flush();
    }

    boolean idle() {
      return !peer.busy() && queue.isEmpty();
    }
  }

  /** A publisher: {@link Publisher}'s window, over the anchor's own publish frame. */
  abstract static class Pub extends Conn {
    private final byte[] bulk;
    private final int frameBytes;
    private final int window;
    private final int refillAt;
    private final long quota;
    long sent;
    long answered; // acknowledged or refused: either way no longer counted against the window
    long errors;
    String firstError;
    boolean stopped;

    Pub(byte[] frame, int window, long quota) {
      this(frame, window, quota, 0);
    }

    /** @param tailBytes room after the window's frames for what {@link #stage} adds to a write */
    Pub(byte[] frame, int window, long quota, int tailBytes) {
      this.frameBytes = frame.length;
      this.bulk = java.util.Arrays.copyOf(Frames.repeated(frame, window), frame.length * window + tailBytes);
      this.window = window;
      this.refillAt = Math.max(1, window / 8);
      this.quota = quota;
    }

    @Override
    void drained() {
      super.drained();
      fill();
    }

    void fill() {
      if (stopped || !peer.greeted || !idle() || peer.closed()) {
        return;
      }
      long credit = Math.min(window - (sent - answered), quota - sent);
      if (credit <= 0 || (credit < refillAt && sent + credit < quota)) {
        return;
      }
      int bytes = stage(bulk, frameBytes, credit);
      sent += credit;
      peer.write(ByteBuffer.wrap(bulk, 0, bytes), this::drained);
    }

    /**
     * Readies the next {@code credit} publishes (numbered from {@code sent + 1}) at the start of {@code bulk}
     * and says how many bytes to write. The stored anchors' frames are all the same, ready as they are.
     */
    int stage(byte[] bulk, int frameBytes, long credit) {
      return (int) credit * frameBytes;
    }

    boolean done() {
      return sent == quota && answered == sent;
    }

    void refused(String why) {
      answered++;
      errors++;
      if (firstError == null) {
        firstError = why;
      }
    }
  }

  /** A subscriber: counts deliveries and checks that they come in the order the server stored them. */
  abstract static class Sub extends Conn {
    long received;
    long outOfOrder;
    long errors;
    boolean subscribed;

    /** The last message's position in the stream, for the report: a NATS stream seq, a Redis entry id. */
    String last() {
      return "";
    }

    /** Everything came in order (and, where the messages say, with no gap). */
    boolean clean() {
      return outOfOrder == 0;
    }

    /** What the order check found, for the report. */
    String checked() {
      return "last=" + last() + " out_of_order=" + outOfOrder;
    }
  }

  // ---- NATS ---------------------------------------------------------------------------------------------------

  /** Splits NATS input into protocol lines and message payloads; answers the server's PING; greets on INFO. */
  abstract static class NatsConn extends Sub {
    private final int[] tok = new int[16]; // start, end of each token of the current MSG/HMSG line
    private long payloadLeft = -1; // bytes of the current message's payload (with its CRLF) still to come
    private boolean headers;
    private boolean first;
    private boolean connected; // CONNECT sent: a later INFO (a cluster's news) must not set us up twice

    /** What this connection subscribes to and asks once the server has greeted it (before the PING). */
    abstract String setup();

    /** A MSG/HMSG line: tokens in {@code tok}, {@code n} of them; its payload lines follow. */
    abstract void message(byte[] b, int[] tok, int n, boolean headers);

    /** A line of the current message's payload ({@code first}: its first line). */
    void payload(byte[] b, int from, int to, boolean first, boolean headers) {}

    /** The current message's payload has all come. */
    void messageEnd() {}

    @Override
    public void line(Peer p, byte[] b, int from, int to) {
      if (payloadLeft >= 0) {
        payload(b, from, to, first, headers);
        first = false;
        payloadLeft -= to - from + 1;
        if (payloadLeft <= 0) {
          payloadLeft = -1;
          messageEnd();
        }
        return;
      }
      int end = to > from && b[to - 1] == '\r' ? to - 1 : to;
      if (starts(b, from, end, "MSG ") || starts(b, from, end, "HMSG ")) {
        headers = b[from] == 'H';
        int n = 0;
        for (int i = from; i < end && n < tok.length / 2; ) {
          while (i < end && b[i] == ' ') {
            i++;
          }
          int s = i;
          while (i < end && b[i] != ' ') {
            i++;
          }
          if (i > s) {
            tok[2 * n] = s;
            tok[2 * n + 1] = i;
            n++;
          }
        }
        message(b, tok, n, headers);
        payloadLeft = Frames.digits(b, tok[2 * n - 2], tok[2 * n - 1] - tok[2 * n - 2]) + 2;
        first = true;
      } else if (starts(b, from, end, "PING")) {
        send("PONG\r\n");
      } else if (starts(b, from, end, "PONG")) {
        if (!p.greeted) {
          p.greeted = true;
          greeted();
        } else {
          pong();
        }
      } else if (starts(b, from, end, "INFO") && !connected) {
        connected = true;
        send("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}\r\n"
            + setup() + "PING\r\n");
      } else if (starts(b, from, end, "-ERR")) {
        errors++;
        System.err.println("AnchorBench: NATS: " + new String(b, from, end - from, StandardCharsets.US_ASCII));
      }
    }

    /** The server answered the first PING: everything sent with the CONNECT has been processed. */
    void greeted() {}

    /** The server answered a later PING of ours. */
    void pong() {}

    static boolean starts(byte[] b, int from, int to, String s) {
      if (to - from < s.length()) {
        return false;
      }
      for (int i = 0; i < s.length(); i++) {
        if (b[from + i] != s.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    static String text(byte[] b, int from, int to) {
      return new String(b, from, to - from, StandardCharsets.US_ASCII);
    }

    static String pub(String subject, String reply, String body) {
      return "PUB " + subject + " " + reply + " " + body.length() + "\r\n" + body + "\r\n";
    }
  }

  /** Creates the pass's stream: file storage, one replica, Herald's retention. */
  static final class NatsControl extends NatsConn {
    private final String stream;
    String answer;

    NatsControl(String stream) {
      this.stream = stream;
    }

    @Override
    String setup() {
      String config = "{\"name\":\"" + stream + "\",\"subjects\":[\"" + stream + "\"],\"storage\":\"file\","
          + "\"retention\":\"limits\",\"discard\":\"old\",\"max_msgs\":" + RETENTION_MESSAGES + ",\"num_replicas\":1}";
      return "SUB _INBOX.ctl 1\r\n" + pub("$JS.API.STREAM.CREATE." + stream, "_INBOX.ctl", config);
    }

    @Override
    void message(byte[] b, int[] tok, int n, boolean headers) {}

    @Override
    void payload(byte[] b, int from, int to, boolean first, boolean headers) {
      if (first) {
        answer = text(b, from, to).strip();
      }
    }
  }

  /** Publishes to the stream's subject with its own inbox as the reply subject; the PubAck comes there. */
  static final class NatsPub extends Pub {
    private final NatsConn in;
    private boolean refused;

    NatsPub(String stream, int index, byte[] message, int window, long quota) {
      super(Frames.ascii("PUB " + stream + " _INBOX.ack." + index + " " + message.length + "\r\n" + new String(message,
          StandardCharsets.US_ASCII) + "\r\n"), window, quota);
      NatsPub self = this;
      this.in = new NatsConn() {
        @Override
        String setup() {
          return "SUB _INBOX.ack." + index + " 1\r\n";
        }

        @Override
        void message(byte[] b, int[] tok, int n, boolean headers) {
          refused = headers; // a status message (503: no stream) rather than a PubAck
        }

        @Override
        void payload(byte[] b, int from, int to, boolean first, boolean headers) {
          if (first && !headers && indexOf(b, from, to, ERROR) >= 0) {
            refused = true;
            if (firstError == null) {
              firstError = text(b, from, to).strip();
            }
          } else if (first && headers && firstError == null) {
            firstError = text(b, from, to).strip();
          }
        }

        @Override
        void messageEnd() {
          if (refused) {
            self.refused("nats");
          } else {
            answered++;
          }
        }

        @Override
        void send(byte[] b) {
          self.send(b);
        }

        @Override
        void greeted() {
          self.fill();
        }
      };
    }

    @Override
    public void line(Peer p, byte[] b, int from, int to) {
      in.peer = p;
      in.line(p, b, from, to);
    }
  }

  private static final byte[] ERROR = Frames.ascii("\"error\"");

  static int indexOf(byte[] b, int from, int to, byte[] what) {
    outer:
    for (int i = from; i <= to - what.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (b[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /**
   * An ephemeral push consumer of the whole stream, {@code ack_policy none}: the server pushes stored messages as
   * Herald pushes to a subscriber. Flow control is on (the server pauses until its request is answered), as
   * NATS's clients set it for fast push consumers, so a lagging reader is paced rather than cut off.
   */
  static final class NatsSub extends NatsConn {
    private final String stream;
    private final String deliver;
    private long lastSeq;
    private long seq = -1; // the stream seq of the message whose payload is coming, from its ack subject
    private boolean control;

    NatsSub(String stream, int index) {
      this.stream = stream;
      this.deliver = "deliver." + stream + "." + index;
    }

    @Override
    String setup() {
      String config = "{\"stream_name\":\"" + stream + "\",\"config\":{\"deliver_subject\":\"" + deliver + "\","
          + "\"deliver_policy\":\"all\",\"ack_policy\":\"none\",\"replay_policy\":\"instant\","
          + "\"flow_control\":true,\"idle_heartbeat\":5000000000}}";
      return "SUB " + deliver + " 1\r\nSUB _INBOX.sub 2\r\n" + pub("$JS.API.CONSUMER.CREATE." + stream, "_INBOX.sub", config);
    }

    @Override
    String last() {
      return Long.toString(lastSeq);
    }

    @Override
    void message(byte[] b, int[] tok, int n, boolean headers) {
      // MSG subject sid [reply] bytes; HMSG subject sid [reply] header-bytes total-bytes
      boolean hasReply = n == (headers ? 6 : 5);
      control = b[tok[2]] == '_'; // the subject (token 0 is MSG itself): the consumer-create answer's inbox
      seq = -1;
      if (headers) {
        if (hasReply && starts(b, tok[6], tok[7], "$JS.FC.")) {
          send("PUB " + text(b, tok[6], tok[7]) + " 0\r\n\r\n"); // flow control: go on
        }
        return; // heartbeats and flow control carry no message
      }
      if (!control && hasReply) {
        seq = streamSeq(b, tok[6], tok[7]);
      } else if (!control) {
        seq = 0;
      }
    }

    @Override
    void payload(byte[] b, int from, int to, boolean first, boolean headers) {
      if (control && first) {
        if (indexOf(b, from, to, ERROR) >= 0) {
          errors++;
          System.err.println("AnchorBench: creating the consumer failed: " + text(b, from, to));
        } else {
          subscribed = true;
        }
      }
    }

    @Override
    void messageEnd() {
      if (seq < 0) {
        return;
      }
      received++;
      if (seq > 0) {
        if (seq <= lastSeq) {
          outOfOrder++;
        }
        lastSeq = seq;
      }
    }

    /**
     * The stream seq in a JetStream ack subject: {@code $JS.ACK.stream.consumer.delivered.sseq.cseq.ts.pending}
     * (9 tokens), or with domain and account hash before the stream and a token after (12).
     */
    static long streamSeq(byte[] b, int from, int to) {
      int[] dots = new int[16];
      int n = 0;
      for (int i = from; i < to && n < dots.length; i++) {
        if (b[i] == '.') {
          dots[n++] = i;
        }
      }
      int tokens = n + 1;
      int index = tokens == 9 ? 5 : tokens >= 12 ? 7 : -1;
      if (index < 0) {
        return 0;
      }
      int s = dots[index - 1] + 1;
      return Frames.digits(b, s, dots[index] - s);
    }
  }

  // ---- core NATS ----------------------------------------------------------------------------------------------

  /** The first byte of a probe's payload; a message's is its publisher's digit. */
  static final byte PROBE = 'p';

  /**
   * Waits until every subscriber has had a probe published on the publishers' server: only then has that
   * server heard of their subscriptions (core NATS drops what nobody there is known to want). False, with a
   * word on stderr, if that takes longer than {@link Setup#SECONDS}.
   */
  private boolean probed(Loop loop, String subject, List<? extends Sub> subs) throws IOException {
    NatsConn probe = new NatsConn() {
      @Override
      String setup() {
        return "";
      }

      @Override
      void message(byte[] b, int[] tok, int n, boolean headers) {}
    };
    probe.peer = loop.connect(PUBLISHER_READ_BUFFER, probe, null);
    byte[] frame = Frames.ascii("PUB " + subject + " 5\r\nprobe\r\n");
    long end = System.nanoTime() + Setup.SECONDS * 1_000_000_000L;
    long next = 0;
    int probes = 0;
    while (!subs.stream().allMatch(s -> ((NatsCoreSub) s).probed)) {
      long now = System.nanoTime();
      if (now >= end || probe.peer.closed()) {
        System.err.println("AnchorBench: the subscriptions did not reach the publishers' server within "
            + Setup.SECONDS + " s (" + probes + " probes sent)");
        return false;
      }
      if (probe.peer.greeted && now >= next && probe.idle()) {
        probe.send(frame);
        probes++;
        next = now + PROBE_INTERVAL_NS;
      }
      loop.poll();
    }
    return true; // the probe connection stays open, idle, until the pass ends: Setup counts a closed one as a failure
  }

  /** What a core NATS subscriber hands on of each message: its payload line, for a latency stamp. */
  interface Tap {
    void payload(byte[] b, int from, int to);
  }

  /**
   * Subscribes to the subject; checks each publisher's numbers as Herald's subscribers check seqs (1, 2, 3...,
   * no gap, no repeat: core NATS keeps no seq of its own, and one publisher's messages keep their order through
   * a route); probes count for nothing.
   */
  static final class NatsCoreSub extends NatsConn {
    private final String subject;
    private final SeqCheck[] checks;
    private final Tap tap;
    boolean probed;

    NatsCoreSub(String subject, int publishers, Tap tap) {
      this.subject = subject;
      this.tap = tap;
      this.checks = new SeqCheck[publishers];
      for (int i = 0; i < publishers; i++) {
        checks[i] = new SeqCheck();
      }
    }

    @Override
    String setup() {
      return "SUB " + subject + " 1\r\n";
    }

    @Override
    void greeted() {
      subscribed = true; // the PONG after the SUB: this server has it
    }

    @Override
    void message(byte[] b, int[] tok, int n, boolean headers) {}

    @Override
    void payload(byte[] b, int from, int to, boolean first, boolean headers) {
      if (!first || headers) {
        return;
      }
      if (b[from] == PROBE) {
        probed = true;
        return;
      }
      int publisher = b[from] - '0';
      received++;
      if (publisher < 0 || publisher >= checks.length || to - from < 1 + NUMBER_DIGITS) {
        checks[0].seq(-1);
        return;
      }
      checks[publisher].seq(Frames.digits(b, from + 1, NUMBER_DIGITS));
      if (tap != null) {
        tap.payload(b, from, to);
      }
    }

    @Override
    boolean clean() {
      return java.util.Arrays.stream(checks).allMatch(SeqCheck::clean) && errors == 0;
    }

    @Override
    String checked() {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < checks.length; i++) {
        sb.append(i > 0 ? "; " : "").append("publisher ").append(i).append(": ").append(checks[i]);
      }
      return sb.toString();
    }
  }

  /**
   * Plain PUBs, each carrying this publisher's index and the message's number; a PING ends each write, and its
   * PONG answers the write's publishes (see the class comment).
   */
  static final class NatsCorePub extends Pub {
    private static final byte[] PING = Frames.ascii("PING\r\n");
    private final byte[] template;
    private final int numberAt;
    private final ArrayDeque<Long> unanswered = new ArrayDeque<>(); // publishes per PING, oldest first
    private int overwritten = -1; // the frame whose head the last PING went over, restored before the next write
    private final NatsConn in;

    NatsCorePub(String subject, int index, int size, int window, long quota) {
      this(frame(subject, index, size), window, quota);
    }

    private NatsCorePub(byte[] frame, int window, long quota) {
      super(frame, window, quota, PING.length);
      this.template = frame;
      this.numberAt = headLength(frame) + 1; // past the PUB line and the index digit
      NatsCorePub self = this;
      this.in = new NatsConn() {
        @Override
        String setup() {
          return "";
        }

        @Override
        void message(byte[] b, int[] tok, int n, boolean headers) {}

        @Override
        void pong() {
          Long n = unanswered.poll();
          self.answered += n == null ? 0 : n;
        }

        @Override
        void send(byte[] b) {
          self.send(b);
        }
      };
    }

    /** PUB subject size, then the payload: the index digit, a number (set per send), the rest 'x'. */
    static byte[] frame(String subject, int index, int size) {
      if (index >= MAX_CORE_PUBLISHERS || size < 1 + NUMBER_DIGITS) {
        throw new IllegalArgumentException("core NATS: at most " + MAX_CORE_PUBLISHERS + " publishers, --size "
            + (1 + NUMBER_DIGITS) + " at least");
      }
      byte[] payload = Frames.ascii("x".repeat(size));
      payload[0] = (byte) ('0' + index);
      return Frames.ascii("PUB " + subject + " " + size + "\r\n" + new String(payload, StandardCharsets.US_ASCII) + "\r\n");
    }

    /** Bytes of the PUB line, its CRLF included. */
    private static int headLength(byte[] frame) {
      for (int i = 0; i < frame.length; i++) {
        if (frame[i] == '\n') {
          return i + 1;
        }
      }
      throw new IllegalArgumentException("no PUB line");
    }

    @Override
    int stage(byte[] bulk, int frameBytes, long credit) {
      if (overwritten >= 0) {
        System.arraycopy(template, 0, bulk, overwritten * frameBytes, PING.length);
      }
      for (int i = 0; i < credit; i++) {
        Frames.putDigits(bulk, i * frameBytes + numberAt, NUMBER_DIGITS, sent + i + 1);
      }
      System.arraycopy(PING, 0, bulk, (int) credit * frameBytes, PING.length);
      overwritten = (int) credit;
      unanswered.add(credit);
      return (int) credit * frameBytes + PING.length;
    }

    @Override
    public void line(Peer p, byte[] b, int from, int to) {
      in.peer = p;
      in.line(p, b, from, to);
    }
  }

  /**
   * {@code herald bench latency} over core NATS: one publisher on {@code --port}, one subscriber on
   * {@code --sub-port}, publishes paced by the clock ({@link Latency.Pacer}), each payload carrying the
   * nanoTime of its write and its phase (0 warm-up, 1 measured); the subscriber records now minus that.
   */
  private int latency() throws IOException {
    String subject = "bench_latency_" + Long.toString(System.currentTimeMillis(), 36);
    long base = System.nanoTime();
    Histogram[] histograms = {new Histogram(1, 60_000_000_000L, 3), new Histogram(1, 60_000_000_000L, 3)};
    long[] badStamps = new long[1];
    int stampAt = 1 + NUMBER_DIGITS; // in the payload
    Tap record = (b, from, to) -> {
      long now = System.nanoTime() - base;
      long stamp = Frames.digits(b, from + stampAt, NUMBER_DIGITS);
      int phase = b[from + stampAt + NUMBER_DIGITS] - '0';
      if (stamp < 0 || stamp > now || (phase & ~1) != 0) {
        badStamps[0]++;
        return;
      }
      histograms[phase].recordValue(Math.max(1, now - stamp));
    };
    byte[] frame = NatsCorePub.frame(subject, 0, size);
    int payloadAt = frame.length - size - 2;
    ByteBuffer out = ByteBuffer.wrap(frame);
    long total = warmupMessages + messages;
    try (Loop loop = new Loop("127.0.0.1", port, Security.NONE)) {
      NatsCoreSub sub = new NatsCoreSub(subject, 1, record);
      sub.peer = loop.connect(subPort, 256 * 1024, sub, null);
      if (!Setup.await(loop, () -> sub.subscribed, Setup.SECONDS, "the subscriber to subscribe")
          || !probed(loop, subject, List.of(sub))) {
        return 2;
      }
      NatsConn pub = new NatsConn() {
        @Override
        String setup() {
          return "";
        }

        @Override
        void message(byte[] b, int[] tok, int n, boolean headers) {}
      };
      pub.peer = loop.connect(PUBLISHER_READ_BUFFER, pub, null);
      if (!Setup.ready(loop, Setup.SECONDS)) {
        return 2;
      }
      System.err.printf("nats-core latency: the first %,d publishes warm up and are reported apart%n", warmupMessages);

      long periodNs = 1_000_000_000L / rate;
      long start = System.nanoTime();
      long capEnd = start + durationSeconds * 1_000_000_000L;
      long sent = 0;
      long drainEnd = Long.MAX_VALUE;
      boolean capped = false;
      long nextProgress = start + 1_000_000_000L;
      Latency.Pacer pacer = new Latency.Pacer(loop, start, periodNs);
      pacer.start();
      cpu.startAt(start + warmupMessages * periodNs); // when the first measured publish is due
      while (true) {
        loop.await();
        long now = System.nanoTime();
        if (drainEnd == Long.MAX_VALUE) {
          long due = Math.min(total, (now - start) / periodNs + 1);
          while (sent < due && !pub.peer.busy() && !pub.peer.closed()) {
            long t = System.nanoTime();
            int phase = (int) ((warmupMessages - 1 - sent) >>> 63); // 1 once sent >= warmup
            Frames.putDigits(frame, payloadAt + 1, NUMBER_DIGITS, sent + 1);
            Frames.putDigits(frame, payloadAt + stampAt, NUMBER_DIGITS, t - base);
            frame[payloadAt + stampAt + NUMBER_DIGITS] = (byte) ('0' + phase);
            out.clear();
            pub.peer.write(out, null);
            sent++;
            now = t;
          }
          if (sent == total) {
            drainEnd = now + drainSeconds * 1_000_000_000L;
          } else if (now >= capEnd) {
            capped = true;
            drainEnd = now + drainSeconds * 1_000_000_000L;
          }
        }
        if (drainEnd != Long.MAX_VALUE && sub.received >= sent || now >= drainEnd || sub.peer.closed()
            || pub.peer.closed()) {
          break;
        }
        if (now >= nextProgress) {
          nextProgress += 1_000_000_000L;
          if (!quiet) {
            System.err.printf("[nats-core latency %5.1fs] sent=%,d received=%,d%n", (now - start) / 1e9, sent,
                sub.received);
          }
        }
      }
      cpu.end();
      pacer.finish();
      Histogram h = histograms[1];
      long loss = sent - sub.received;
      boolean disconnected = sub.peer.closed() || pub.peer.closed();
      long errors = sub.errors + pub.errors + badStamps[0];
      System.out.printf("nats-core latency: 1 publisher -> 1 subscriber, %d-byte messages at %,d msgs/s%s%s%n", size,
          rate, subPort != port ? ", publisher on port " + port + ", subscriber on port " + subPort : "",
          capped ? " (stopped by --duration-seconds)" : "");
      System.out.printf("  delivered      %,d of %,d sent (warm-up included), loss %,d; subscriber %s%n", sub.received,
          sent, loss, sub.checked());
      System.out.printf("  latency (us)   p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f%n",
          h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
          h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getMean() / 1e3);
      if (histograms[0].getTotalCount() > 0) {
        System.out.printf("  warm-up (us)   p50 %.1f  p99 %.1f  max %.1f over the first %,d deliveries (not in the figures above)%n",
            histograms[0].getValueAtPercentile(50) / 1e3, histograms[0].getValueAtPercentile(99) / 1e3,
            histograms[0].getMaxValue() / 1e3, histograms[0].getTotalCount());
      }
      System.out.printf("  errors         %d%s%s%n", errors, badStamps[0] > 0 ? " (unreadable stamps " + badStamps[0] + ")" : "",
          disconnected ? "; DISCONNECTED: " + sub.peer.closedBecause + ", " + pub.peer.closedBecause : "");
      if (cpu.enabled()) {
        System.out.printf("  server CPU     %s (%% of one core, from the first measured publish to the last delivery)%n",
            cpu.result().strip());
      }
      System.out.printf("RESULT scenario=latency rate=%d size=%d sent=%d measured=%d delivered=%d loss=%d p50_us=%.1f "
              + "p99_us=%.1f p999_us=%.1f max_us=%.1f in_order=%s errors=%d capped=%s server=%s%s%n", rate, size,
          Math.max(0, sent - warmupMessages), h.getTotalCount(), sub.received, loss, h.getValueAtPercentile(50) / 1e3,
          h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, sub.clean(),
          errors, capped, server, cpu.result());
      return loss == 0 && sub.clean() && errors == 0 && !disconnected ? 0 : 1;
    }
  }

  // ---- Redis ----------------------------------------------------------------------------------------------------

  /**
   * Follows RESP replies line by line: arrays (their counts on a stack), bulk strings (their text on the next
   * line), simple strings, errors and integers; calls {@link #reply()} when a whole top-level reply is in.
   */
  abstract static class Resp {
    private final int[] stack = new int[8];
    private int depth;
    private boolean bulkNext;

    void line(byte[] b, int from, int to) {
      int end = to > from && b[to - 1] == '\r' ? to - 1 : to;
      if (bulkNext) {
        bulkNext = false;
        bulk(b, from, end);
        element();
        return;
      }
      switch (b[from]) {
        case '*' -> {
          long n = signed(b, from + 1, end);
          if (n <= 0) {
            element();
          } else {
            stack[depth++] = (int) n;
          }
        }
        case '$' -> {
          if (signed(b, from + 1, end) < 0) {
            element();
          } else {
            bulkNext = true;
          }
        }
        case '-' -> {
          error(new String(b, from, end - from, StandardCharsets.US_ASCII));
          element();
        }
        default -> element(); // +simple or :integer
      }
    }

    private void element() {
      while (depth > 0) {
        if (--stack[depth - 1] > 0) {
          return;
        }
        depth--;
      }
      reply();
    }

    static long signed(byte[] b, int from, int to) {
      return b[from] == '-' ? -Frames.digits(b, from + 1, to - from - 1) : Frames.digits(b, from, to - from);
    }

    void bulk(byte[] b, int from, int to) {}

    void error(String text) {}

    abstract void reply();
  }

  static byte[] resp(String... args) {
    StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
    }
    return Frames.ascii(sb.toString());
  }

  /** XADDs the message with approximate trimming; the reply (the new entry's id) is the acknowledgement. */
  static final class RedisPub extends Pub {
    private boolean failed;
    private final Resp in = new Resp() {
      @Override
      void error(String text) {
        failed = true;
        if (firstError == null) {
          firstError = text;
        }
      }

      @Override
      void reply() {
        if (!peer.greeted) { // the PING's PONG
          peer.greeted = true;
          fill();
        } else if (failed) {
          failed = false;
          refused("redis");
        } else {
          answered++;
        }
      }
    };

    RedisPub(String key, long retention, byte[] message, int window, long quota) {
      super(resp("XADD", key, "MAXLEN", "~", Long.toString(retention), "*", "d",
          new String(message, StandardCharsets.US_ASCII)), window, quota);
    }

    @Override
    public void line(Peer p, byte[] b, int from, int to) {
      if (peer == null) {
        peer = p;
      }
      in.line(b, from, to);
    }
  }

  /**
   * Reads the stream from its start with XREAD BLOCK, asking again with the last id it got as soon as a reply is
   * in. An entry is {@code [id, ["d", message]]}: a bulk that looks like an id ({@code ms-seq}) starts one and the
   * message's bulk (of exactly --size bytes, which neither the key nor "d" is) counts it.
   */
  static final class RedisSub extends Sub {
    private final String key;
    private final int size;
    private long lastMs = -1;
    private long lastSeq = -1;
    private String lastId = "0-0";
    private final Resp in = new Resp() {
      @Override
      void bulk(byte[] b, int from, int to) {
        if (to - from == size) {
          received++;
          return;
        }
        int dash = -1;
        for (int i = from; i < to; i++) {
          byte c = b[i];
          if (c == '-' && dash < 0 && i > from) {
            dash = i;
          } else if (c < '0' || c > '9') {
            return; // the key or the field name
          }
        }
        if (dash < 0 || dash == to - 1) {
          return;
        }
        long ms = Frames.digits(b, from, dash - from);
        long seq = Frames.digits(b, dash + 1, to - dash - 1);
        if (ms < lastMs || ms == lastMs && seq <= lastSeq) {
          outOfOrder++;
        }
        lastMs = ms;
        lastSeq = seq;
        lastId = null; // made from lastMs and lastSeq when the next XREAD goes out
      }

      @Override
      void error(String text) {
        errors++;
        System.err.println("AnchorBench: Redis: " + text);
      }

      @Override
      void reply() {
        if (!subscribed) { // the PING's PONG
          subscribed = true;
          peer.greeted = true;
        }
        if (lastId == null) {
          lastId = lastMs + "-" + lastSeq;
        }
        send(resp("XREAD", "COUNT", Integer.toString(XREAD_COUNT), "BLOCK", "0", "STREAMS", key, lastId));
      }
    };

    @Override
    String last() {
      return lastMs + "-" + lastSeq;
    }

    RedisSub(String key, int size) {
      this.key = key;
      this.size = size;
    }

    @Override
    public void line(Peer p, byte[] b, int from, int to) {
      if (peer == null) {
        peer = p;
      }
      in.line(b, from, to);
    }
  }
}
