package herald.bus;

import io.netty.channel.EventLoop;
import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Handler;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * Carries {@link LocalMessage}s between the verticles of one node: one instance per node, created by the
 * {@code Broker} and handed to its verticles, so two nodes in one Vert.x (as in tests) never see each
 * other's messages. A message for a receiver on the sender's own event loop waits in that loop's
 * {@link Mailbox} and is handed over in a task of its own, right after the sender's handler returns; one for
 * a receiver on another loop becomes a task on that loop, through the receiver's context.
 *
 * <p><b>Why not the event bus.</b> A publish crosses two hops (connection to topics, topics to connections).
 * Over the event bus each cost a message object, delivery contexts, a promise and a task; at 10,000 messages
 * a second that was about a tenth of the broker's allocation, and allocation is what sets how often the
 * young generation is collected (docs/benchmarks.md). The event bus's addressing also made every node in
 * one Vert.x share one topic-verticle address.
 *
 * <p><b>Same guarantees as the event bus.</b> Delivery is asynchronous (never inside the sender's call, so
 * no handler is re-entered), in the order sent by each sender, and on the receiver's own context, so the
 * confinement rules of docs/architecture.md are unchanged. A handler that throws is reported to its
 * context and the next message is still delivered. A message for an address nobody receives (any more) is
 * dropped: that happens only while a node stops, when a connection closed after the topic verticle was
 * undeployed reports that it is gone to no one.
 */
public final class LocalBus {

  private final Map<String, Receiver> receivers = new ConcurrentHashMap<>();
  private final Map<EventLoop, Mailbox> mailboxes = new ConcurrentHashMap<>();

  /**
   * Makes {@code handler} the receiver of {@code address}, on the caller's context: call it from the
   * verticle's {@code start()}. Undeploying the verticle ends the registration.
   */
  @SuppressWarnings("unchecked")
  public <T extends LocalMessage> Registration receive(String address, Handler<T> handler) {
    ContextInternal context = ContextInternal.current();
    if (context == null || !context.isEventLoopContext()) {
      throw new IllegalStateException("register local receivers from an event-loop verticle's start()");
    }
    Handler<Object> untyped = m -> handler.handle((T) m);
    Receiver receiver = new Receiver(context.unwrap(), untyped,
        mailboxes.computeIfAbsent(context.nettyEventLoop(), Mailbox::new));
    if (receivers.putIfAbsent(address, receiver) != null) {
      throw new IllegalStateException("two receivers for " + address + " on one node");
    }
    Registration registration = new Registration(address, receiver);
    context.addCloseHook(registration);
    return registration;
  }

  /** Sends {@code message} to the receiver of {@code address}. */
  public void send(String address, LocalMessage message) {
    Receiver r = receivers.get(address);
    if (r == null) {
      return;
    }
    if (r.mailbox.loop.inEventLoop()) {
      r.mailbox.post(r, message);
    } else {
      r.context.emit(message, r.handler); // from another thread: a task on the receiver's loop, in the order sent
    }
  }

  /** A receiver's registration. */
  public final class Registration implements Closeable {
    private final String address;
    private final Receiver receiver;

    private Registration(String address, Receiver receiver) {
      this.address = address;
      this.receiver = receiver;
    }

    public void unregister() {
      receiver.context.removeCloseHook(this);
      receivers.remove(address, receiver);
    }

    @Override
    public void close(Completable<Void> completion) {
      receivers.remove(address, receiver);
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
        try {
          loop.execute(this);
        } catch (RejectedExecutionException stopping) {
          // The event loop is shutting down with the node: nothing will handle these any more.
          queue.clear();
          scheduled = false;
        }
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
