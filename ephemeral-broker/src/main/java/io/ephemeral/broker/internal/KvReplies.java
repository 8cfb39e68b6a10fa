package io.ephemeral.broker.internal;

import io.ephemeral.broker.Interceptor;
import io.ephemeral.broker.store.RemoteStore;
import io.ephemeral.protocol.ErrorCodes;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Every answer of the KV protocol, for the memory store ({@link KvCommands}) and a shared store
 * ({@link RemoteKvCommands}) alike, so that both write the same bytes for the same outcome. The
 * writers add members after {@code {"ok":true} (the caller starts and ends the answer, which may be
 * given now or later); refusals are a code and a message.
 */
final class KvReplies {
  static final byte[] VALUE = Reply.ascii(",\"value\":");
  static final byte[] COMPRESSED = Reply.ascii(",\"compressed\":");
  static final byte[] DELETED = Reply.ascii(",\"deleted\":");
  static final byte[] PONG = Reply.ascii(",\"pong\":");
  static final byte[] RELEASED = Reply.ascii(",\"released\":");
  static final byte[] TOKEN = Reply.ascii(",\"token\":");
  static final byte[] ITEMS = Reply.ascii(",\"items\":{");
  static final byte[] EXPIRES = Reply.ascii(":{\"expires\":");
  static final byte[] HAS_VALUE = Reply.ascii(",\"hasValue\":");

  private KvReplies() {}

  /**
   * get: the value (absent for a key set without one) and whether the client sent it compressed. A
   * value the broker keeps gzipped ({@code gzipped}) is inflated into the answer.
   */
  static void value(
      ByteOutput out, byte[] json, boolean gzipped, ValueCodec codec, boolean compressed) {
    value(out, json, 0, json == null ? 0 : json.length, gzipped, codec, compressed);
  }

  /** get's members for a value stored in {@code data[off, off + len)} (null: no value). */
  static void value(
      ByteOutput out,
      byte[] data,
      int off,
      int len,
      boolean gzipped,
      ValueCodec codec,
      boolean compressed) {
    if (data != null) {
      out.write(VALUE);
      if (gzipped) {
        codec.inflate(data, off, len, out);
      } else {
        out.write(data, off, len);
      }
    }
    out.write(COMPRESSED).bool(compressed);
  }

  /** del. */
  static void deleted(ByteOutput out, boolean deleted) {
    out.write(DELETED).bool(deleted);
  }

  /** ping. */
  static void pong(ByteOutput out, long now) {
    out.write(PONG).number(now);
  }

  /** release. */
  static void released(ByteOutput out, boolean released) {
    out.write(RELEASED).bool(released);
  }

  /** A lease granted or renewed: the slot and its fencing token. */
  static void granted(ByteOutput out, long slot, long token) {
    out.write(VALUE).number(slot).write(TOKEN).number(token);
  }

  /** list: opens the items object; {@link #item} each, then {@link #endItems}. */
  static void items(ByteOutput out) {
    out.write(ITEMS);
  }

  /** One item of a list answer. */
  static void item(
      ByteOutput out, boolean first, byte[] key, int keyLength, long expires, boolean hasValue) {
    if (!first) {
      out.write((byte) ',');
    }
    out.jsonString(key, 0, keyLength)
        .write(EXPIRES)
        .number(expires)
        .write(HAS_VALUE)
        .bool(hasValue)
        .write((byte) '}');
  }

  static void endItems(ByteOutput out) {
    out.write((byte) '}');
  }

  /** How a request that got pool_exhausted waits for a slot instead. */
  static final String WAIT_HINT = "; send \"wait\" (ms) to wait for a slot";

  /** The pool_exhausted message, naming the pool's real size (not the request's). */
  static String poolFull(String key, int poolSize) {
    return "all " + poolSize + " slots of lease pool '" + key + "' are held";
  }

  /**
   * Why a lease was refused, for every outcome but a grant (and a queued wait): {@code poolSize} is
   * the pool's real size, {@code asked} the request's.
   */
  static Interceptor.Rejection leaseRefused(
      RemoteStore.LeaseOutcome outcome, String key, String worker, int poolSize, int asked) {
    switch (outcome) {
      case HOLDS_OTHER_KEY:
        return new Interceptor.Rejection(ErrorCodes.WORKER_ALREADY_HAS_LEASE, null);
      case SIZE_MISMATCH:
        return new Interceptor.Rejection(
            ErrorCodes.POOL_SIZE_MISMATCH,
            "lease pool '" + key + "' has size " + poolSize + ", not " + asked);
      case ALREADY_WAITING:
        return new Interceptor.Rejection(
            ErrorCodes.WORKER_ALREADY_WAITING,
            "worker '" + worker + "' is already waiting for a slot");
      default:
        return new Interceptor.Rejection(
            ErrorCodes.POOL_EXHAUSTED, poolFull(key, poolSize) + WAIT_HINT);
    }
  }

  /**
   * A lease whose size or wait is out of range (both stores check this before anything else), or
   * null.
   */
  static Interceptor.Rejection leaseArgumentsRefused(Request r) {
    if (r.sizeState == Request.INVALID) {
      return new Interceptor.Rejection(
          ErrorCodes.INVALID_SIZE,
          "size must be a whole number from 1 to " + RequestParser.MAX_POOL_SIZE);
    }
    if (r.waitState == Request.INVALID) {
      return new Interceptor.Rejection(
          ErrorCodes.INVALID_WAIT,
          "wait must be a whole number of milliseconds from 0 to " + RequestParser.MAX_WAIT);
    }
    return null;
  }

  /** stats: the members after ok. */
  static void stats(
      ByteOutput out,
      MemoryBudget budget,
      long items,
      long leases,
      long waiters,
      int maxItems,
      long storeBytes,
      long evictions,
      long uptime) {
    out.ascii(",\"stats\":{\"items\":").number(items);
    out.ascii(",\"leases\":").number(leases);
    out.ascii(",\"leaseWaiters\":").number(waiters);
    out.ascii(",\"capacity\":");
    capacity(out, items, maxItems);
    memory(out, budget, ",\"approximateStoreBytes\":", storeBytes);
    out.ascii(",\"usedMemoryBy\":{");
    for (MemoryBudget.Part part : MemoryBudget.Part.values()) {
      out.ascii(part.ordinal() == 0 ? "\"" : ",\"").ascii(part.label).ascii("\":");
      out.number(budget.used(part));
    }
    out.write((byte) '}');
    out.ascii(",\"evictions\":").number(evictions);
    out.ascii(",\"uptime\":").number(uptime).write((byte) '}');
  }

  /** health: the members after ok; also updates the capacity gauge in the metrics. */
  static void health(
      ByteOutput out,
      Metrics metrics,
      LoopState state,
      long items,
      long leases,
      int maxItems,
      long now) {
    metrics.capacity(items, maxItems, maxItems <= 0 ? 0 : (double) items / maxItems);
    boolean atCapacity = maxItems > 0 && utilization(items, maxItems) >= 1.0;
    out.ascii(",\"status\":\"").ascii(atCapacity ? "degraded" : "healthy").write((byte) '"');
    out.ascii(",\"uptime\":").number(now - state.startedAt);
    out.ascii(",\"timestamp\":").number(now);
    out.ascii(",\"items\":").number(items);
    out.ascii(",\"leases\":").number(leases);
    out.ascii(",\"capacity\":");
    capacity(out, items, maxItems);
    memory(out, state.budget, ",\"heapTotal\":", heapInMemory());
    out.ascii(",\"connections\":{\"inFlight\":").number(state.inFlight);
    out.ascii(",\"open\":").number(state.connections);
    out.ascii(",\"draining\":").bool(state.draining).write((byte) '}');
  }

  /**
   * {@code ,"memory":{rss, heapUsed, <extra>, usedMemory, maxMemory}}: stats adds the store size,
   * health the heap size; both the memory budget's use and maximum.
   */
  private static void memory(
      ByteOutput out, MemoryBudget budget, String extraMember, long extraValue) {
    Runtime rt = Runtime.getRuntime();
    out.ascii(",\"memory\":{\"rss\":").number(rss());
    out.ascii(",\"heapUsed\":").number(rt.totalMemory() - rt.freeMemory());
    out.ascii(extraMember).number(extraValue);
    out.ascii(",\"usedMemory\":").number(budget.used());
    out.ascii(",\"maxMemory\":").number(budget.max()).write((byte) '}');
  }

  /**
   * {items, maxItems, utilization, nearCapacity, atCapacity, warning}, as the Node broker reports
   * it.
   */
  private static void capacity(ByteOutput out, long items, int max) {
    double u = utilization(items, max);
    boolean near = max > 0 && u >= 0.9;
    boolean at = max > 0 && u >= 1.0;
    out.ascii("{\"items\":").number(items);
    out.ascii(",\"maxItems\":").number(max);
    out.ascii(",\"utilization\":").ascii(formatRatio(u));
    out.ascii(",\"nearCapacity\":").bool(near);
    out.ascii(",\"atCapacity\":").bool(at);
    out.ascii(",\"warning\":").ascii(at ? "\"at_capacity\"" : near ? "\"near_capacity\"" : "null");
    out.write((byte) '}');
  }

  /** items / maxItems rounded to two decimals; 0 when unlimited. */
  static double utilization(long items, int max) {
    return max <= 0 ? 0 : Math.round((double) items / max * 100) / 100.0;
  }

  static String formatRatio(double v) {
    if (v == Math.rint(v)) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  /**
   * The heap the JVM has used at most so far, pool by pool: the part of the reserved heap that has
   * been touched and so is in memory, as V8's heapTotal is for Node (at most rss, at least
   * heapUsed). The JVM's committed heap ({@code Runtime.totalMemory()}) counts pages never touched
   * and can be several times rss. The pools are looked up on first use (tens of milliseconds,
   * once).
   */
  static long heapInMemory() {
    long touched = 0;
    for (MemoryPoolMXBean pool : HeapPools.ALL) {
      touched += pool.getPeakUsage().getUsed();
    }
    return touched;
  }

  /** The JVM's heap memory pools, found when {@link #heapInMemory()} first needs them. */
  private static final class HeapPools {
    static final List<MemoryPoolMXBean> ALL =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP)
            .toList();
  }

  /** Resident set size from /proc (Linux); 0 where that is not available. */
  static long rss() {
    try {
      String statm = Files.readString(Path.of("/proc/self/statm"), StandardCharsets.US_ASCII);
      String[] parts = statm.trim().split(" ");
      return Long.parseLong(parts[1]) * 4096L;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
