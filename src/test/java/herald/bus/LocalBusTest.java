package herald.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalBusTest {

  record Note(int n) implements LocalMessage {}

  /** Receives {@link Note}s at "notes" and records what it saw, and on which context. */
  static final class Receiver extends VerticleBase {
    final LocalBus bus;
    final List<Integer> seen = new CopyOnWriteArrayList<>();
    final List<Boolean> onOwnContext = new CopyOnWriteArrayList<>();
    volatile Context own;

    Receiver(LocalBus bus) {
      this.bus = bus;
    }

    @Override
    public Future<?> start() {
      own = context;
      bus.receive("notes", (Note note) -> {
        // The event bus delivers on a duplicate of the receiver's context; either way it is the receiver's.
        onOwnContext.add(ContextInternal.current().unwrap() == ((ContextInternal) own).unwrap());
        seen.add(note.n());
        if (note.n() == 5) {
          throw new IllegalStateException("a failing handler must not stop the next message");
        }
      });
      return Future.succeededFuture();
    }
  }

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  private final LocalBus bus = new LocalBus();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void onTheReceiversOwnLoopMessagesArriveLaterInOrderOnItsContextPastAFailingHandler() {
    Receiver receiver = new Receiver(bus);
    vertx.deployVerticle(receiver).await();
    List<Integer> seenDuringSend = new CopyOnWriteArrayList<>();

    receiver.own.runOnContext(v -> {
      for (int n = 1; n <= 1_000; n++) {
        bus.send("notes", new Note(n));
      }
      seenDuringSend.addAll(receiver.seen); // nothing is delivered inside the sender's own call
    });

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.seen.size() == 1_000);
    assertThat(seenDuringSend).isEmpty();
    assertThat(receiver.seen).isSortedAccordingTo(Integer::compare).hasSize(1_000);
    assertThat(receiver.onOwnContext).containsOnly(true);
  }

  @Test
  void fromAnotherThreadMessagesArriveInOrderOnTheReceiversContext() {
    Receiver receiver = new Receiver(bus);
    vertx.deployVerticle(receiver).await();

    for (int n = 1; n <= 1_000; n++) {
      bus.send("notes", new Note(n)); // the test thread is no event loop
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.seen.size() == 1_000);
    assertThat(receiver.seen).isSortedAccordingTo(Integer::compare);
    assertThat(receiver.onOwnContext).containsOnly(true);
  }

  @Test
  void afterUnregisterNothingIsDeliveredDirectly() {
    Receiver receiver = new Receiver(bus);
    String id = vertx.deployVerticle(receiver).await();
    vertx.undeploy(id).await(); // the verticle never unregisters itself: undeploying must

    receiver.own.runOnContext(v -> bus.send("notes", new Note(1)));

    await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true);
    assertThat(receiver.seen).isEmpty();
  }

  @Test
  void twoNodesInOneVertxEachKeepTheirOwnReceivers() {
    LocalBus otherNode = new LocalBus();
    Receiver mine = new Receiver(bus);
    Receiver theirs = new Receiver(otherNode);
    vertx.deployVerticle(mine).await();
    vertx.deployVerticle(theirs).await();

    for (int n = 1; n <= 10; n++) {
      bus.send("notes", new Note(n));
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> mine.seen.size() == 10);
    assertThat(theirs.seen).isEmpty();
  }

  @Test
  void aSecondReceiverForOneAddressOnOneNodeIsRefused() {
    vertx.deployVerticle(new Receiver(bus)).await();

    assertThatThrownBy(() -> vertx.deployVerticle(new Receiver(bus)).await())
        .hasMessageContaining("two receivers for notes");
  }
}
