package herald.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A test client that speaks the wire protocol with a plain blocking socket, so tests read as transcripts:
 * send this line, expect that frame. Every read has a timeout, so a missing frame fails the test instead
 * of hanging it.
 */
public final class WireClient implements AutoCloseable {

  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final JsonObject greeting;

  private WireClient(Socket socket) throws IOException {
    this(socket, true);
  }

  private WireClient(Socket socket, boolean readGreeting) throws IOException {
    this.socket = socket;
    this.socket.setSoTimeout((int) TIMEOUT.toMillis());
    this.socket.setTcpNoDelay(true);
    this.in = new java.io.BufferedInputStream(socket.getInputStream(), 65_536);
    this.out = socket.getOutputStream();
    this.greeting = readGreeting ? next() : null;
    if (readGreeting) {
      assertThat(greeting.getString("status")).as("greeting %s", greeting).isEqualTo("connected");
    }
  }

  /** Wraps a connected socket (a TLS one, say) and reads the greeting. */
  public static WireClient over(Socket socket) {
    try {
      return new WireClient(socket);
    } catch (IOException e) {
      throw new AssertionError("cannot use " + socket, e);
    }
  }

  /** Wraps a connected socket without reading anything: for connections the broker refuses instead of greeting. */
  public static WireClient unGreeted(Socket socket) {
    try {
      return new WireClient(socket, false);
    } catch (IOException e) {
      throw new AssertionError("cannot use " + socket, e);
    }
  }

  /** Connects to 127.0.0.1 without reading the greeting. */
  public static WireClient connectUnGreeted(int port) {
    try {
      return unGreeted(new Socket("127.0.0.1", port));
    } catch (IOException e) {
      throw new AssertionError("cannot connect to 127.0.0.1:" + port, e);
    }
  }

  /** Connects and reads the greeting. */
  public static WireClient connect(int port) {
    try {
      return new WireClient(new Socket("127.0.0.1", port));
    } catch (IOException e) {
      throw new AssertionError("cannot connect to 127.0.0.1:" + port, e);
    }
  }

  /** Connects to {@code host} and reads the greeting. */
  public static WireClient connect(String host, int port) {
    try {
      return new WireClient(new Socket(host, port));
    } catch (IOException e) {
      throw new AssertionError("cannot connect to " + host + ":" + port, e);
    }
  }

  /** Connects with a small receive buffer and reads nothing after the greeting unless asked. */
  public static WireClient connectWithReceiveBuffer(int port, int bytes) {
    try {
      Socket s = new Socket();
      s.setReceiveBufferSize(bytes);
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
      return new WireClient(s);
    } catch (IOException e) {
      throw new AssertionError("cannot connect to 127.0.0.1:" + port, e);
    }
  }

  public JsonObject greeting() {
    return greeting;
  }

  /**
   * Sends one frame; the newline is added. Single quotes become double quotes, so tests can write
   * {@code send("{'action':'ping'}")}; use {@link #sendRaw} for exact bytes.
   */
  public WireClient send(String frame) {
    return sendRaw((json(frame) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** {@code 'x'} to {@code "x"}: lets frames in tests be written without escaping. */
  public static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  /** Sends bytes exactly as given, in one write. */
  public WireClient sendRaw(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new AssertionError("send failed", e);
    }
  }

  /** Reads the next frame. */
  public JsonObject next() {
    String line = nextLine();
    if (line == null) {
      fail("connection closed while a frame was expected");
    }
    try {
      return new JsonObject(line);
    } catch (RuntimeException e) {
      throw new AssertionError("broker sent a line that is not a JSON object: " + line, e);
    }
  }

  /**
   * Reads the next frame, or returns null once the connection has ended. A connection the broker cut off
   * hard may end in the middle of a frame; that partial frame counts as the end too.
   */
  public JsonObject nextOrNull() {
    try {
      String line = nextLine();
      return line == null ? null : new JsonObject(line);
    } catch (AssertionError e) {
      if (e.getMessage() != null && e.getMessage().startsWith("connection closed mid-line")) {
        return null;
      }
      throw e;
    }
  }

  /** The next frame, or null if none arrives within {@code d} (a timeout is not a failure here). */
  public JsonObject poll(Duration d) {
    boolean arrived = within(d, () -> {
      in.mark(1);
      if (in.read() == -1) {
        fail("connection closed while polling for a frame");
      }
      in.reset();
    });
    return arrived ? next() : null;
  }

  /** Reads the next frame and asserts it equals {@code json} exactly (field order aside). */
  public JsonObject expect(String json) {
    JsonObject frame = next();
    assertThat(frame).isEqualTo(new JsonObject(json(json)));
    return frame;
  }

  /** Reads the next frame and asserts it is an error with {@code code}. */
  public JsonObject expectError(String code) {
    JsonObject frame = next();
    assertThat(frame.getString("status")).as("frame %s", frame).isEqualTo("error");
    assertThat(frame.getString("error")).as("frame %s", frame).isEqualTo(code);
    assertThat(frame.getString("detail")).as("frame %s", frame).isNotBlank();
    return frame;
  }

  /** Asserts the broker closes the connection (EOF or reset) before any further frame. */
  public void expectClosed() {
    String line = nextLine();
    assertThat(line).as("expected the connection to close").isNull();
  }

  /** Asserts the broker closes the connection within {@code d}, which may exceed the usual read timeout. */
  public void expectClosedWithin(Duration d) {
    assertThat(within(d, this::expectClosed)).as("expected the connection to close within %s", d).isTrue();
  }

  /** Asserts nothing arrives within {@code d}. */
  public void expectNothing(Duration d) {
    boolean arrived = within(d, () -> {
      int b = in.read(); // a buffered frame counts too: BufferedInputStream returns it at once
      fail("expected silence, got byte " + b + (b == -1 ? " (closed)" : ""));
    });
    assertThat(arrived).as("silence for %s", d).isFalse();
  }

  private interface Read {
    void run() throws IOException;
  }

  /** Runs {@code read} with a read timeout of {@code d}; false if it timed out. The usual timeout is restored. */
  private boolean within(Duration d, Read read) {
    try {
      socket.setSoTimeout((int) d.toMillis());
      read.run();
      return true;
    } catch (SocketTimeoutException timedOut) {
      return false;
    } catch (IOException e) {
      throw new AssertionError(e);
    } finally {
      try {
        socket.setSoTimeout((int) TIMEOUT.toMillis());
      } catch (SocketException ignored) {
        // closed
      }
    }
  }

  /** Closes with a TCP reset instead of a FIN: the abrupt disconnect of a crashed client. */
  public void abort() {
    try {
      socket.setSoLinger(true, 0);
      socket.close();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /** A line without its newline, or null at end of stream or on reset. */
  private String nextLine() {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    try {
      while (true) {
        int b = in.read();
        if (b == -1) {
          return line.size() == 0 ? null : fail("connection closed mid-line: " + line);
        }
        if (b == '\n') {
          return line.toString(StandardCharsets.UTF_8);
        }
        line.write(b);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no frame within " + socket.getClass().getSimpleName() + " timeout; partial: " + line);
    } catch (SocketException e) {
      return null; // reset by the broker
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
