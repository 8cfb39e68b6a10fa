package io.ephemeral.broker;

import io.ephemeral.protocol.ErrorCodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The built-in actions of the KV protocol: get, set, del, list, ping, stats, health, metrics,
 * lease, release. Every check common to several actions already ran in {@link Dispatcher}.
 */
final class KvCommands {
  private static final byte[] VALUE = Reply.ascii(",\"value\":");
  private static final byte[] COMPRESSED = Reply.ascii(",\"compressed\":");
  private static final byte[] DELETED = Reply.ascii(",\"deleted\":");
  private static final byte[] PONG = Reply.ascii(",\"pong\":");
  private static final byte[] RELEASED = Reply.ascii(",\"released\":");
  private static final byte[] ITEMS = Reply.ascii(",\"items\":{");
  private static final byte[] EXPIRES = Reply.ascii(":{\"expires\":");
  private static final byte[] HAS_VALUE = Reply.ascii(",\"hasValue\":");

  private final BrokerConfig config;
  private final MemoryStore store;
  private final Leases leases;
  private final Metrics metrics;
  private final LoopState state;
  private final Clock clock;
  private final ValueCodec codec = new ValueCodec();
  private final BrokerLog log;
  private boolean nearCapacityWarned;

  KvCommands(BrokerConfig config, MemoryStore store, Leases leases, Metrics metrics, LoopState state, BrokerLog log) {
    this.config = config;
    this.store = store;
    this.leases = leases;
    this.metrics = metrics;
    this.state = state;
    this.clock = config.clock();
    this.log = log;
  }

  void registerAll(CommandTable table) {
    Command.Ttl none = Command.Ttl.IGNORED;
    table.add(new Command("get", ErrorCodes.NOT_FOUND, null, none, false, this::get));
    table.add(new Command("set", ErrorCodes.INVALID_REQUEST, null, Command.Ttl.REQUIRED_BY_CONFIG, true, this::set));
    table.add(new Command("del", null, null, none, false, this::del));
    table.add(new Command("list", null, null, none, false, this::list));
    table.add(new Command("ping", null, null, none, false, this::ping));
    table.add(new Command("stats", null, null, none, false, this::stats));
    table.add(new Command("health", null, null, none, false, this::health));
    table.add(new Command("metrics", null, null, none, false, this::metrics));
    table.add(new Command("lease", ErrorCodes.KEY_AND_WORKER_REQUIRED, ErrorCodes.KEY_AND_WORKER_REQUIRED,
        Command.Ttl.OPTIONAL, false, this::lease));
    table.add(new Command("release", null, ErrorCodes.WORKER_REQUIRED, none, false, this::release));
  }

  private void get(Request r, Reply reply) {
    int hash = store.hash(r.keyBuf, r.keyOff, r.keyLen);
    MemoryStore.Entry e = store.find(r.keyBuf, r.keyOff, r.keyLen, hash);
    if (e == null) {
      reply.error(ErrorCodes.NOT_FOUND);
      return;
    }
    long now = clock.millis();
    if (e.deadline <= now) {
      store.expire(e);
      reply.error(ErrorCodes.EXPIRED);
      return;
    }
    store.touch(e, now, config.refreshTtlOnGet());
    ByteOutput out = reply.ok();
    if (e.value != null) {
      reply.member(VALUE);
      if (e.storedGzip) {
        codec.inflate(e.value, out);
      } else {
        out.write(e.value);
      }
    }
    reply.member(COMPRESSED).bool(e.clientCompressed);
    reply.end();
  }

  private void set(Request r, Reply reply) {
    long now = clock.millis();
    long ttl = r.ttlState == Request.VALID ? r.ttl : config.defaultTtlMillis();
    byte[] value = null;
    boolean gzip = false;
    int valueLength = 0;
    if (r.valuePresent) {
      valueLength = r.valueEnd - r.valueOff;
      value = Arrays.copyOfRange(r.line, r.valueOff, r.valueEnd);
      if (config.compression() && !r.compressed && valueLength >= Math.max(64, config.compressionThreshold())) {
        byte[] packed = codec.deflate(value);
        if (packed.length < value.length) {
          value = packed;
          gzip = true;
        }
      }
    }
    int hash = store.hash(r.keyBuf, r.keyOff, r.keyLen);
    if (store.put(r.keyBuf, r.keyOff, r.keyLen, hash, value, valueLength, gzip, r.compressed, ttl, now)
        == MemoryStore.FULL) {
      reply.error(ErrorCodes.MAX_ITEMS);
      return;
    }
    metrics.compression(r.compressed, r.beforeSize, r.afterSize);
    reply.ok();
    reply.end();
  }

  private void del(Request r, Reply reply) {
    boolean deleted = r.hasKey() && store.delete(r.keyBuf, r.keyOff, r.keyLen, store.hash(r.keyBuf, r.keyOff, r.keyLen));
    reply.ok();
    reply.member(DELETED).bool(deleted);
    reply.end();
  }

  private void list(Request r, Reply reply) {
    long now = clock.millis();
    store.purgeExpired(now);
    ByteOutput out = reply.ok();
    out.write(ITEMS);
    boolean[] first = {true};
    store.forEachLive(now, e -> {
      if (!first[0]) {
        out.write((byte) ',');
      }
      first[0] = false;
      out.jsonString(e.key, 0, e.key.length).write(EXPIRES).number(e.deadline).write(HAS_VALUE).bool(e.value != null)
          .write((byte) '}');
    });
    out.write((byte) '}');
    reply.end();
  }

  private void ping(Request r, Reply reply) {
    reply.ok();
    reply.member(PONG).number(clock.millis());
    reply.end();
  }

  private void stats(Request r, Reply reply) {
    long now = clock.millis();
    store.purgeExpired(now);
    leases.purgeExpired(now);
    ByteOutput out = reply.ok();
    out.ascii(",\"stats\":{\"items\":").number(store.size());
    out.ascii(",\"leases\":").number(leases.size());
    out.ascii(",\"capacity\":");
    capacity(out);
    memory(out, ",\"approximateStoreBytes\":", store.approximateBytes());
    out.ascii(",\"evictions\":").number(metrics.evictions());
    out.ascii(",\"uptime\":").number(now - state.startedAt).write((byte) '}');
    reply.end();
  }

  private void health(Request r, Reply reply) {
    long now = clock.millis();
    store.purgeExpired(now);
    leases.purgeExpired(now);
    int max = store.maxItems();
    double utilization = utilization();
    metrics.capacity(store.size(), max, max <= 0 ? 0 : (double) store.size() / max);
    boolean atCapacity = max > 0 && utilization >= 1.0;
    if (max > 0 && utilization >= 0.9) {
      if (!nearCapacityWarned) {
        nearCapacityWarned = true;
        log.warn("Store near capacity", "items", store.size(), "maxItems", max);
      }
    } else {
      nearCapacityWarned = false;
    }
    ByteOutput out = reply.ok();
    out.ascii(",\"status\":\"").ascii(atCapacity ? "degraded" : "healthy").write((byte) '"');
    out.ascii(",\"uptime\":").number(now - state.startedAt);
    out.ascii(",\"timestamp\":").number(now);
    out.ascii(",\"items\":").number(store.size());
    out.ascii(",\"leases\":").number(leases.size());
    out.ascii(",\"capacity\":");
    capacity(out);
    memory(out, ",\"heapTotal\":", Runtime.getRuntime().totalMemory());
    out.ascii(",\"connections\":{\"inFlight\":").number(state.inFlight);
    out.ascii(",\"open\":").number(state.connections);
    out.ascii(",\"draining\":").bool(state.draining).write((byte) '}');
    reply.end();
  }

  private void metrics(Request r, Reply reply) {
    String text = metrics.prometheus(state.inFlight, state.draining);
    ByteOutput out = reply.ok();
    out.ascii(",\"metrics\":").jsonString(text);
    out.ascii(",\"format\":\"prometheus\"");
    reply.end();
  }

  private void lease(Request r, Reply reply) {
    long ttl = r.ttlState == Request.VALID ? r.ttl : config.defaultTtlMillis();
    int value = leases.acquire(r.keyString(), r.workerId, ttl, clock.millis());
    if (value == Leases.HOLDS_OTHER_KEY) {
      reply.error(ErrorCodes.WORKER_ALREADY_HAS_LEASE);
      return;
    }
    reply.ok();
    reply.member(VALUE).number(value);
    reply.end();
  }

  private void release(Request r, Reply reply) {
    boolean released = leases.release(r.workerId, clock.millis());
    reply.ok();
    reply.member(RELEASED).bool(released);
    reply.end();
  }

  /** {@code ,"memory":{rss, heapUsed, <extra>}}: stats adds the store size, health the heap size. */
  private static void memory(ByteOutput out, String extraMember, long extraValue) {
    Runtime rt = Runtime.getRuntime();
    out.ascii(",\"memory\":{\"rss\":").number(rss());
    out.ascii(",\"heapUsed\":").number(rt.totalMemory() - rt.freeMemory());
    out.ascii(extraMember).number(extraValue).write((byte) '}');
  }

  /** {items, maxItems, utilization, nearCapacity, atCapacity, warning}, as the Node broker reports it. */
  private void capacity(ByteOutput out) {
    int max = store.maxItems();
    double u = utilization();
    boolean near = max > 0 && u >= 0.9;
    boolean at = max > 0 && u >= 1.0;
    out.ascii("{\"items\":").number(store.size());
    out.ascii(",\"maxItems\":").number(max);
    out.ascii(",\"utilization\":").ascii(formatRatio(u));
    out.ascii(",\"nearCapacity\":").bool(near);
    out.ascii(",\"atCapacity\":").bool(at);
    out.ascii(",\"warning\":").ascii(at ? "\"at_capacity\"" : near ? "\"near_capacity\"" : "null");
    out.write((byte) '}');
  }

  /** items / maxItems rounded to two decimals; 0 when unlimited. */
  private double utilization() {
    int max = store.maxItems();
    return max <= 0 ? 0 : Math.round((double) store.size() / max * 100) / 100.0;
  }

  static String formatRatio(double v) {
    if (v == Math.rint(v)) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
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
