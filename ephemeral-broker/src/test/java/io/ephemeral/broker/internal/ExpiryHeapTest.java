package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deadline heap against a plain list as the model, under seeded random add, reschedule (earlier
 * and later), remove, peek and pollDue; and the lazy postponement spelled out.
 */
class ExpiryHeapTest {

  static final class Item extends ExpiryHeap.Node {
    final int id;

    Item(int id, long deadline) {
      this.id = id;
      this.deadline = deadline;
    }

    @Override
    public String toString() {
      return "item " + id + " due " + deadline;
    }
  }

  @Test
  void aPostponedNodeComesOutAtItsNewDeadlineNotItsOldOne() {
    Item a = new Item(1, 10);
    Item b = new Item(2, 20);
    ExpiryHeap<Item> heap = heapOf(a, b);
    a.deadline = 30; // postponed: the heap keeps its old key until that key reaches the top
    heap.reschedule(a);

    assertThat(heap.peek()).isSameAs(b);
    assertThat(heap.pollDue(10)).as("a's old deadline").isNull();
    assertThat(heap.pollDue(20)).isSameAs(b);
    assertThat(heap.pollDue(29)).isNull();
    assertThat(heap.pollDue(30)).isSameAs(a);
    assertThat(heap.size()).isZero();
  }

  @Test
  void aDeadlineMovedEarlierIsDueAtOnce() {
    Item a = new Item(1, 10);
    Item b = new Item(2, 20);
    ExpiryHeap<Item> heap = heapOf(a, b);
    b.deadline = 30;
    heap.reschedule(b); // postponed, key still 20
    b.deadline = 5;
    heap.reschedule(b); // now earlier than everything
    assertThat(heap.pollDue(5)).isSameAs(b);
    assertThat(heap.pollDue(9)).isNull();
    assertThat(heap.pollDue(10)).isSameAs(a);
  }

  @Test
  void removingAPostponedNodeLeavesTheRestInOrder() {
    ExpiryHeap<Item> heap = new ExpiryHeap<>();
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Item it = new Item(i, 10 + i);
      items.add(it);
      heap.add(it);
    }
    items.get(0).deadline = 100;
    heap.reschedule(items.get(0));
    heap.remove(items.get(0));
    for (int i = 1; i < 8; i++) {
      assertThat(heap.pollDue(Long.MAX_VALUE)).isSameAs(items.get(i));
    }
    assertThat(heap.peek()).isNull();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 42, 20261123})
  void agreesWithAListUnderRandomOperations(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    ExpiryHeap<Item> heap = new ExpiryHeap<>();
    List<Item> model = new ArrayList<>();
    long now = 0;
    int nextId = 0;
    for (int step = 0; step < 50_000; step++) {
      int op = random.nextInt(100);
      if (op < 30 || model.isEmpty()) {
        Item it = new Item(nextId++, now + random.nextInt(1, 1000));
        heap.add(it);
        model.add(it);
      } else if (op < 55) {
        Item it = model.get(random.nextInt(model.size()));
        // Mostly later (a refresh), sometimes earlier, sometimes unchanged.
        it.deadline = Math.max(now, it.deadline + random.nextInt(-200, 800));
        heap.reschedule(it);
      } else if (op < 65) {
        Item it = model.remove(random.nextInt(model.size()));
        heap.remove(it);
        assertThat(it.heapIndex).isEqualTo(-1);
      } else if (op < 80) {
        Item top = heap.peek();
        long min = model.stream().mapToLong(i -> i.deadline).min().orElseThrow();
        assertThat(top.deadline).as("step %d: peek", step).isEqualTo(min);
      } else {
        now += random.nextInt(0, 50);
        List<Item> due = new ArrayList<>();
        Item it;
        while ((it = heap.pollDue(now)) != null) {
          assertThat(it.deadline).as("step %d: popped", step).isLessThanOrEqualTo(now);
          assertThat(it.heapIndex).isEqualTo(-1);
          due.add(it);
        }
        List<Item> expected = new ArrayList<>();
        for (Item m : model) {
          if (m.deadline <= now) {
            expected.add(m);
          }
        }
        assertThat(due)
            .as("step %d: due at %d", step, now)
            .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(due)
            .as("step %d: popped in deadline order", step)
            .isSortedAccordingTo(Comparator.comparingLong(i -> i.deadline));
        model.removeAll(expected);
      }
      assertThat(heap.size()).isEqualTo(model.size());
    }
  }

  private static ExpiryHeap<Item> heapOf(Item... items) {
    ExpiryHeap<Item> heap = new ExpiryHeap<>();
    for (Item it : items) {
      heap.add(it);
    }
    return heap;
  }
}
