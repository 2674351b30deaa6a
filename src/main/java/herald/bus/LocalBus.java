package herald.bus;

import io.netty.channel.EventLoop;
import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Carries {@link LocalMessage}s between the verticles of one node. A message for a verticle on another event
 * loop goes over the Vert.x event bus, as before; one for a verticle on the sender's own event loop skips
 * it: it is queued in that loop's {@link Mailbox} and handed over in a task of its own, right after the
 * sender's handler returns.
 *
 * <p><b>Why.</b> A publish crosses two hops (connection to topics, topics to connections). Over the event
 * bus each costs a message object, delivery contexts, a promise and a task; at 10,000 messages a second that
 * was about a tenth of the broker's allocation, and allocation is what sets how often the young generation
 * is collected (docs/benchmarks.md). On one core every verticle shares the one event loop, so every hop
 * takes the short path; on more cores the verticles that share a loop do.
 *
 * <p><b>Same guarantees as the event bus.</b> Delivery is asynchronous (never inside the sender's call, so
 * no handler is re-entered), in the order sent, and on the receiver's own context, so the confinement rules
 * of docs/architecture.md are unchanged. A handler that throws is reported to its context and the next
 * message is still delivered.
 */
public final class LocalBus {

  private static final Map<Vertx, LocalBus> BUSES = Collections.synchronizedMap(new WeakHashMap<>());

  private final Vertx vertx;
  private final Map<String, Receiver> direct = new ConcurrentHashMap<>();
  private final Map<EventLoop, Mailbox> mailboxes = new ConcurrentHashMap<>();

  private LocalBus(Vertx vertx) {
    this.vertx = vertx;
    LocalCodec.register(vertx.eventBus());
  }

  /** The node's bus: one per Vert.x instance. */
  public static LocalBus of(Vertx vertx) {
    return BUSES.computeIfAbsent(vertx, LocalBus::new);
  }

  /**
   * Makes {@code handler} the receiver of {@code address}, on the caller's context: call it from the
   * verticle's {@code start()}.
   */
  @SuppressWarnings("unchecked")
  public <T extends LocalMessage> Registration receive(String address, Handler<T> handler) {
    ContextInternal context = ContextInternal.current();
    if (context == null || !context.isEventLoopContext()) {
      throw new IllegalStateException("register local receivers from an event-loop verticle's start()");
    }
    EventLoop loop = context.nettyEventLoop();
    Handler<Object> untyped = m -> handler.handle((T) m);
    Receiver receiver = new Receiver(context, untyped, mailboxes.computeIfAbsent(loop, Mailbox::new));
    MessageConsumer<T> consumer = vertx.eventBus().localConsumer(address, m -> handler.handle(m.body()));
    direct.put(address, receiver);
    Registration registration = new Registration(address, receiver, consumer);
    // Undeploying the verticle ends the event-bus consumer by itself; this ends the direct path with it.
    context.addCloseHook(registration);
    return registration;
  }

  /**
   * Sends {@code message} to the receiver of {@code address}. With no receiver it is dropped: that happens
   * only while a node stops (a connection closed after the topic verticle was undeployed reports that it is
   * gone to no one), and the event bus would log every such message as a warning.
   */
  public void send(String address, LocalMessage message) {
    Receiver r = direct.get(address);
    if (r == null) {
      return;
    }
    if (r.mailbox.loop.inEventLoop()) {
      r.mailbox.post(r, message);
    } else {
      vertx.eventBus().send(address, message);
    }
  }

  /** A receiver's registration; {@link #unregister()} ends both paths. */
  public final class Registration implements Closeable {
    private final String address;
    private final Receiver receiver;
    private final MessageConsumer<?> consumer;

    private Registration(String address, Receiver receiver, MessageConsumer<?> consumer) {
      this.address = address;
      this.receiver = receiver;
      this.consumer = consumer;
    }

    public Future<Void> completion() {
      return consumer.completion();
    }

    public Future<Void> unregister() {
      receiver.context.removeCloseHook(this);
      direct.remove(address, receiver);
      return consumer.unregister();
    }

    @Override
    public void close(Completable<Void> completion) {
      direct.remove(address, receiver);
      completion.succeed();
    }
  }

  private record Receiver(ContextInternal context, Handler<Object> handler, Mailbox mailbox) {}

  /**
   * The messages waiting for receivers on one event loop. Touched only by that loop's thread: {@link #send}
   * posts here only when called on it.
   */
  private static final class Mailbox implements Runnable {
    private final EventLoop loop;
    /** Receiver, message, receiver, message...: no wrapper object per message. */
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private boolean scheduled;

    Mailbox(EventLoop loop) {
      this.loop = loop;
    }

    void post(Receiver receiver, Object message) {
      queue.addLast(receiver);
      queue.addLast(message);
      if (!scheduled) {
        scheduled = true;
        loop.execute(this);
      }
    }

    @Override
    public void run() {
      // Messages posted by the handlers run here are delivered in this same pass, in order.
      try {
        while (!queue.isEmpty()) {
          Receiver r = (Receiver) queue.pollFirst();
          Object message = queue.pollFirst();
          r.context.dispatch(message, r.handler); // reports a handler's exception to its context
        }
      } finally {
        scheduled = false;
      }
    }
  }
}
