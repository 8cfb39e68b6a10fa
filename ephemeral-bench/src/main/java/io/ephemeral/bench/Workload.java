package io.ephemeral.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The requests of one operation in one protocol, encoded once up front, and the check of every
 * response. Sending a request is a copy of prepared bytes, so the generator allocates nothing per
 * request.
 *
 * <p>Every key has its own value ({@code v<key>-xxxx…}), and a get's answer must carry exactly the
 * value of the key it asked for: an answer out of order is a failure, not a silent success.
 */
final class Workload {
  enum Op {
    PING,
    GET,
    SET,
    LEASE,
    /** setIfAbsent; Redis: SET key value NX PX ttl. Keys are stored after the first round. */
    SETNX,
    /** incr of one of 16 counters; Redis: INCR. */
    INCR,
    /** compute of a stored key (the single-flight read once the value exists); preloaded. */
    COMPUTE,
    /** barrier of one party: the action's own cost, released at once. */
    BARRIER,
    /** acquire of one of 16 rate limiters that never run out (10,000 permits per ms). */
    ACQUIRE,
    /**
     * lock: lease of a pool of one, then release, on a lock of its own per worker; Redis: SET NX PX
     * and DEL, as for a lease.
     */
    LOCK;

    /** A counted operation is a lease and its release (two requests). */
    boolean pairs() {
      return this == LEASE || this == LOCK;
    }

    /** Whether Redis runs a counterpart (for leases and locks: a plain Redis lock). */
    boolean onRedis() {
      return this != COMPUTE && this != BARRIER && this != ACQUIRE;
    }

    /** Whether the keys are stored before the run (the answers carry their values). */
    boolean readsValues() {
      return this == GET || this == COMPUTE;
    }
  }

  enum Protocol {
    /** Newline-delimited JSON, the broker's KV protocol. */
    KV,
    /** Redis's RESP2. */
    RESP
  }

  /** Lease mode: all preloaded holders and the measured workers take slots of this key. */
  static final String LEASE_KEY = "pool";

  final Op op;
  final Protocol protocol;
  final int keys;
  final int valueSize;
  final long ttlMillis;

  /** Tells this workload's Redis locks from those of earlier runs. */
  private final int run = RUNS.incrementAndGet();

  private static final java.util.concurrent.atomic.AtomicInteger RUNS =
      new java.util.concurrent.atomic.AtomicInteger();

  /** request[i]: the request for key i (get, set) or the i-th lease/release of a worker. */
  private final byte[][] requests;

  /** Values as JSON strings (KV) or raw bytes (RESP), by key. */
  private final byte[][] values;

  private final byte[] ping;

  private static final byte[] KV_OK = ascii("{\"ok\":true");
  private static final byte[] KV_VALUE = ascii("{\"ok\":true,\"value\":");
  private static final byte[] KV_PONG = ascii("{\"ok\":true,\"pong\":");
  private static final byte[] KV_RELEASED = ascii("{\"ok\":true,\"released\":true");
  private static final byte[] KV_STORED = ascii("{\"ok\":true,\"stored\":");
  private static final byte[] KV_INDEX = ascii("{\"ok\":true,\"index\":0,");
  private static final byte[] KV_GRANTED = ascii("{\"ok\":true,\"granted\":true,");
  private static final byte[] KV_LOCKED = ascii("{\"ok\":true,\"value\":0,");
  private static final byte[] RESP_NIL = ascii("$-1\r\n");
  private static final byte[] RESP_OK = ascii("+OK\r\n");
  private static final byte[] RESP_PONG = ascii("+PONG\r\n");
  private static final byte[] RESP_ONE = ascii(":1\r\n");

  Workload(Op op, Protocol protocol, int keys, int valueSize, long ttlMillis) {
    if (!op.onRedis() && protocol == Protocol.RESP) {
      throw new IllegalArgumentException(op + " has no Redis counterpart");
    }
    this.op = op;
    this.protocol = protocol;
    this.keys = keys;
    this.valueSize = valueSize;
    this.ttlMillis = ttlMillis;
    this.values = new byte[keys][];
    for (int i = 0; i < keys; i++) {
      byte[] raw = valueOf(i, valueSize);
      values[i] = protocol == Protocol.KV ? quote(raw) : raw;
    }
    this.ping =
        protocol == Protocol.KV ? ascii("{\"action\":\"ping\"}\n") : ascii("*1\r\n$4\r\nPING\r\n");
    if (op.pairs()) {
      // Even slots lease, odd slots release, worker w<i/2>: one pair per two requests.
      requests = new byte[keys * 2][];
      for (int i = 0; i < keys; i++) {
        requests[2 * i] = op == Op.LEASE ? lease("w" + i) : lock(i);
        requests[2 * i + 1] =
            protocol == Protocol.KV
                ? ascii("{\"action\":\"release\",\"workerId\":\"w" + i + "\"}\n")
                : resp("DEL", lockKey("w" + i));
      }
    } else {
      requests = new byte[keys][];
      for (int i = 0; i < keys; i++) {
        requests[i] = request(op, i);
      }
    }
  }

  private byte[] request(Op op, int i) {
    boolean kv = protocol == Protocol.KV;
    String k = "k" + i;
    String c = "c" + (i % 16);
    switch (op) {
      case GET:
        return get(i);
      case SET:
        return set(i);
      case SETNX:
        if (kv) {
          return concat(
              ascii("{\"action\":\"setIfAbsent\",\"key\":\"" + k + "\",\"value\":"),
              values[i],
              ascii(",\"ttl\":" + ttlMillis + "}\n"));
        }
        String ttl = Long.toString(ttlMillis);
        return concat(
            ascii("*6\r\n$3\r\nSET\r\n$" + k.length() + "\r\n" + k + "\r\n$" + valueSize + "\r\n"),
            values[i],
            ascii("\r\n$2\r\nNX\r\n$2\r\nPX\r\n$" + ttl.length() + "\r\n" + ttl + "\r\n"));
      case INCR:
        return kv
            ? ascii("{\"action\":\"incr\",\"key\":\"" + c + "\",\"ttl\":" + ttlMillis + "}\n")
            : ascii("*2\r\n$4\r\nINCR\r\n$" + c.length() + "\r\n" + c + "\r\n");
      case COMPUTE:
        return ascii("{\"action\":\"compute\",\"key\":\"" + k + "\"}\n");
      case BARRIER:
        return ascii(
            "{\"action\":\"barrier\",\"key\":\"b" + i + "\",\"parties\":1,\"wait\":1000}\n");
      case ACQUIRE:
        return ascii(
            "{\"action\":\"acquire\",\"key\":\"r"
                + (i % 16)
                + "\",\"permits\":10000,\"per\":1,\"wait\":0}\n");
      default:
        return ping;
    }
  }

  /**
   * Number of distinct requests the generator cycles through (random pick for keys, in turn for
   * leases).
   */
  int requestCount() {
    return requests.length;
  }

  byte[] request(int index) {
    return requests[index];
  }

  /** The set of key i, used to preload keys before a get run. */
  byte[] set(int key) {
    String k = "k" + key;
    if (protocol == Protocol.KV) {
      String head = "{\"action\":\"set\",\"key\":\"" + k + "\",\"value\":";
      String tail = ",\"ttl\":" + ttlMillis + "}\n";
      return concat(ascii(head), values[key], ascii(tail));
    }
    String ttl = Long.toString(ttlMillis);
    String head = "*5\r\n$3\r\nSET\r\n$" + k.length() + "\r\n" + k + "\r\n$" + valueSize + "\r\n";
    String tail = "\r\n$2\r\nPX\r\n$" + ttl.length() + "\r\n" + ttl + "\r\n";
    return concat(ascii(head), values[key], ascii(tail));
  }

  private byte[] get(int key) {
    String k = "k" + key;
    if (protocol == Protocol.KV) {
      return ascii("{\"action\":\"get\",\"key\":\"" + k + "\"}\n");
    }
    return ascii("*2\r\n$3\r\nGET\r\n$" + k.length() + "\r\n" + k + "\r\n");
  }

  /**
   * A lease of {@link #LEASE_KEY} for a worker (also used to preload the holders). In RESP, the
   * plain Redis lock a user would take instead: {@code SET pool:<worker> 1 NX PX <ttl>}, released
   * with {@code DEL}; no pool slots, queue or fencing token.
   */
  byte[] lease(String worker) {
    return protocol == Protocol.KV
        ? leaseRequest(worker, ttlMillis)
        : resp("SET", lockKey(worker), "1", "NX", "PX", Long.toString(ttlMillis));
  }

  /** The lock of worker w{@code i}: a lease of a pool of one of its own (KV), or a Redis lock. */
  private byte[] lock(int i) {
    if (protocol == Protocol.RESP) {
      return lease("w" + i);
    }
    return ascii(
        "{\"action\":\"lease\",\"key\":\"lock:l"
            + i
            + "\",\"workerId\":\"w"
            + i
            + "\",\"ttl\":"
            + ttlMillis
            + ",\"size\":1}\n");
  }

  /**
   * A lock key of this workload's own: a run may end between a worker's lease and its release, and
   * a later run must not find that lock still taken.
   */
  private String lockKey(String worker) {
    return LEASE_KEY + ":" + run + ":" + worker;
  }

  private static byte[] resp(String... args) {
    StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
    }
    return ascii(sb.toString());
  }

  private static byte[] leaseRequest(String worker, long ttlMillis) {
    return ascii(
        "{\"action\":\"lease\",\"key\":\""
            + LEASE_KEY
            + "\",\"workerId\":\""
            + worker
            + "\",\"ttl\":"
            + ttlMillis
            + "}\n");
  }

  /**
   * Checks the response at the front of {@code buf[from, to)} to {@code request} (a request index
   * as passed to {@link #request}, or -1 for a preload set).
   *
   * @return the bytes it took, or 0 if the response is not complete yet
   * @throws BenchException if the response is an error or not the answer to that request
   */
  int check(byte[] buf, int from, int to, Op kind, int request) {
    return protocol == Protocol.KV
        ? checkKv(buf, from, to, kind, request)
        : checkResp(buf, from, to, kind, request);
  }

  private int checkKv(byte[] buf, int from, int to, Op kind, int request) {
    if (kind.readsValues()) {
      // Most bytes of a get's answer are the value: compare it first, then look for the end of
      // the line only after it, so the generator does not walk every byte twice.
      byte[] v = values[request];
      int after = from + KV_VALUE.length + v.length;
      if (after <= to
          && startsWith(buf, from, to, KV_VALUE)
          && Arrays.equals(buf, from + KV_VALUE.length, after, v, 0, v.length)) {
        for (int i = after; i < to; i++) {
          if (buf[i] == '\n') {
            return i + 1 - from;
          }
        }
        return 0;
      }
    }
    int nl = -1;
    for (int i = from; i < to; i++) {
      if (buf[i] == '\n') {
        nl = i;
        break;
      }
    }
    if (nl < 0) {
      return 0;
    }
    boolean good;
    switch (kind) {
      case PING:
        good = startsWith(buf, from, nl, KV_PONG);
        break;
      case SETNX:
        good = startsWith(buf, from, nl, KV_STORED);
        break;
      case INCR:
        good = startsWith(buf, from, nl, KV_VALUE) && isDigit(buf[from + KV_VALUE.length]);
        break;
      case BARRIER:
        good = startsWith(buf, from, nl, KV_INDEX);
        break;
      case ACQUIRE:
        good = startsWith(buf, from, nl, KV_GRANTED);
        break;
      case LOCK:
        good =
            (request & 1) == 0
                ? startsWith(buf, from, nl, KV_LOCKED)
                : startsWith(buf, from, nl, KV_RELEASED);
        break;
      case GET:
      case COMPUTE:
        {
          byte[] v = values[request];
          good =
              startsWith(buf, from, nl, KV_VALUE)
                  && nl - from - KV_VALUE.length >= v.length
                  && Arrays.equals(
                      buf,
                      from + KV_VALUE.length,
                      from + KV_VALUE.length + v.length,
                      v,
                      0,
                      v.length);
          break;
        }
      case LEASE:
        good =
            (request & 1) == 0
                ? startsWith(buf, from, nl, KV_VALUE) && isDigit(buf[from + KV_VALUE.length])
                : startsWith(buf, from, nl, KV_RELEASED);
        break;
      default: // SET
        good =
            nl - from == KV_OK.length + 1 && startsWith(buf, from, nl, KV_OK) && buf[nl - 1] == '}';
    }
    if (!good) {
      throw new BenchException(
          "unexpected answer to " + describe(kind, request) + ": " + excerpt(buf, from, nl));
    }
    return nl + 1 - from;
  }

  private int checkResp(byte[] buf, int from, int to, Op kind, int request) {
    if (to - from < 1) {
      return 0;
    }
    switch (kind) {
      case PING:
        return expectExactly(buf, from, to, RESP_PONG, kind, request);
      case SET:
        return expectExactly(buf, from, to, RESP_OK, kind, request);
      case LEASE:
      case LOCK:
        return expectExactly(buf, from, to, (request & 1) == 0 ? RESP_OK : RESP_ONE, kind, request);
      case SETNX:
        return expectExactly(buf, from, to, buf[from] == '+' ? RESP_OK : RESP_NIL, kind, request);
      case INCR:
        { // :<n>\r\n
          if (buf[from] != ':') {
            return expectExactly(buf, from, to, new byte[] {':'}, kind, request);
          }
          for (int i = from + 1; i < to; i++) {
            if (buf[i] == '\n') {
              return i + 1 - from;
            }
          }
          return 0;
        }
      default:
        { // GET: $<len>\r\n<value>\r\n
          if (buf[from] != '$') {
            return expectExactly(buf, from, to, new byte[] {'$'}, kind, request);
          }
          int len = 0;
          int i = from + 1;
          for (; i < to && buf[i] != '\r'; i++) {
            if (!isDigit(buf[i])) {
              throw new BenchException(
                  "unexpected answer to "
                      + describe(kind, request)
                      + ": "
                      + excerpt(buf, from, to));
            }
            len = len * 10 + (buf[i] - '0');
          }
          if (i + 1 >= to) {
            return 0;
          }
          int body = i + 2;
          int end = body + len + 2;
          if (end > to) {
            return 0;
          }
          byte[] v = values[request];
          if (len != v.length || !Arrays.equals(buf, body, body + len, v, 0, len)) {
            throw new BenchException(
                "unexpected answer to " + describe(kind, request) + ": " + excerpt(buf, from, end));
          }
          return end - from;
        }
    }
  }

  private int expectExactly(byte[] buf, int from, int to, byte[] expected, Op kind, int request) {
    int n = Math.min(to - from, expected.length);
    if (!Arrays.equals(buf, from, from + n, expected, 0, n)) {
      int end = from;
      while (end < to && buf[end] != '\n') {
        end++;
      }
      throw new BenchException(
          "unexpected answer to " + describe(kind, request) + ": " + excerpt(buf, from, end));
    }
    return n == expected.length ? n : 0;
  }

  private String describe(Op kind, int request) {
    String p = protocol == Protocol.KV ? "KV " : "RESP ";
    if (kind.pairs()) {
      return p + ((request & 1) == 0 ? "lease" : "release") + " of worker w" + (request >>> 1);
    }
    return p
        + kind.name().toLowerCase(java.util.Locale.ROOT)
        + (kind == Op.PING ? "" : " of key k" + request);
  }

  static byte[] valueOf(int key, int size) {
    byte[] v = new byte[size];
    Arrays.fill(v, (byte) 'x');
    byte[] tag = ascii("v" + key + "-");
    System.arraycopy(tag, 0, v, 0, Math.min(tag.length, size));
    return v;
  }

  private static boolean startsWith(byte[] buf, int from, int to, byte[] prefix) {
    return to - from >= prefix.length
        && Arrays.equals(buf, from, from + prefix.length, prefix, 0, prefix.length);
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static String excerpt(byte[] buf, int from, int to) {
    int end = Math.min(to, from + 160);
    String s =
        new String(buf, from, Math.max(0, end - from), StandardCharsets.UTF_8)
            .replace("\r", "\\r")
            .replace("\n", "\\n");
    return end < to ? s + "…" : s;
  }

  private static byte[] quote(byte[] raw) {
    byte[] q = new byte[raw.length + 2];
    q[0] = '"';
    System.arraycopy(raw, 0, q, 1, raw.length);
    q[q.length - 1] = '"';
    return q;
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int pos = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, pos, p.length);
      pos += p.length;
    }
    return out;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
