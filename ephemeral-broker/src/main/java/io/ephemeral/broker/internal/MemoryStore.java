package io.ephemeral.broker.internal;

import io.ephemeral.broker.EvictionPolicy;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The key/value store, owned by the event-loop thread (no locks).
 *
 * <p>Implementation notes. Keys are UTF-8 bytes and values the raw JSON bytes received, so a get
 * copies bytes from the request line into the response without parsing or building strings. The
 * table is an intrusive chained hash table: the {@link Entry} is the chain node, the expiry heap
 * node and the LRU list node at once, which keeps per-item overhead near 100 bytes. Expired entries
 * are removed lazily when touched and by {@link #sweep} from the deadline heap; counting live items
 * is O(1) after {@link #purgeExpired}, which only pops entries that are due (each entry is popped
 * once, so it is amortised O(log n) per entry, never a scan).
 *
 * <p>An item's key and value share one array ({@link Entry#data}), and only entries of a store with
 * the LRU policy carry the list links ({@link LruEntry}): per item that is one array header, one
 * reference and two links fewer, about 24 bytes of the ~240 a small item costs, which is what keeps
 * the process's memory per item at or below Redis's.
 */
final class MemoryStore {

  /** One stored item. */
  static class Entry extends ExpiryHeap.Node {
    /**
     * The key's UTF-8 bytes, then the value as stored: the raw JSON text as received, or gzip of it
     * when {@link #storedGzip}. Replaced as a whole when the value is.
     */
    byte[] data;

    final int keyLength;
    final int hash;

    /** Length of the JSON text the client sent; 0 when the set had no value. */
    int valueLength;

    long ttlMillis;
    boolean clientCompressed;
    boolean storedGzip;
    Entry next;

    Entry(int keyLength, int hash) {
      this.keyLength = keyLength;
      this.hash = hash;
    }

    /** Whether the set carried a value (a JSON text is never empty). */
    boolean hasValue() {
      return valueLength > 0;
    }

    /** Where the stored value starts in {@link #data}. */
    int valueOffset() {
      return keyLength;
    }

    /** How many bytes the stored value takes in {@link #data}. */
    int storedValueLength() {
      return data.length - keyLength;
    }
  }

  /** An entry of a store with the LRU policy: also a node of the recency list. */
  static final class LruEntry extends Entry {
    LruEntry lruPrev;
    LruEntry lruNext;

    LruEntry(int keyLength, int hash) {
      super(keyLength, hash);
    }
  }

  /**
   * Overhead estimate per entry for approximateStoreBytes: object headers, table slot, heap slot.
   */
  static final int ENTRY_OVERHEAD_BYTES = 120;

  static final int OK = 0;
  static final int FULL = 1;

  private final int maxItems;
  private final boolean lru;
  private final int seed = new SecureRandom().nextInt();
  private final ExpiryHeap<Entry> expiry = new ExpiryHeap<>();
  private Entry[] table = new Entry[64];
  private int size;

  /** Counts what entries hold ({@link MemoryBudget.Part#VALUES}): approximateStoreBytes. */
  private final MemoryBudget budget;

  // LRU list: head is the least recently used. Maintained only with the LRU policy.
  private LruEntry lruHead;
  private LruEntry lruTail;
  private final Metrics metrics;

  MemoryStore(int maxItems, EvictionPolicy policy, Metrics metrics) {
    this(maxItems, policy, metrics, new MemoryBudget(Long.MAX_VALUE));
  }

  MemoryStore(int maxItems, EvictionPolicy policy, Metrics metrics, MemoryBudget budget) {
    this.maxItems = maxItems;
    this.lru = policy == EvictionPolicy.LRU;
    this.metrics = metrics;
    this.budget = budget;
  }

  /**
   * How many bytes storing a value of {@code valueLength} under a key of {@code keyLength} adds to
   * what the store holds, given the entry now under that key ({@code existing}, may be null).
   */
  static long growth(Entry existing, int keyLength, int valueLength) {
    return existing == null
        ? keyLength + valueLength + ENTRY_OVERHEAD_BYTES
        : valueLength - storedValueSize(existing);
  }

  /**
   * Makes room for {@code need} more bytes: expired entries go first, then, with the LRU policy,
   * the least recently used ones (never {@code keep}). Evicts nothing when even an empty store
   * would not make the room.
   *
   * @return whether the bytes now fit the budget
   */
  boolean makeRoom(long need, Entry keep, long now) {
    purgeExpired(now);
    if (budget.fits(need) || !lru) {
      return budget.fits(need);
    }
    long held = budget.used(MemoryBudget.Part.VALUES) - (keep == null ? 0 : storedSize(keep));
    if (!budget.fits(need - held)) {
      return false;
    }
    LruEntry victim = lruHead;
    while (victim != null && !budget.fits(need)) {
      LruEntry next = victim.lruNext;
      if (victim != keep) {
        remove(victim);
        metrics.evicted();
      }
      victim = next;
    }
    return budget.fits(need);
  }

  int hash(byte[] b, int off, int len) {
    int h = seed ^ len;
    int i = off;
    int end = off + len;
    for (; i + 3 < end; i += 4) {
      int k =
          (b[i] & 0xff)
              | (b[i + 1] & 0xff) << 8
              | (b[i + 2] & 0xff) << 16
              | (b[i + 3] & 0xff) << 24;
      k *= 0xcc9e2d51;
      k = Integer.rotateLeft(k, 15);
      k *= 0x1b873593;
      h ^= k;
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    for (; i < end; i++) {
      h ^= (b[i] & 0xff) * 0xcc9e2d51;
      h = Integer.rotateLeft(h, 11) * 0x1b873593;
    }
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return h;
  }

  /** The entry for a key, expired or not (callers decide what expired means for them). */
  Entry find(byte[] b, int off, int len, int hash) {
    for (Entry e = table[hash & (table.length - 1)]; e != null; e = e.next) {
      if (e.hash == hash
          && e.keyLength == len
          && Arrays.equals(e.data, 0, len, b, off, off + len)) {
        return e;
      }
    }
    return null;
  }

  /** Marks a successful read for LRU and sliding expiry. */
  void touch(Entry e, long now, boolean refreshTtl) {
    if (refreshTtl) {
      e.deadline = TurnClock.deadline(now, e.ttlMillis);
      expiry.reschedule(e);
    }
    if (lru) {
      unlinkLru((LruEntry) e);
      linkLruTail((LruEntry) e);
    }
  }

  /**
   * Stores a value. An existing key (even an expired one not yet swept) is overwritten; a new key
   * needs room: expired entries are purged first, then the LRU item is evicted or the write is
   * refused. {@code found} is the entry {@link #find} returned for the key (null: none).
   *
   * @param stored the value as it is to be stored ({@code storedLength} bytes from {@code
   *     storedOff}; gzip of the JSON text when {@code storedGzip}), null for a set without a value
   * @param valueLength the length of the JSON text the client sent (0 without a value)
   * @return {@link #OK} or {@link #FULL}
   */
  int put(
      Entry found,
      byte[] kb,
      int koff,
      int klen,
      int hash,
      byte[] stored,
      int storedOff,
      int storedLength,
      int valueLength,
      boolean storedGzip,
      boolean clientCompressed,
      long ttlMillis,
      long now) {
    Entry e = found;
    if (e == null) {
      if (maxItems > 0 && size >= maxItems) {
        purgeExpired(now);
        if (size >= maxItems) {
          if (!lru) {
            return FULL;
          }
          Entry victim = lruHead;
          remove(victim);
          metrics.evicted();
        }
      }
      e = lru ? new LruEntry(klen, hash) : new Entry(klen, hash);
      e.data = join(kb, koff, klen, stored, storedOff, storedLength);
      insert(e);
      if (lru) {
        linkLruTail((LruEntry) e);
      }
    } else {
      budget.add(MemoryBudget.Part.VALUES, -storedSize(e));
      if (lru) {
        unlinkLru((LruEntry) e);
        linkLruTail((LruEntry) e);
      }
      e.data = join(kb, koff, klen, stored, storedOff, storedLength);
    }
    e.valueLength = valueLength;
    e.storedGzip = storedGzip;
    e.clientCompressed = clientCompressed;
    e.ttlMillis = ttlMillis;
    e.deadline = TurnClock.deadline(now, ttlMillis);
    expiry.reschedule(e);
    budget.add(MemoryBudget.Part.VALUES, storedSize(e));
    return OK;
  }

  /** The key's bytes followed by the stored value's, in one new array. */
  private static byte[] join(
      byte[] kb, int koff, int klen, byte[] stored, int storedOff, int storedLength) {
    byte[] data = new byte[klen + storedLength];
    System.arraycopy(kb, koff, data, 0, klen);
    if (storedLength > 0) {
      System.arraycopy(stored, storedOff, data, klen, storedLength);
    }
    return data;
  }

  /** Removes a key; returns whether it was present. */
  boolean delete(byte[] kb, int koff, int klen, int hash) {
    Entry e = find(kb, koff, klen, hash);
    if (e == null) {
      return false;
    }
    remove(e);
    return true;
  }

  /** Removes an entry found to be expired. */
  void expire(Entry e) {
    remove(e);
    metrics.expiredItem();
  }

  /** Removes every entry whose deadline has passed. Amortised: each entry is popped once. */
  void purgeExpired(long now) {
    Entry e;
    while ((e = expiry.pollDue(now)) != null) {
      unlinkFromTable(e);
      metrics.expiredItem();
    }
  }

  /** Removes up to {@code budget} expired entries; returns how many it removed. */
  int sweep(long now, int budget) {
    int n = 0;
    Entry e;
    while (n < budget && (e = expiry.pollDue(now)) != null) {
      unlinkFromTable(e);
      metrics.expiredItem();
      n++;
    }
    return n;
  }

  boolean hasDue(long now) {
    Entry top = expiry.peek();
    return top != null && top.deadline <= now;
  }

  /**
   * Items stored, including expired ones not yet purged; call {@link #purgeExpired} first for the
   * live count.
   */
  int size() {
    return size;
  }

  long approximateBytes() {
    return budget.used(MemoryBudget.Part.VALUES);
  }

  int maxItems() {
    return maxItems;
  }

  /** Visits every live entry (for list). O(n) by nature. */
  void forEachLive(long now, java.util.function.Consumer<Entry> visitor) {
    for (Entry head : table) {
      for (Entry e = head; e != null; e = e.next) {
        if (e.deadline > now) {
          visitor.accept(e);
        }
      }
    }
  }

  void clear() {
    Arrays.fill(table, null);
    if (table.length > 1024) {
      table = new Entry[64];
    }
    expiry.clear();
    size = 0;
    budget.add(MemoryBudget.Part.VALUES, -budget.used(MemoryBudget.Part.VALUES));
    lruHead = null;
    lruTail = null;
  }

  private void remove(Entry e) {
    expiry.remove(e);
    unlinkFromTable(e);
  }

  private void unlinkFromTable(Entry e) {
    int idx = e.hash & (table.length - 1);
    Entry prev = null;
    for (Entry cur = table[idx]; cur != null; prev = cur, cur = cur.next) {
      if (cur == e) {
        if (prev == null) {
          table[idx] = e.next;
        } else {
          prev.next = e.next;
        }
        e.next = null;
        size--;
        budget.add(MemoryBudget.Part.VALUES, -storedSize(e));
        if (lru) {
          unlinkLru((LruEntry) e);
        }
        return;
      }
    }
  }

  private void insert(Entry e) {
    if (size + 1 > (table.length >> 2) * 3) {
      resize();
    }
    int idx = e.hash & (table.length - 1);
    e.next = table[idx];
    table[idx] = e;
    size++;
  }

  private void resize() {
    Entry[] old = table;
    Entry[] next = new Entry[old.length << 1];
    int mask = next.length - 1;
    for (Entry head : old) {
      Entry e = head;
      while (e != null) {
        Entry following = e.next;
        int idx = e.hash & mask;
        e.next = next[idx];
        next[idx] = e;
        e = following;
      }
    }
    table = next;
  }

  private static long storedSize(Entry e) {
    return e.keyLength + storedValueSize(e) + ENTRY_OVERHEAD_BYTES;
  }

  private static int storedValueSize(Entry e) {
    // Unless gzipped, the stored value is exactly valueLength long: reading the field spares an
    // overwrite a cache miss on the old array it is about to drop.
    return e.storedGzip ? e.storedValueLength() : e.valueLength;
  }

  private void linkLruTail(LruEntry e) {
    e.lruPrev = lruTail;
    e.lruNext = null;
    if (lruTail == null) {
      lruHead = e;
    } else {
      lruTail.lruNext = e;
    }
    lruTail = e;
  }

  private void unlinkLru(LruEntry e) {
    LruEntry p = e.lruPrev;
    LruEntry n = e.lruNext;
    if (p == null) {
      if (lruHead == e) {
        lruHead = n;
      }
    } else {
      p.lruNext = n;
    }
    if (n == null) {
      if (lruTail == e) {
        lruTail = p;
      }
    } else {
      n.lruPrev = p;
    }
    e.lruPrev = null;
    e.lruNext = null;
  }
}
