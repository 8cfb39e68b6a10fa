package io.ephemeral.broker.internal;

import io.ephemeral.bench.MicroBenchmark;
import io.ephemeral.broker.EvictionPolicy;
import java.nio.charset.StandardCharsets;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * {@link MemoryStore} get, overwrite and expire with {@code items} keys stored (16-byte keys,
 * 100-byte values), and {@link Leases} lease+release with 10,000 holders of the same key.
 */
public class StoreBenchmark extends MicroBenchmark {
  @Param({"100000"})
  int items;

  MemoryStore store;
  Leases leases;
  byte[][] keys;
  byte[] value = ("\"" + "x".repeat(100) + "\"").getBytes(StandardCharsets.US_ASCII);
  byte[] shortLived = "expiring-key-001".getBytes(StandardCharsets.US_ASCII);
  String[] workers;
  int next;
  long now = 1_000_000;

  @Setup(Level.Trial)
  public void setUp() {
    Metrics metrics = new Metrics(true);
    store = new MemoryStore(0, EvictionPolicy.REJECT, metrics);
    keys = new byte[items][];
    for (int i = 0; i < items; i++) {
      keys[i] = String.format("key-%012d", i).getBytes(StandardCharsets.US_ASCII);
      put(keys[i], 3_600_000);
    }
    leases = new Leases(metrics);
    for (int i = 0; i < 10_000; i++) {
      leases.acquire("pool", "h" + i, 3_600_000, 0, now);
    }
    workers = new String[1024];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = "w" + i;
    }
  }

  /** Sets the 16-byte key {@code k} to {@code value} for {@code ttl} ms: find, then put. */
  private int put(byte[] k, long ttl) {
    return store.put(
        store.find(k, 0, 16, store.hash(k, 0, 16)),
        k,
        0,
        16,
        store.hash(k, 0, 16),
        value,
        0,
        value.length,
        value.length,
        false,
        false,
        ttl,
        now);
  }

  private byte[] nextKey() {
    int i = next;
    next = i + 1 == items ? 0 : i + 1;
    return keys[i];
  }

  @Benchmark
  public Object get() {
    byte[] k = nextKey();
    MemoryStore.Entry e = store.find(k, 0, 16, store.hash(k, 0, 16));
    store.touch(e, now, false);
    return e.data;
  }

  /**
   * Overwrites an existing key (the set of a get/set workload): new key-and-value array, deadline
   * moved in the heap.
   */
  @Benchmark
  public int set() {
    byte[] k = nextKey();
    now++;
    return put(k, 3_600_000);
  }

  /** A new key that expires: insert, heap add, then popped and unlinked by the sweep. */
  @Benchmark
  public int setThenExpire() {
    now++;
    put(shortLived, 1);
    return store.sweep(now + 1, 10);
  }

  /** One lease and its release with 10,000 other holders of the same key. */
  @Benchmark
  public boolean leaseRelease() {
    String w = workers[next++ & 1023];
    now++;
    leases.acquire("pool", w, 60_000, 0, now);
    return leases.release(w, now);
  }
}
