package io.ephemeral.broker;

import java.util.Arrays;

/**
 * A binary min-heap of deadlines whose nodes remember their slot, so add, remove and reschedule
 * are O(log n) and "what expires next" is O(1). Expiry is driven by popping due nodes from the
 * top with a work budget; nothing ever scans all keys or leases.
 */
final class ExpiryHeap<T extends ExpiryHeap.Node> {

  /** Something with a deadline that lives in at most one heap. */
  abstract static class Node {
    long deadline;
    int heapIndex = -1;
  }

  private Node[] nodes = new Node[16];
  private int size;

  int size() {
    return size;
  }

  @SuppressWarnings("unchecked")
  T peek() {
    return size == 0 ? null : (T) nodes[0];
  }

  void add(T node) {
    if (node.heapIndex >= 0) {
      throw new IllegalStateException("node already scheduled");
    }
    if (size == nodes.length) {
      nodes = Arrays.copyOf(nodes, size * 2);
    }
    nodes[size] = node;
    node.heapIndex = size;
    size++;
    siftUp(node.heapIndex);
  }

  /** Call after changing {@code node.deadline}. */
  void reschedule(T node) {
    int i = node.heapIndex;
    if (i < 0) {
      add(node);
      return;
    }
    if (i > 0 && nodes[(i - 1) >>> 1].deadline > node.deadline) {
      siftUp(i);
    } else {
      siftDown(i);
    }
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
    last.heapIndex = i;
    siftDown(i);
    if (last.heapIndex == i) {
      siftUp(i);
    }
  }

  /** Removes and returns the earliest node if its deadline is at or before {@code now}. */
  @SuppressWarnings("unchecked")
  T pollDue(long now) {
    if (size == 0 || nodes[0].deadline > now) {
      return null;
    }
    T top = (T) nodes[0];
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
    }
  }

  private void siftUp(int i) {
    Node n = nodes[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Node p = nodes[parent];
      if (p.deadline <= n.deadline) {
        break;
      }
      nodes[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    nodes[i] = n;
    n.heapIndex = i;
  }

  private void siftDown(int i) {
    Node n = nodes[i];
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      Node c = nodes[child];
      int right = child + 1;
      if (right < size && nodes[right].deadline < c.deadline) {
        child = right;
        c = nodes[child];
      }
      if (n.deadline <= c.deadline) {
        break;
      }
      nodes[i] = c;
      c.heapIndex = i;
      i = child;
    }
    nodes[i] = n;
    n.heapIndex = i;
  }
}
