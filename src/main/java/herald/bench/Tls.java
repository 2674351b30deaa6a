package herald.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS for one non-blocking {@link Peer}: the JDK's {@link SSLEngine} between the peer's plaintext and its
 * socket. The handshake runs in the selector loop like everything else: whichever of {@link #read} and
 * {@link #write} the loop calls moves it on, and a write made before it ends waits, unwrapped, until it has.
 * Used only from the loop's thread; the engine's delegated tasks (certificate checks) run inline.
 */
final class Tls {

  /** What {@link #advance} wraps: no application data (shared, it never changes). */
  private static final ByteBuffer NOTHING = ByteBuffer.allocate(0).asReadOnlyBuffer();
  /**
   * Records of ciphertext per socket read or write: a 512-frame window of publishes is about 50 KB, so it
   * goes out in one write, and a subscriber reads a broker's burst in few reads, as on the plaintext path.
   */
  private static final int RECORDS_PER_IO = 4;

  private final SSLEngine engine;
  private final SocketChannel channel;
  private final int packetBytes;
  private final int recordBytes;
  private final ByteBuffer netIn; // ciphertext read from the socket, not yet unwrapped (filling)
  private final ByteBuffer netOut; // ciphertext wrapped, not yet written to the socket (filling)
  private boolean unreadRecords; // the last unwrap stopped at a full plaintext buffer, not at the end of netIn
  private boolean eof;

  Tls(SSLContext context, String host, int port, SocketChannel channel) throws SSLException {
    this.engine = context.createSSLEngine(host, port);
    this.channel = channel;
    engine.setUseClientMode(true);
    SSLParameters params = engine.getSSLParameters();
    params.setProtocols(Pem.PROTOCOLS);
    // Check the broker's certificate names the host we dialled, as any client must; it costs once per connection.
    params.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(params);
    this.packetBytes = engine.getSession().getPacketBufferSize();
    this.recordBytes = engine.getSession().getApplicationBufferSize();
    this.netIn = ByteBuffer.allocate(packetBytes * RECORDS_PER_IO);
    this.netOut = ByteBuffer.allocate(packetBytes * RECORDS_PER_IO);
    engine.beginHandshake();
  }

  /** The least plaintext buffer room that always holds one record: a peer's read buffer is at least this. */
  int recordBytes() {
    return recordBytes; // the session's figure before the handshake: the largest any protocol version needs
  }

  /**
   * Reads what the socket has and unwraps every complete record into {@code dst}, answering the handshake
   * on the way. Returns the plaintext bytes added, or -1 once the broker closed and nothing is left.
   */
  int read(ByteBuffer dst) throws IOException {
    if (!eof && channel.read(netIn) < 0) {
      eof = true;
    }
    int n = unwrap(dst);
    return n == 0 && (eof || engine.isInboundDone()) && !unreadRecords ? -1 : n;
  }

  /**
   * True when records already taken off the socket wait for room in the plaintext buffer: the selector will
   * not report them again, so the peer must call {@link #unwrap} once it has consumed what it has.
   */
  boolean unreadRecords() {
    return unreadRecords;
  }

  /** Unwraps records already read into {@code dst}; returns the plaintext bytes added. */
  int unwrap(ByteBuffer dst) throws IOException {
    int before = dst.position();
    unreadRecords = false;
    netIn.flip();
    try {
      while (netIn.hasRemaining()) {
        SSLEngineResult r = engine.unwrap(netIn, dst);
        handshake();
        switch (r.getStatus()) {
          case BUFFER_UNDERFLOW, CLOSED -> {
            return dst.position() - before; // a partial record: the rest comes with a later read
          }
          case BUFFER_OVERFLOW -> {
            unreadRecords = true;
            return dst.position() - before;
          }
          case OK -> {
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
              return dst.position() - before; // the handshake must send before it can read on
            }
          }
        }
      }
      return dst.position() - before;
    } finally {
      netIn.compact();
      flush(); // what the handshake answered
    }
  }

  /**
   * Wraps {@code src} and writes as much ciphertext as the socket takes now. Returns true once all of
   * {@code src}, and everything wrapped before, is on the socket; false while the socket is full ({@link
   * #wantsWritable}) or the handshake waits for the broker (a later {@link #read} moves it on).
   */
  boolean write(ByteBuffer src) throws IOException {
    while (true) {
      if (engine.isOutboundDone()) {
        throw new SSLException("the TLS session is closed");
      }
      handshake();
      if (!flush()) {
        return false;
      }
      HandshakeStatus hs = engine.getHandshakeStatus();
      if (hs == HandshakeStatus.NEED_WRAP) {
        continue; // it had no room to wrap before the flush
      }
      if (hs != HandshakeStatus.NOT_HANDSHAKING && hs != HandshakeStatus.FINISHED) {
        return false; // the broker's turn
      }
      if (!src.hasRemaining()) {
        return true;
      }
      while (src.hasRemaining() && netOut.remaining() >= packetBytes) {
        engine.wrap(src, netOut);
        if (engine.isOutboundDone()) {
          throw new SSLException("the TLS session is closed");
        }
      }
    }
  }

  /** The protocol and cipher suite agreed, e.g. TLSv1.3/TLS_AES_256_GCM_SHA384, for the report. */
  String agreed() {
    return engine.getSession().getProtocol() + "/" + engine.getSession().getCipherSuite();
  }

  /** Moves the handshake on and writes what is wrapped; true when nothing waits for the socket or the broker. */
  boolean advance() throws IOException {
    return write(NOTHING);
  }

  /** True while wrapped bytes wait for the socket to take them. */
  boolean wantsWritable() {
    return netOut.position() > 0;
  }

  /** Runs the engine's tasks and wraps what the handshake has to send, as far as it can without the broker. */
  private void handshake() throws IOException {
    while (true) {
      switch (engine.getHandshakeStatus()) {
        case NEED_TASK -> {
          Runnable task;
          while ((task = engine.getDelegatedTask()) != null) {
            task.run();
          }
        }
        case NEED_WRAP -> {
          if (netOut.remaining() < packetBytes && !flush()) {
            return; // the socket is full: wrapped once it is writable
          }
          if (engine.wrap(NOTHING, netOut).getStatus() == SSLEngineResult.Status.CLOSED) {
            return;
          }
        }
        default -> {
          return; // NEED_UNWRAP: the broker's turn; or not handshaking
        }
      }
    }
  }

  /** Writes wrapped bytes; true when none are left. */
  private boolean flush() throws IOException {
    if (netOut.position() == 0) {
      return true;
    }
    netOut.flip();
    try {
      channel.write(netOut);
    } finally {
      netOut.compact();
    }
    return netOut.position() == 0;
  }
}
