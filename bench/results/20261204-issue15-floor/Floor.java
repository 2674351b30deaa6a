import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor under issue 15's latency and CPU targets: the least work any design does that answers a
 * publish only once a second node holds the message, and delivers it on that second node. Two Vert.x
 * processes, one event loop each (so no write is handed to another thread), fixed 80-byte frames, one copy of a
 * frame per hop: no JSON, no Hazelcast, no locks.
 *
 *   generator --M--> A --R--> B            (B holds it; with HOPS=3, B also delivers it now)
 *   generator <--K-- A <--K-- B
 *                    A --P--> B --M--> subscriber   (HOPS=4: A pushes after the ack, as Herald does)
 *
 * HOPS=2 is the same path without replication: A forwards to B and answers at once (a NATS route).
 *
 * NATIVE=1 uses Netty's native epoll transport instead of NIO (floor.sh puts its jars on the class path).
 * DISK=1 makes both nodes write() each frame to a file (no fsync), as Herald's owner and backup do.
 * Usage (from the repository root; herald.jar carries Vert.x):
 *   java -cp target/herald.jar Floor.java b PORT_FROM_A PORT_FOR_SUBSCRIBER HOPS DISK_DIR|-
 *   java -cp target/herald.jar Floor.java a PORT_FOR_PUBLISHER B_PORT HOPS DISK_DIR|-
 *   java -cp target/herald.jar Floor.java gen A_PORT B_SUB_PORT RATE WARMUP MESSAGES PID,PID
 */
public class Floor {
  /** Held: Vert.x 5 closes a NetClient the GC finds unreferenced (CleanableNetClient), and its connections with it. */
  static NetClient client;
  static final int FRAME = 80; // kind (1), id (8), stamp (8), padding: about a Herald message frame of 64 B data

  public static void main(String[] a) throws Exception {
    switch (a[0]) {
      case "a" -> nodeA(Integer.parseInt(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]), a[4]);
      case "b" -> nodeB(Integer.parseInt(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]), a[4]);
      case "gen" -> gen(Integer.parseInt(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]),
          Integer.parseInt(a[4]), Integer.parseInt(a[5]), a[6]);
      default -> throw new IllegalArgumentException(a[0]);
    }
  }

  /** Netty's native epoll transport when the system property native is true and its jars are on the class path. */
  static Vertx vertx() {
    boolean nativeTransport = Boolean.getBoolean("native");
    // One event loop: every socket of the node on one thread, so a write to another socket is never handed over
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(nativeTransport));
    if (nativeTransport && !vertx.isNativeTransportEnabled()) throw new IllegalStateException("no native transport");
    return vertx;
  }

  static FileChannel log(String dir, String name) throws Exception {
    if (dir.equals("-")) return null;
    return FileChannel.open(Path.of(dir, name), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
  }

  static void write(FileChannel log, Buffer frame) {
    if (log == null) return;
    try {
      log.write(ByteBuffer.wrap(frame.getBytes()));
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  static Buffer kind(Buffer frame, char kind) {
    Buffer copy = frame.copy();
    copy.setByte(0, (byte) kind);
    return copy;
  }

  /** The second node: holds (writes) each replicated frame, acknowledges it, and delivers what is pushed. */
  static void nodeB(int fromA, int forSub, int hops, String dir) throws Exception {
    Vertx vertx = vertx();
    FileChannel log = log(dir, "b.log");
    NetSocket[] sub = new NetSocket[1];
    vertx.createNetServer().connectHandler(s -> sub[0] = s).listen(forSub, "127.0.0.1").await();
    vertx.createNetServer().connectHandler(s -> s.handler(RecordParser.newFixed(FRAME, frame -> {
      switch (frame.getByte(0)) {
        case 'R' -> {
          write(log, frame);
          if (hops == 3) sub[0].write(kind(frame, 'M'));
          s.write(kind(frame, 'K'));
        }
        case 'P' -> sub[0].write(kind(frame, 'M'));
        default -> throw new IllegalStateException();
      }
    }))).listen(fromA, "127.0.0.1").await();
    System.out.println("ready");
  }

  /** The first node: writes each published frame, replicates it, and answers once the second node holds it. */
  static void nodeA(int forPub, int bPort, int hops, String dir) throws Exception {
    Vertx vertx = vertx();
    FileChannel log = log(dir, "a.log");
    client = vertx.createNetClient();
    NetSocket b = client.connect(bPort, "127.0.0.1").await();
    NetSocket[] pub = new NetSocket[1];
    b.handler(RecordParser.newFixed(FRAME, ack -> {
      pub[0].write(ack); // the publisher's acknowledgement
      if (hops == 4) b.write(kind(ack, 'P'));
    }));
    vertx.createNetServer().connectHandler(s -> {
      pub[0] = s;
      s.handler(RecordParser.newFixed(FRAME, frame -> {
        write(log, frame);
        if (hops == 2) { // no replication: forward and answer at once, as a NATS route does
          b.write(kind(frame, 'P'));
          s.write(kind(frame, 'K'));
        } else {
          b.write(kind(frame, 'R'));
        }
      }));
    }).listen(forPub, "127.0.0.1").await();
    System.out.println("ready");
  }

  static long cpuTicks(String pids) throws Exception {
    long t = 0;
    for (String p : pids.split(",")) {
      String stat = Files.readString(Path.of("/proc", p, "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      t += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
    }
    return t;
  }

  /** Publisher and subscriber in one process, paced by schedule (not by replies), as `herald bench latency`. */
  static void gen(int aPort, int subPort, int rate, int warmup, int messages, String pids) throws Exception {
    Socket sub = new Socket("127.0.0.1", subPort);
    sub.setTcpNoDelay(true);
    sub.setSoTimeout(30_000); // a lost frame ends the run with an error instead of a hang
    Thread.sleep(200);
    Socket pub = new Socket("127.0.0.1", aPort);
    pub.setTcpNoDelay(true);
    pub.setSoTimeout(30_000);
    int total = warmup + messages;
    long[] lat = new long[messages];
    long base = System.nanoTime();
    Thread reader = new Thread(() -> {
      try (DataInputStream in = new DataInputStream(sub.getInputStream())) {
        byte[] f = new byte[FRAME];
        for (int i = 0; i < total; i++) {
          in.readFully(f);
          ByteBuffer bb = ByteBuffer.wrap(f);
          long id = bb.getLong(1), stamp = bb.getLong(9);
          if (id != i) throw new IllegalStateException("got " + id + " expected " + i);
          if (id >= warmup) lat[(int) id - warmup] = System.nanoTime() - base - stamp;
        }
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    Thread acks = new Thread(() -> {
      try (DataInputStream in = new DataInputStream(pub.getInputStream())) {
        byte[] f = new byte[FRAME];
        for (int i = 0; i < total; i++) in.readFully(f);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    Thread.UncaughtExceptionHandler fail = (t, e) -> {
      e.printStackTrace();
      System.exit(1);
    };
    reader.setUncaughtExceptionHandler(fail);
    acks.setUncaughtExceptionHandler(fail);
    reader.start();
    acks.start();
    long period = 1_000_000_000L / rate, start = System.nanoTime();
    long cpu0 = 0, t0 = 0;
    OutputStream out = pub.getOutputStream();
    ByteBuffer frame = ByteBuffer.allocate(FRAME);
    for (int i = 0; i < total; i++) {
      long due = start + i * period, wait = due - System.nanoTime();
      if (wait > 0) LockSupport.parkNanos(wait);
      if (i == warmup) {
        cpu0 = cpuTicks(pids);
        t0 = System.nanoTime();
      }
      frame.clear();
      frame.put((byte) 'M').putLong(i).putLong(System.nanoTime() - base);
      out.write(frame.array());
    }
    reader.join();
    acks.join();
    double secs = (System.nanoTime() - t0) / 1e9, cpu = (cpuTicks(pids) - cpu0) / 100.0 / secs * 100;
    Arrays.sort(lat);
    System.out.printf("RESULT rate=%d messages=%d p50_us=%.0f p99_us=%.0f p999_us=%.0f cpu_pct=%.1f%n", rate,
        messages, lat[messages / 2] / 1e3, lat[messages * 99 / 100] / 1e3, lat[messages * 999 / 1000] / 1e3, cpu);
    System.exit(0);
  }
}
