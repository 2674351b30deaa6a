package herald.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * A single-threaded selector loop over every connection of a scenario. One thread is all the generator
 * gets (it is pinned to one core), and one thread avoids any locking on the counters.
 */
final class Loop implements AutoCloseable {

  private final Selector selector;
  private final String host;
  private final int port;
  private final Security security;
  private final List<Peer> peers = new ArrayList<>();

  Loop(String host, int port, Security security) throws IOException {
    this.selector = Selector.open();
    this.host = host;
    this.port = port;
    this.security = security;
  }

  /**
   * Connects (blocking: the kernel completes loopback TCP handshakes at once; a TLS handshake then runs in
   * the loop) and registers a new peer, which sends {@code auth} first when the options ask for it, then
   * {@code first} (a request, or null). Replies come in request order, so pipelining them is safe.
   */
  Peer connect(int readBufferBytes, Peer.Lines lines, byte[] first) throws IOException {
    return connect(port, readBufferBytes, lines, first);
  }

  /** The same, to another port of the same host (a subscriber on another node of a cluster). */
  Peer connect(int port, int readBufferBytes, Peer.Lines lines, byte[] first) throws IOException {
    SocketChannel ch = SocketChannel.open();
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    ch.connect(new InetSocketAddress(host, port));
    SSLContext context = security.sslContext();
    Tls tls = context == null ? null : new Tls(context, host, port, ch);
    Peer p = new Peer(peers.size(), selector, ch, tls, readBufferBytes, lines);
    peers.add(p);
    byte[] auth = security.authFrame();
    byte[] requests = auth == null ? first : first == null ? auth : concat(auth, first);
    p.sentAuth = auth != null;
    if (requests != null) {
      p.write(ByteBuffer.wrap(requests), null);
    }
    return p;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] ab = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, ab, a.length, b.length);
    return ab;
  }

  List<Peer> peers() {
    return peers;
  }

  /** Handles whatever is ready, waiting at most one millisecond so callers can keep time. */
  void poll() throws IOException {
    handle(selector.select(1));
  }

  /** Sleeps until something is ready or {@link #wakeup} is called, then handles whatever is ready. */
  void await() throws IOException {
    handle(selector.select());
  }

  /** Ends an {@link #await} now, or the next one at once; safe from any thread. */
  void wakeup() {
    selector.wakeup();
  }

  private void handle(int n) throws IOException {
    if (n == 0) {
      return;
    }
    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
    while (it.hasNext()) {
      SelectionKey k = it.next();
      it.remove();
      Peer p = (Peer) k.attachment();
      if (!k.isValid()) {
        continue;
      }
      if (k.isReadable()) {
        p.readable();
      }
      if (k.isValid() && k.isWritable()) {
        p.writable();
      }
    }
  }

  @Override
  public void close() throws IOException {
    for (Peer p : peers) {
      if (!p.closed()) {
        p.close("bench finished");
      }
    }
    selector.close();
  }
}
