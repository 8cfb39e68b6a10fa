package io.ephemeral.broker.internal;

import java.util.Arrays;

/**
 * A binary min-heap of deadlines whose nodes remember their slot, so add, remove and reschedule are
 * O(log n) and "what expires next" is O(1) amortised. Expiry is driven by popping due nodes from
 * the top with a work budget; nothing ever scans all keys or leases.
 *
 * <p>Implementation notes. The heap is ordered by its own copy of each node's deadline, kept in
 * {@code keys} beside {@code nodes}: sifting compares longs in one array instead of following a
 * pointer per comparison. A key may be earlier than its node's deadline but never later. Moving a
 * deadline later (a key overwritten or a lease renewed, with the same or a longer time to live, the
 * common case) only changes the node; the heap catches up when that stale key reaches the top, once
 * per postponement at most, instead of sifting the node down on every write. Moving a deadline
 * earlier sifts the node up at once. {@link #peek} settles the top first, so the node it returns
 * always holds the earliest deadline.
 */
final class ExpiryHeap<T extends ExpiryHeap.Node> {

  /** Something with a deadline that lives in at most one heap. */
  abstract static class Node {
    long deadline;
    int heapIndex = -1;
  }

  private Node[] nodes = new Node[16];

  /** keys[i] <= nodes[i].deadline, and the heap order is on keys. */
  private long[] keys = new long[16];

  private int size;

  int size() {
    return size;
  }

  /** The node with the earliest deadline, or null. */
  @SuppressWarnings("unchecked")
  T peek() {
    settleTop();
    return size == 0 ? null : (T) nodes[0];
  }

  void add(T node) {
    if (node.heapIndex >= 0) {
      throw new IllegalStateException("node already scheduled");
    }
    if (size == nodes.length) {
      nodes = Arrays.copyOf(nodes, size * 2);
      keys = Arrays.copyOf(keys, size * 2);
    }
    nodes[size] = node;
    keys[size] = node.deadline;
    node.heapIndex = size;
    size++;
    siftUp(node.heapIndex);
  }

  /** Call after changing {@code node.deadline}; schedules it if it is not in the heap. */
  void reschedule(T node) {
    int i = node.heapIndex;
    if (i < 0) {
      add(node);
      return;
    }
    if (node.deadline < keys[i]) {
      keys[i] = node.deadline;
      siftUp(i);
    }
    // A later deadline leaves the key where it is: see the class notes.
  }

  void remove(T node) {
    int i = node.heapIndex;
    if (i < 0) {
      return;
    }
    node.heapIndex = -1;
    size--;
    if (i == size) {
      nodes[size] = null;
      return;
    }
    Node last = nodes[size];
    nodes[size] = null;
    nodes[i] = last;
    keys[i] = keys[size];
    last.heapIndex = i;
    siftDown(i);
    if (last.heapIndex == i) {
      siftUp(i);
    }
  }

  /** Removes and returns the earliest node if its deadline is at or before {@code now}. */
  T pollDue(long now) {
    T top = peek();
    if (top == null || top.deadline > now) {
      return null;
    }
    remove(top);
    return top;
  }

  void clear() {
    for (int i = 0; i < size; i++) {
      nodes[i].heapIndex = -1;
      nodes[i] = null;
    }
    size = 0;
    if (nodes.length > 1024) {
      nodes = new Node[16];
      keys = new long[16];
    }
  }

  /**
   * Brings stale keys at the top up to their nodes' deadlines until the top key is exact; then no
   * deadline in the heap is earlier than it, since every key is at most its node's deadline.
   */
  private void settleTop() {
    while (size > 0 && keys[0] < nodes[0].deadline) {
      keys[0] = nodes[0].deadline;
      siftDown(0);
    }
  }

  private void siftUp(int i) {
    Node n = nodes[i];
    long key = keys[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (keys[parent] <= key) {
        break;
      }
      Node p = nodes[parent];
      nodes[i] = p;
      keys[i] = keys[parent];
      p.heapIndex = i;
      i = parent;
    }
    nodes[i] = n;
    keys[i] = key;
    n.heapIndex = i;
  }

  private void siftDown(int i) {
    Node n = nodes[i];
    long key = keys[i];
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && keys[right] < keys[child]) {
        child = right;
      }
      if (key <= keys[child]) {
        break;
      }
      Node c = nodes[child];
      nodes[i] = c;
      keys[i] = keys[child];
      c.heapIndex = i;
      i = child;
    }
    nodes[i] = n;
    keys[i] = key;
    n.heapIndex = i;
  }
}
