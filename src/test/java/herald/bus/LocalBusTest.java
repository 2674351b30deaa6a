package herald.bus;

import static org.assertj.core.api.Assertions.assertThat;
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
    final List<Integer> seen = new CopyOnWriteArrayList<>();
    final List<Boolean> onOwnContext = new CopyOnWriteArrayList<>();
    volatile Context own;

    @Override
    public Future<?> start() {
      own = context;
      return LocalBus.of(vertx).receive("notes", (Note note) -> {
        // The event bus delivers on a duplicate of the receiver's context; either way it is the receiver's.
        onOwnContext.add(ContextInternal.current().unwrap() == ((ContextInternal) own).unwrap());
        seen.add(note.n());
        if (note.n() == 5) {
          throw new IllegalStateException("a failing handler must not stop the next message");
        }
      }).completion();
    }
  }

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void onTheReceiversOwnLoopMessagesArriveLaterInOrderOnItsContextPastAFailingHandler() {
    Receiver receiver = new Receiver();
    vertx.deployVerticle(receiver).await();
    List<Integer> seenDuringSend = new CopyOnWriteArrayList<>();

    receiver.own.runOnContext(v -> {
      for (int n = 1; n <= 1_000; n++) {
        LocalBus.of(vertx).send("notes", new Note(n));
      }
      seenDuringSend.addAll(receiver.seen); // nothing is delivered inside the sender's own call
    });

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.seen.size() == 1_000);
    assertThat(seenDuringSend).isEmpty();
    assertThat(receiver.seen).isSortedAccordingTo(Integer::compare).hasSize(1_000);
    assertThat(receiver.onOwnContext).containsOnly(true);
  }

  @Test
  void fromAnotherThreadMessagesGoOverTheEventBusAndStillArriveInOrder() {
    Receiver receiver = new Receiver();
    vertx.deployVerticle(receiver).await();

    for (int n = 1; n <= 1_000; n++) {
      LocalBus.of(vertx).send("notes", new Note(n)); // the test thread is no event loop
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.seen.size() == 1_000);
    assertThat(receiver.seen).isSortedAccordingTo(Integer::compare);
    assertThat(receiver.onOwnContext).containsOnly(true);
  }

  @Test
  void afterUnregisterNothingIsDeliveredDirectly() {
    Receiver receiver = new Receiver();
    String id = vertx.deployVerticle(receiver).await();
    vertx.undeploy(id).await(); // undeploying unregisters the event-bus consumer; the direct path must go too

    receiver.own.runOnContext(v -> LocalBus.of(vertx).send("notes", new Note(1)));

    await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true);
    assertThat(receiver.seen).isEmpty();
  }
}
