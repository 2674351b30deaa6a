package herald.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplyOrderTest {

  private final ReplyOrder order = new ReplyOrder();
  private final List<String> out = new ArrayList<>();

  private void drain() {
    order.drain(b -> out.add(b.toString()));
  }

  private static Buffer reply(String text) {
    return Buffer.buffer(text);
  }

  @Test
  void slotsAreNumberedInReservationOrder() {
    assertThat(order.reserve(10)).isEqualTo(0);
    assertThat(order.reserve(20)).isEqualTo(1);
    assertThat(order.reserve(30)).isEqualTo(2);
    assertThat(order.pending()).isEqualTo(3);
    assertThat(order.pendingBytes()).isEqualTo(60);
  }

  @Test
  void repliesLeaveInReservationOrderWhenFilledOutOfOrder() {
    int r0 = order.reserve(10);
    int r1 = order.reserve(20);
    int r2 = order.reserve(30);

    order.fill(r2, reply("r2"));
    order.fill(r1, reply("r1"));
    drain();
    assertThat(out).isEmpty();
    assertThat(order.pending()).isEqualTo(3);
    assertThat(order.pendingBytes()).isEqualTo(60);

    order.fill(r0, reply("r0"));
    drain();
    assertThat(out).containsExactly("r0", "r1", "r2");
    assertThat(order.pending()).isZero();
    assertThat(order.pendingBytes()).isZero();
  }

  @Test
  void drainStopsAtTheFirstUnfilledSlot() {
    int r0 = order.reserve(1);
    int r1 = order.reserve(2);
    int r2 = order.reserve(4);
    order.fill(r0, reply("r0"));
    order.fill(r2, reply("r2"));

    drain();
    assertThat(out).containsExactly("r0");
    assertThat(order.pending()).isEqualTo(2);
    assertThat(order.pendingBytes()).isEqualTo(6);

    order.fill(r1, reply("r1"));
    drain();
    assertThat(out).containsExactly("r0", "r1", "r2");
    assertThat(order.pendingBytes()).isZero();
  }

  @Test
  void drainWithNothingFilledHandsNothing() {
    drain();
    order.reserve(5);
    drain();

    assertThat(out).isEmpty();
    assertThat(order.pending()).isEqualTo(1);
    assertThat(order.pendingBytes()).isEqualTo(5);
  }

  @Test
  void slotNumbersKeepIncreasingAfterADrain() {
    order.fill(order.reserve(1), reply("a"));
    order.fill(order.reserve(1), reply("b"));
    drain();

    assertThat(order.reserve(1)).isEqualTo(2);
  }

  @Test
  void fillingASlotThatIsNotPendingIsRefused() {
    int r0 = order.reserve(1);
    order.fill(r0, reply("r0"));
    drain();

    assertThatThrownBy(() -> order.fill(r0, reply("again"))).isInstanceOf(IllegalStateException.class)
        .hasMessage("slot 0 is not pending");
    assertThatThrownBy(() -> order.fill(1, reply("future"))).isInstanceOf(IllegalStateException.class)
        .hasMessage("slot 1 is not pending");
    assertThatThrownBy(() -> order.fill(-1, reply("negative"))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void growsPastItsInitialCapacityWhileWrappedAround() {
    // Move the head off zero, then reserve more than the initial capacity so the ring grows while wrapped.
    for (int i = 0; i < 3; i++) {
      order.fill(order.reserve(1), reply("warm" + i));
    }
    drain();
    out.clear();

    List<Integer> slots = new ArrayList<>();
    for (int i = 0; i < 13; i++) {
      slots.add(order.reserve(i));
    }
    assertThat(slots).containsExactly(3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    assertThat(order.pendingBytes()).isEqualTo(78);

    for (int i = slots.size() - 1; i >= 0; i--) {
      order.fill(slots.get(i), reply("r" + i));
    }
    drain();

    assertThat(out).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12");
    assertThat(order.pending()).isZero();
    assertThat(order.pendingBytes()).isZero();
  }

  /** Random interleavings checked against a plain model: a queue of reserved slots, answered in any order. */
  @Test
  void interleavedReserveFillAndDrainThousandsOfTimesKeepsOrder() {
    Random random = new Random(20_241_125);
    ArrayDeque<long[]> model = new ArrayDeque<>(); // {slot, bytes}
    List<Integer> unfilled = new ArrayList<>();
    List<String> expectedOut = new ArrayList<>();
    int nextSlot = 0;
    long modelBytes = 0;
    int maxPending = 0;
    java.util.Set<Integer> filled = new java.util.HashSet<>();

    for (int step = 0; step < 50_000; step++) {
      int op = random.nextInt(100);
      if (op < 45 || unfilled.isEmpty()) {
        int bytes = random.nextInt(1_000);
        int slot = order.reserve(bytes);
        assertThat(slot).isEqualTo(nextSlot++);
        model.addLast(new long[] {slot, bytes});
        unfilled.add(slot);
        modelBytes += bytes;
      } else if (op < 90) {
        int pick = random.nextBoolean() ? random.nextInt(unfilled.size()) : random.nextInt(Math.min(8, unfilled.size()));
        int slot = unfilled.remove(pick);
        order.fill(slot, reply("r" + slot));
        filled.add(slot);
      } else {
        drain();
        while (!model.isEmpty() && filled.contains((int) model.peekFirst()[0])) {
          long[] head = model.pollFirst();
          filled.remove((int) head[0]);
          expectedOut.add("r" + head[0]);
          modelBytes -= head[1];
        }
        assertThat(out).isEqualTo(expectedOut);
      }
      maxPending = Math.max(maxPending, model.size());
      assertThat(order.pending()).isEqualTo(model.size());
      assertThat(order.pendingBytes()).isEqualTo(modelBytes);
    }

    assertThat(maxPending).as("the ring grew well past its initial capacity").isGreaterThan(64);
    assertThat(expectedOut).hasSizeGreaterThan(10_000);

    for (int slot : unfilled) {
      order.fill(slot, reply("r" + slot));
    }
    drain();
    assertThat(out).hasSize(nextSlot);
    for (int i = 0; i < nextSlot; i++) {
      assertThat(out.get(i)).isEqualTo("r" + i);
    }
    assertThat(order.pending()).isZero();
    assertThat(order.pendingBytes()).isZero();
  }

  @Test
  void aZeroByteReservationCountsAsPendingButAddsNoBytes() {
    int slot = order.reserve(0);

    assertThat(order.pending()).isEqualTo(1);
    assertThat(order.pendingBytes()).isZero();

    order.fill(slot, reply("closing"));
    drain();
    assertThat(out).containsExactly("closing");
    assertThat(order.pending()).isZero();
  }
}
