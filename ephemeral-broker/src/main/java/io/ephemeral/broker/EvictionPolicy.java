package io.ephemeral.broker;

/**
 * What a {@code set} of a new key does when the store already holds {@code maxItems} live items.
 */
public enum EvictionPolicy {
  /** Refuse the write with {@code max_items} (the protocol's documented behaviour, the default). */
  REJECT,
  /**
   * Evict the least recently used item (reads and writes both count as use) and accept the write.
   */
  LRU
}
