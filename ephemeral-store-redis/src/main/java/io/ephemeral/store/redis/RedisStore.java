package io.ephemeral.store.redis;

import static io.ephemeral.store.redis.ScriptArgs.EMPTY;
import static io.ephemeral.store.redis.ScriptArgs.flag;
import static io.ephemeral.store.redis.ScriptArgs.isOne;
import static io.ephemeral.store.redis.ScriptArgs.number;
import static io.ephemeral.store.redis.ScriptArgs.utf8;
import static io.ephemeral.store.redis.ScriptArgs.valueArgs;

import io.ephemeral.broker.Clock;
import io.ephemeral.broker.store.RemoteStore;
import io.ephemeral.broker.store.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The broker's values and lease pools in Redis, so that brokers on many hosts share them: hand it
 * to {@code Broker.builder().store(...)}, or start the broker with {@code --store
 * redis://host:6379/0?prefix=ci-42}.
 *
 * <pre>{@code
 * RedisStore store = RedisStore.builder().standalone("redis.internal:6379").prefix("ci-42").build();
 * try (Broker broker = Broker.builder().store(store).build()) {
 *   broker.start();   // fails at once if Redis cannot be reached
 *   ...
 * }
 * }</pre>
 *
 * <p>Every operation that changes something is one Lua script, so it is atomic across brokers: two
 * brokers never grant one slot twice, and fencing tokens come from one counter. A plain get is a
 * GET and a PTTL of the item's key, which Redis runs one right after the other (a script costs
 * Redis several times as much CPU as the two). Time is the Redis server's clock. All keys of one
 * prefix share the hash tag {@code {prefix}}, so on Redis Cluster they live in one slot (one node).
 * Calls are bounded by {@link Builder#timeout}; an unreachable or slow Redis throws {@link
 * StoreUnavailableException}, and the connection pool reconnects by itself when Redis is back.
 */
public final class RedisStore implements RemoteStore {

  /** Where Redis is and how to connect to it. */
  private final RedisEndpoint endpoint;

  private final String prefix;
  private final Clock clock;
  private final long graceMillis;

  /** The coordination primitives, each run as its own script call. */
  private final RedisCoordination coordination;

  private final long waitHoldMillis;
  private final List<byte[]> keys;

  private static final byte[] GET = {'G', 'E', 'T'};
  private static final byte[] PTTL = {'P', 'T', 'T', 'L'};
  private static final byte[] EVALSHA = "EVALSHA".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ONE = {'1'};

  /** {@code {prefix}:v:}, the start of every item's key. */
  private final byte[] valueKeyPrefix;

  /**
   * The highest fencing token this store has handed out: tokens continue above it if Redis lost its
   * data.
   */
  private final AtomicLong highestToken = new AtomicLong();

  private volatile UnifiedJedis client;
  private volatile boolean scriptsLoaded;

  private RedisStore(Builder b) {
    this.endpoint =
        new RedisEndpoint(
            b.mode,
            List.copyOf(b.hosts),
            b.unixSocket,
            b.master,
            b.database,
            b.user,
            b.password,
            b.tls,
            b.sslContext,
            (int) b.timeout.toMillis(),
            (int) (b.connectTimeout != null ? b.connectTimeout : b.timeout).toMillis(),
            b.threads);
    this.prefix = b.prefix;
    this.clock = b.clock;
    this.graceMillis = b.grace.toMillis();
    this.coordination =
        new RedisCoordination(
            new RedisCoordination.Runner() {
              @Override
              public <T> T run(
                  Scripts script, byte[][] args, java.util.function.Function<Object, T> decode) {
                return invoke(new Invocation<>(script, args, decode));
              }
            },
            graceMillis);
    this.waitHoldMillis = b.waitHold.toMillis();
    this.keys = List.of(("{" + prefix + "}:m").getBytes(StandardCharsets.UTF_8));
    this.valueKeyPrefix = ("{" + prefix + "}:v:").getBytes(StandardCharsets.UTF_8);
  }

  /** A builder; set one of standalone, cluster or sentinel. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A store from a URI: {@code redis://[user:password@]host[:port][/db]}, {@code rediss://} (TLS),
   * {@code redis-cluster://host:port,host:port}, {@code
   * redis-sentinel://host:port,...?master=NAME}, {@code
   * redis-socket:///path/to/redis.sock?database=N} (a Redis on this host, through its Unix socket),
   * each with options {@code ?prefix=&timeout=&connectTimeout=&threads=} ({@code tls=true} for
   * cluster and sentinel). A password left out of the URI is read from {@code
   * BROKER_REDIS_PASSWORD} (and {@code BROKER_REDIS_USER}) in {@code environment}.
   *
   * @throws IllegalArgumentException naming what is wrong with the URI
   */
  public static RedisStore fromUri(String uri, Map<String, String> environment) {
    return RedisUri.parse(uri, environment).build();
  }

  // ---- lifecycle ----

  @Override
  public synchronized void open() {
    if (client != null) {
      return;
    }
    UnifiedJedis c;
    try {
      c = endpoint.connect();
    } catch (JedisException | IllegalArgumentException e) {
      throw unreachable(e);
    }
    client = c;
    try {
      // One round trip that needs scripting and the permissions every later call needs.
      counts();
    } catch (StoreUnavailableException e) {
      client = null;
      c.close();
      throw unreachable(e);
    } catch (RuntimeException e) {
      client = null;
      c.close();
      throw new StoreUnavailableException(
          "Redis at " + describe() + " refused the store's scripts: " + RedisFailures.reason(e), e);
    }
  }

  private StoreUnavailableException unreachable(Exception e) {
    return new StoreUnavailableException(
        "cannot reach Redis at "
            + describe()
            + ": "
            + RedisFailures.reason(e)
            + endpoint.tlsHint(e),
        e);
  }

  @Override
  public synchronized void close() {
    UnifiedJedis c = client;
    client = null;
    scriptsLoaded = false;
    if (c != null) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // closing sockets to a Redis that may be gone
      }
    }
  }

  @Override
  public String describe() {
    return endpoint.describe() + " (prefix " + prefix + ")";
  }

  @Override
  public int concurrency() {
    return endpoint.threads();
  }

  /** The key prefix: every key of this store is {@code {prefix}:...}. */
  public String prefix() {
    return prefix;
  }

  // ---- operations: each is one script invocation and a decoder of its reply ----

  /**
   * Whether a get may read the item with GET and PTTL instead of a script: both commands run one
   * right after the other on one connection (Redis serves a connection's pipelined commands in a
   * row), PTTL tells the item's deadline on Redis's own clock (Redis drops the key {@code grace}
   * after it), and a get that neither slides the TTL nor records a use for LRU changes nothing. Not
   * with an injected clock (tests): Redis's expiry follows its own clock.
   */
  boolean nativeGet(boolean refreshTtl, boolean lru) {
    return clock == null && !refreshTtl && !lru;
  }

  private byte[] valueKey(byte[] key) {
    byte[] k = new byte[valueKeyPrefix.length + key.length];
    System.arraycopy(valueKeyPrefix, 0, k, 0, valueKeyPrefix.length);
    System.arraycopy(key, 0, k, valueKeyPrefix.length, key.length);
    return k;
  }

  /**
   * Reads an item from what GET and PTTL answered ({@code "<c><deadline>:<ttl>:<json>"} and the
   * milliseconds Redis keeps it): missing, expired (its deadline passed, so at most {@code grace}
   * is left), or the value.
   */
  private Value decodeItem(byte[] raw, long pttl) {
    if (raw == null || pttl == -2) {
      return new Value(Found.MISSING, null, false);
    }
    if (pttl >= 0 && pttl <= graceMillis) {
      return new Value(Found.EXPIRED, null, false);
    }
    int colons = 0;
    int i = 1;
    while (colons < 2) {
      if (raw[i++] == ':') {
        colons++;
      }
    }
    byte c = raw[0];
    return new Value(
        Found.VALUE, c == '-' ? null : Arrays.copyOfRange(raw, i, raw.length), c == '1');
  }

  /**
   * Removes keys whose reads found them expired, unless they were written again meanwhile, so that
   * the next get says not_found as in memory mode. Best effort: should Redis be gone, it drops them
   * itself {@code grace} after their deadline.
   */
  private void removeExpired(List<byte[]> expiredKeys) {
    try {
      for (byte[] key : expiredKeys) {
        invoke(expiredCall(key));
      }
    } catch (RuntimeException e) {
      // the answer "expired" stands; Redis removes the key after its grace
    }
  }

  Invocation<Value> getCall(byte[] key, boolean refreshTtl, boolean lru) {
    return new Invocation<>(
        Scripts.GET,
        new byte[][] {key, flag(refreshTtl), flag(lru), number(graceMillis)},
        raw -> {
          List<?> r = (List<?>) raw;
          long found = (Long) r.get(0);
          if (found == 0) {
            return new Value(Found.MISSING, null, false);
          }
          if (found == 2) {
            return new Value(Found.EXPIRED, null, false);
          }
          return new Value(Found.VALUE, r.size() > 2 ? (byte[]) r.get(2) : null, isOne(r.get(1)));
        });
  }

  Invocation<Stored> setCall(
      byte[] key, byte[] json, boolean compressed, long ttlMillis, int maxItems, boolean lru) {
    return new Invocation<>(
        Scripts.SET,
        valueArgs(key, json, compressed, ttlMillis, maxItems, lru, graceMillis),
        raw -> {
          List<?> r = (List<?>) raw;
          return new Stored((Long) r.get(0) == 1, ((Long) r.get(1)).intValue());
        });
  }

  Invocation<Boolean> deleteCall(byte[] key) {
    return new Invocation<>(Scripts.DEL, new byte[][] {key}, raw -> (Long) raw == 1);
  }

  Invocation<List<Item>> listCall() {
    return new Invocation<>(
        Scripts.LIST,
        new byte[0][],
        raw -> {
          List<?> r = (List<?>) raw;
          List<Item> items = new ArrayList<>(r.size() / 3);
          for (int i = 0; i + 2 < r.size(); i += 3) {
            long expires =
                (long)
                    Double.parseDouble(
                        new String((byte[]) r.get(i + 1), StandardCharsets.US_ASCII));
            items.add(new Item((byte[]) r.get(i), expires, (Long) r.get(i + 2) == 1));
          }
          return items;
        });
  }

  Invocation<Counts> countsCall() {
    return new Invocation<>(
        Scripts.COUNTS,
        new byte[0][],
        raw -> {
          List<?> r = (List<?>) raw;
          return new Counts((Long) r.get(0), (Long) r.get(1), (Long) r.get(2), (Long) r.get(3));
        });
  }

  Invocation<Lease> leaseCall(
      String key, String workerId, long ttlMillis, int size, String ticket) {
    return new Invocation<>(
        Scripts.LEASE,
        new byte[][] {
          utf8(key),
          utf8(workerId),
          number(ttlMillis),
          number(size),
          ticket == null ? EMPTY : utf8(ticket),
          number(waitHoldMillis),
          number(highestToken.get())
        },
        raw -> {
          List<?> r = (List<?>) raw;
          long code = (Long) r.get(0);
          if (code >= 0) {
            long token = (Long) r.get(1);
            highestToken.accumulateAndGet(token, Math::max);
            return new Lease(LeaseOutcome.GRANTED, (int) code, token);
          }
          switch ((int) code) {
            case -1:
              return new Lease(LeaseOutcome.HOLDS_OTHER_KEY, -1, 0);
            case -2:
              return new Lease(LeaseOutcome.POOL_FULL, -1, 0, ((Long) r.get(1)).intValue());
            case -3:
              return new Lease(LeaseOutcome.SIZE_MISMATCH, -1, 0, ((Long) r.get(1)).intValue());
            case -4:
              return new Lease(LeaseOutcome.ALREADY_WAITING, -1, 0);
            case -5:
              return new Lease(LeaseOutcome.QUEUED, -1, 0);
            default:
              throw new IllegalStateException("unexpected lease answer " + code);
          }
        });
  }

  Invocation<Void> cancelCall(String workerId, String ticket) {
    return new Invocation<>(
        Scripts.CANCEL, new byte[][] {utf8(workerId), utf8(ticket)}, raw -> null);
  }

  Invocation<Released> releaseCall(String workerId, long token) {
    return new Invocation<>(
        Scripts.RELEASE,
        new byte[][] {utf8(workerId), number(token)},
        raw -> {
          List<?> r = (List<?>) raw;
          long code = (Long) r.get(0);
          if (code == 0) {
            return new Released(ReleaseOutcome.NOT_HELD, null);
          }
          return new Released(
              code == 1 ? ReleaseOutcome.RELEASED : ReleaseOutcome.EXPIRED,
              io.ephemeral.protocol.Wtf8.decode((byte[]) r.get(1)));
        });
  }

  Invocation<long[]> sweepCall(int budget) {
    return new Invocation<>(
        Scripts.SWEEP,
        new byte[][] {number(budget)},
        raw -> {
          List<?> r = (List<?>) raw;
          return new long[] {(Long) r.get(0), (Long) r.get(1)};
        });
  }

  @Override
  public Value get(byte[] key, boolean refreshTtl, boolean lru) {
    if (!nativeGet(refreshTtl, lru)) {
      return invoke(getCall(key, refreshTtl, lru));
    }
    Value v;
    try (redis.clients.jedis.AbstractPipeline pipeline = client().pipelined()) {
      byte[] vk = valueKey(key);
      redis.clients.jedis.Response<byte[]> raw = pipeline.get(vk);
      redis.clients.jedis.Response<Long> pttl = pipeline.pttl(vk);
      pipeline.sync();
      v = decodeItem(raw.get(), pttl.get());
    } catch (JedisException e) {
      throw failure(null, e);
    }
    if (v.found() == Found.EXPIRED) {
      removeExpired(List.of(key));
    }
    return v;
  }

  @Override
  public Stored set(
      byte[] key, byte[] json, boolean compressed, long ttlMillis, int maxItems, boolean lru) {
    return invoke(setCall(key, json, compressed, ttlMillis, maxItems, lru));
  }

  @Override
  public boolean delete(byte[] key) {
    return invoke(deleteCall(key));
  }

  @Override
  public List<Item> list() {
    return invoke(listCall());
  }

  @Override
  public Counts counts() {
    return invoke(countsCall());
  }

  @Override
  public Lease lease(String key, String workerId, long ttlMillis, int size, String ticket) {
    return invoke(leaseCall(key, workerId, ttlMillis, size, ticket));
  }

  @Override
  public void cancelWait(String workerId, String ticket) {
    invoke(cancelCall(workerId, ticket));
  }

  @Override
  public Released release(String workerId, long token) {
    return invoke(releaseCall(workerId, token));
  }

  @Override
  public long[] sweep(int budget) {
    return invoke(sweepCall(budget));
  }

  @Override
  public io.ephemeral.broker.store.CoordinationStore coordination() {
    return coordination;
  }

  /**
   * Sends the calls as one pipeline: Redis runs them in order on one connection, in one round trip.
   * A connection failure fails them all (their outcome is unknown).
   */
  @Override
  public List<Object> inOrder(List<Call<?>> calls) {
    if (calls.size() == 1) {
      return RemoteStore.super.inOrder(calls);
    }
    List<Invocation<?>> invocations = record(calls);
    UnifiedJedis c = client();
    try {
      loadScripts(c);
      List<redis.clients.jedis.Response<?>> replies = new ArrayList<>(calls.size() + 4);
      try (redis.clients.jedis.AbstractPipeline pipeline = c.pipelined()) {
        for (Invocation<?> inv : invocations) {
          if (inv.script() == null) {
            byte[] vk = valueKey(inv.args()[0]);
            replies.add(pipeline.get(vk));
            replies.add(pipeline.pttl(vk));
          } else {
            replies.add(pipeline.evalsha(inv.script().sha1, keys, argv(inv.args())));
          }
        }
        pipeline.sync();
      }
      List<Object> raws = new ArrayList<>(replies.size());
      for (redis.clients.jedis.Response<?> reply : replies) {
        try {
          raws.add(reply.get());
        } catch (JedisException e) {
          raws.add(e); // this reply's error; the others stand
        }
      }
      List<byte[]> expired = new ArrayList<>(0);
      List<Object> results = decodeAll(invocations, raws, expired);
      if (!expired.isEmpty()) {
        removeExpired(expired);
      }
      return results;
    } catch (JedisException e) {
      return java.util.Collections.nCopies(calls.size(), failure(null, e));
    }
  }

  /** The one invocation each call makes, in order ({@link CallRecorder}). */
  List<Invocation<?>> record(List<Call<?>> calls) {
    CallRecorder recorder = new CallRecorder(this);
    for (Call<?> call : calls) {
      int before = recorder.invocations.size();
      call.on(recorder);
      if (recorder.invocations.size() != before + 1) {
        throw new IllegalStateException("a call must make exactly one store call");
      }
    }
    return recorder.invocations;
  }

  /** Replies Redis sends for an invocation: GET and PTTL for a plain read, else one. */
  static int replies(Invocation<?> inv) {
    return inv.script() == null ? 2 : 1;
  }

  /** Writes an invocation's commands ({@link #replies} of them) for {@link RedisLoopConnection}. */
  void encode(Invocation<?> inv, RespWriter out) {
    if (inv.script() == null) {
      byte[] vk = valueKey(inv.args()[0]);
      out.command(2).arg(GET).arg(vk);
      out.command(2).arg(PTTL).arg(vk);
      return;
    }
    byte[][] args = inv.args();
    out.command(args.length + 5).arg(EVALSHA).arg(inv.script().sha1).arg(ONE).arg(keys.get(0));
    out.arg(clock == null ? EMPTY : number(clock.millis()));
    for (byte[] a : args) {
      out.arg(a);
    }
  }

  /** The command that removes an item a read found expired ({@link #removeExpired}). */
  Invocation<Void> expiredCall(byte[] key) {
    return new Invocation<>(Scripts.EXPIRED, new byte[][] {key}, raw -> null);
  }

  /**
   * Each invocation's result from Redis's replies to them ({@link #replies} per invocation; a reply
   * that is an error is its JedisException): the decoded value or the RuntimeException the call
   * fails with. Adds the keys that plain reads found expired to {@code expired}.
   */
  List<Object> decodeAll(List<Invocation<?>> invocations, List<Object> raws, List<byte[]> expired) {
    List<Object> results = new ArrayList<>(invocations.size());
    int reply = 0;
    for (Invocation<?> inv : invocations) {
      try {
        if (inv.script() == null) {
          Object raw = raws.get(reply++);
          Object pttl = raws.get(reply++);
          if (raw instanceof JedisException e) {
            throw e;
          }
          if (pttl instanceof JedisException e) {
            throw e;
          }
          Value v = decodeItem((byte[]) raw, (Long) pttl);
          if (v.found() == Found.EXPIRED) {
            expired.add(inv.args()[0]);
          }
          results.add(v);
        } else {
          Object raw = raws.get(reply++);
          if (raw instanceof JedisException e) {
            throw e;
          }
          results.add(inv.decode().apply(raw));
        }
      } catch (JedisException e) {
        results.add(failure(inv.script(), e));
      } catch (RuntimeException e) {
        results.add(e);
      }
    }
    return results;
  }

  /**
   * A connection for the broker's event loop ({@link RedisLoopConnection}): for a standalone Redis
   * without TLS. Cluster and Sentinel (which route and fail over) and TLS keep the store threads.
   */
  @Override
  public LoopConnection openLoopConnection() {
    if (endpoint.mode() != RedisEndpoint.Mode.STANDALONE || endpoint.tls()) {
      return null;
    }
    return RedisLoopConnection.open(this, endpoint);
  }

  /** The prefix's one key every script is given (its hash tag), for loading them. */
  byte[] scriptKey() {
    return keys.get(0);
  }

  /** How long past its deadline Redis keeps an item. */
  long graceMillis() {
    return graceMillis;
  }

  /** The exception a caller gets for a Jedis failure, for {@link RedisLoopConnection}. */
  RuntimeException failureOf(JedisException e) {
    return failure(null, e);
  }

  // ---- plumbing ----

  private UnifiedJedis client() {
    UnifiedJedis c = client;
    if (c == null) {
      throw new StoreUnavailableException("the Redis store " + describe() + " is not open");
    }
    return c;
  }

  private List<byte[]> argv(byte[][] args) {
    List<byte[]> argv = new ArrayList<>(args.length + 1);
    argv.add(clock == null ? EMPTY : number(clock.millis()));
    for (byte[] a : args) {
      argv.add(a);
    }
    return argv;
  }

  /** Makes sure Redis has the scripts (after a start or a restart of Redis, which forgets them). */
  private void loadScripts(UnifiedJedis c) {
    if (!scriptsLoaded) {
      for (Scripts s : Scripts.values()) {
        c.scriptLoad(s.source, keys.get(0));
      }
      scriptsLoaded = true;
    }
  }

  /** Runs one script; maps every failure to reach Redis to StoreUnavailableException. */
  private <T> T invoke(Invocation<T> inv) {
    UnifiedJedis c = client();
    List<byte[]> argv = argv(inv.args());
    Object raw;
    try {
      try {
        raw = c.evalsha(inv.script().sha1, keys, argv);
      } catch (JedisNoScriptException e) {
        // First use on this server, or Redis restarted: EVAL sends the script and caches it.
        scriptsLoaded = false;
        raw = c.eval(inv.script().source, keys, argv);
      }
    } catch (JedisException e) {
      throw failure(inv.script(), e);
    }
    return inv.decode().apply(raw);
  }

  /**
   * The exception a caller gets for a Jedis failure ({@link RedisFailures}); a failure after which
   * Redis may have lost the scripts (a restart) has them loaded again.
   */
  private RuntimeException failure(Scripts script, JedisException e) {
    if (RedisFailures.mayHaveLostScripts(e)) {
      scriptsLoaded = false;
    }
    return RedisFailures.of(describe(), endpoint.timeoutMillis(), script, e);
  }

  /** Options of a {@link RedisStore}. */
  public static final class Builder {
    private RedisEndpoint.Mode mode;
    private List<String> hosts = List.of();
    private Path unixSocket;
    private String master;
    private int database;
    private String user;
    private String password;
    private boolean tls;
    private SSLContext sslContext;
    private String prefix = "ephemeral";
    private Duration timeout = Duration.ofMillis(1000);
    private Duration connectTimeout;
    private int threads = 8;
    private Clock clock;
    private Duration grace = Duration.ofSeconds(2);
    private Duration waitHold = Duration.ofSeconds(5);

    private Builder() {}

    /** One Redis server, {@code host:port}. */
    public Builder standalone(String hostAndPort) {
      this.mode = RedisEndpoint.Mode.STANDALONE;
      this.hosts = List.of(checkHost(hostAndPort));
      this.unixSocket = null;
      return this;
    }

    /**
     * One Redis server on this host, through its Unix socket ({@code unixsocket} in redis.conf): no
     * TCP stack on either side, so each round trip costs both processes less. The socket's
     * permissions decide who may connect (and {@link #credentials} still apply).
     *
     * @throws IllegalArgumentException if the path is not absolute
     */
    public Builder unixSocket(Path socket) {
      Objects.requireNonNull(socket, "socket");
      if (!socket.isAbsolute()) {
        throw new IllegalArgumentException(
            "the Unix socket path must be absolute, got '" + socket + "'");
      }
      this.mode = RedisEndpoint.Mode.STANDALONE;
      this.hosts = List.of();
      this.unixSocket = socket;
      return this;
    }

    /** A Redis Cluster, reached through any of these {@code host:port} nodes. */
    public Builder cluster(List<String> nodes) {
      this.mode = RedisEndpoint.Mode.CLUSTER;
      this.hosts = checkHosts(nodes);
      this.unixSocket = null;
      return this;
    }

    /**
     * The master that Redis Sentinel calls {@code masterName}, found through these {@code
     * host:port} sentinels.
     */
    public Builder sentinel(String masterName, List<String> sentinels) {
      this.mode = RedisEndpoint.Mode.SENTINEL;
      this.master = Objects.requireNonNull(masterName, "masterName");
      this.hosts = checkHosts(sentinels);
      this.unixSocket = null;
      return this;
    }

    /** The database number (standalone and sentinel). Default 0. */
    public Builder database(int database) {
      if (database < 0) {
        throw new IllegalArgumentException("database must not be negative, got " + database);
      }
      this.database = database;
      return this;
    }

    /** AUTH with a password, and an ACL user unless {@code user} is null. */
    public Builder credentials(String user, String password) {
      this.user = user;
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /**
     * TLS to Redis with the JVM's default trust store ({@code javax.net.ssl.trustStore}). The
     * server's certificate must name the host (or IP address) connected to. Default off.
     */
    public Builder tls(boolean tls) {
      this.tls = tls;
      if (!tls) {
        this.sslContext = null;
      }
      return this;
    }

    /**
     * TLS to Redis trusting what {@code context} trusts (a private CA, say), and presenting its
     * client certificate if it has one and Redis asks for it ({@code tls-auth-clients}).
     */
    public Builder tls(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      this.tls = true;
      return this;
    }

    /**
     * The namespace of one deployment or CI run: every key is {@code {prefix}:...}, brokers share
     * values and leases exactly when they use the same Redis and prefix, and {@code maxItems}
     * counts the items of the prefix. Default {@code ephemeral}.
     */
    public Builder prefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      if (prefix.isEmpty()
          || prefix.length() > 200
          || prefix.indexOf('{') >= 0
          || prefix.indexOf('}') >= 0) {
        throw new IllegalArgumentException(
            "prefix must be 1 to 200 characters without '{' or '}', got '" + prefix + "'");
      }
      this.prefix = prefix;
      return this;
    }

    /** Longest wait for one Redis answer (and for a pooled connection). Default 1 s. */
    public Builder timeout(Duration timeout) {
      this.timeout = positive(timeout, "timeout");
      return this;
    }

    /** Longest wait to connect. Default: the timeout. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** Calls a broker runs at once (its store threads and pooled connections). Default 8. */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be positive, got " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Takes the time from this clock instead of the Redis server's. For tests that drive a {@code
     * ManualClock}; brokers on several hosts must use the server's clock (the default).
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How long Redis keeps a value after its TTL (answering "expired" meanwhile). Default 2 s. */
    public Builder expiredGrace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative()) {
        throw new IllegalArgumentException("expiredGrace must not be negative");
      }
      this.grace = grace;
      return this;
    }

    /**
     * A waiting lease request's place in the queue is kept this long after its broker last asked.
     * Default 5 s.
     */
    public Builder waitHold(Duration hold) {
      this.waitHold = positive(hold, "waitHold");
      return this;
    }

    /**
     * The store; it connects on {@link RedisStore#open()}.
     *
     * @throws IllegalStateException if none of standalone, cluster or sentinel was set
     */
    public RedisStore build() {
      if (mode == null) {
        throw new IllegalStateException(
            "set standalone(...), unixSocket(...), cluster(...) or sentinel(...)");
      }
      if (unixSocket != null && tls) {
        throw new IllegalStateException("TLS is for TCP connections, not for a Unix socket");
      }
      return new RedisStore(this);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            name + " must be positive (and under 24 days), got " + d);
      }
      return d;
    }

    private static List<String> checkHosts(List<String> hosts) {
      if (hosts.isEmpty()) {
        throw new IllegalArgumentException("at least one host:port is needed");
      }
      List<String> out = new ArrayList<>();
      for (String h : hosts) {
        out.add(checkHost(h));
      }
      return out;
    }

    private static String checkHost(String hostAndPort) {
      Objects.requireNonNull(hostAndPort, "hostAndPort");
      int colon = hostAndPort.lastIndexOf(':');
      if (colon <= 0 || colon == hostAndPort.length() - 1) {
        throw new IllegalArgumentException("expected host:port, got '" + hostAndPort + "'");
      }
      try {
        int port = Integer.parseInt(hostAndPort.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "expected host:port with a port from 1 to 65535, got '" + hostAndPort + "'");
      }
      return hostAndPort;
    }
  }
}
