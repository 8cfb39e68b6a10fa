package io.ephemeral.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.broker.store.RemoteStore;
import io.ephemeral.broker.store.StoreProvider;
import io.ephemeral.broker.store.StoreUnavailableException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** URIs, Redis Cluster, and what the store does when Redis refuses or is gone. */
class RedisStoreTest {

  @Test
  void urisNameEveryFormAndHidePasswords() {
    Map<String, String> env = Map.of();
    assertThat(RedisStore.fromUri("redis://cache:6380/2?prefix=ci-1", env).describe())
        .isEqualTo("redis://cache:6380/2 (prefix ci-1)");
    assertThat(RedisStore.fromUri("rediss://u:p%40ss@cache", env).describe())
        .isEqualTo("rediss://cache:6379 (prefix ephemeral)");
    assertThat(RedisStore.fromUri("redis-cluster://a:7000,b:7001?prefix=x", env).describe())
        .isEqualTo("redis-cluster://a:7000,b:7001 (prefix x)");
    assertThat(RedisStore.fromUri("redis-sentinel://s1,s2:26380/1?master=main", env).describe())
        .isEqualTo("redis-sentinel://s1:26379,s2:26380/1?master=main (prefix ephemeral)");
    assertThat(StoreProvider.forUri("memory", env)).isNull();
    assertThat(StoreProvider.forUri("redis://h:1", env)).isInstanceOf(RedisStore.class);
    assertThatThrownBy(() -> RedisStore.fromUri("redis://user:secret@h:99999", env))
        .hasMessageContaining("'redis://user:***@h:99999'")
        .hasMessageNotContaining("secret")
        .hasMessageContaining("from 1 to 65535");
    assertThatThrownBy(() -> RedisStore.fromUri("redis://h?prefix={x}", env))
        .hasMessageContaining("'{' or '}'");
    assertThatThrownBy(() -> RedisStore.fromUri("redis://h?timeout=0", env))
        .hasMessageContaining("timeout must be a positive");
    assertThatThrownBy(() -> RedisStore.fromUri("redis://h?colour=red", env))
        .hasMessageContaining("unknown option 'colour'");
    assertThatThrownBy(() -> RedisStore.fromUri("redis://h/x", env))
        .hasMessageContaining("database number");
    assertThatThrownBy(() -> RedisStore.fromUri("redis://h?database=3", env))
        .hasMessageContaining("unknown option 'database'")
        .hasMessageContaining("the others take /N");
    assertThatThrownBy(() -> RedisStore.fromUri("redis-sentinel://h", env))
        .hasMessageContaining("?master=NAME");
    assertThatThrownBy(() -> RedisStore.fromUri("redis://a:1,b:2", env))
        .hasMessageContaining("one host expected");
    assertThatThrownBy(() -> StoreProvider.forUri("etcd://x", env))
        .hasMessageContaining("no store for 'etcd:'");
  }

  @Test
  void aUnixSocketUriNamesThePathAndTheDatabase() {
    Map<String, String> env = Map.of();
    assertThat(
            RedisStore.fromUri("redis-socket:///run/redis/redis.sock?database=2&prefix=ci", env)
                .describe())
        .isEqualTo("redis-socket:///run/redis/redis.sock?database=2 (prefix ci)");
    assertThat(RedisStore.fromUri("redis-socket://u:s3cret@/run/redis.sock", env).describe())
        .isEqualTo("redis-socket:///run/redis.sock (prefix ephemeral)");
    assertThat(StoreProvider.forUri("redis-socket:///run/redis.sock", env))
        .isInstanceOf(RedisStore.class);
    assertThatThrownBy(() -> RedisStore.fromUri("redis-socket://localhost/run/redis.sock", env))
        .hasMessageContaining("has no host");
    assertThatThrownBy(() -> RedisStore.fromUri("redis-socket://redis.sock", env))
        .hasMessageContaining("has no host");
    assertThatThrownBy(() -> RedisStore.fromUri("redis-socket://", env))
        .hasMessageContaining("path is missing");
    assertThatThrownBy(() -> RedisStore.fromUri("redis-socket:///r.sock?database=-1", env))
        .hasMessageContaining("database must be a number");
    assertThatThrownBy(() -> RedisStore.fromUri("redis-socket:///r.sock?tls=true", env))
        .hasMessageContaining("unknown option 'tls'");
    assertThatThrownBy(() -> RedisStore.builder().unixSocket(Path.of("redis.sock")))
        .hasMessageContaining("must be absolute");
  }

  @Test
  void throughTheUnixSocketBothTheStoreThreadsAndTheLoopsConnection() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      RedisStore store = RedisStore.fromUri(redis.socketUri(RedisServer.freshPrefix()), Map.of());
      store.open();
      try {
        assertThat(store.set(bytes("k"), bytes("{\"x\":1}"), false, 60_000, 0, false).full())
            .isFalse();
        assertThat(store.get(bytes("k"), false, false).json()).isEqualTo(bytes("{\"x\":1}"));
        RemoteStore.Lease lease = store.lease("pool", "w1", 60_000, 2, null);
        assertThat(lease.slot()).isZero();
        try (RemoteStore.LoopConnection loop = store.openLoopConnection()) {
          assertThat(loop)
              .as("a standalone Redis on a Unix socket gets the loop's own")
              .isNotNull();
          List<Object> answers =
              LoopDriver.roundTrip(
                  loop,
                  List.of(
                      st -> st.get(bytes("k"), false, false),
                      st -> st.set(bytes("j"), bytes("2"), false, 60_000, 0, false)));
          assertThat(((RemoteStore.Value) answers.get(0)).json()).isEqualTo(bytes("{\"x\":1}"));
          assertThat(((RemoteStore.Stored) answers.get(1)).full()).isFalse();
          // Both kinds of connection are on the socket, none on the port (Redis names a Unix
          // client's address after its socket file).
          List<String> ours =
              redis
                  .command("CLIENT", "LIST")
                  .lines()
                  .filter(l -> l.contains("name=ephemeral-broker"))
                  .toList();
          assertThat(ours).hasSizeGreaterThanOrEqualTo(2);
          assertThat(ours).allSatisfy(l -> assertThat(l).contains("addr=" + redis.unixSocket()));
        }
        assertThat(store.get(bytes("j"), false, false).json()).isEqualTo(bytes("2"));
      } finally {
        store.close();
      }
    }
  }

  @Test
  void aUnixSocketThatNeverAnswersFailsWithinTheTimeout(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("silent.sock");
    // Bound and listening: the kernel completes each connection, nobody ever reads or answers.
    try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      silent.bind(UnixDomainSocketAddress.of(path));
      RedisStore store =
          RedisStore.builder()
              .unixSocket(path)
              .prefix(RedisServer.freshPrefix())
              .timeout(Duration.ofMillis(300))
              .build();
      long start = System.nanoTime();
      assertThatThrownBy(store::open)
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("redis-socket://" + path);
      assertThatThrownBy(store::openLoopConnection)
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("timed out");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      store.close();
    }
    RedisStore nowhere = RedisStore.builder().unixSocket(dir.resolve("none.sock")).build();
    assertThatThrownBy(nowhere::open)
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("redis-socket://" + dir.resolve("none.sock"));
    nowhere.close();
  }

  @Test
  void thePasswordCanComeFromTheEnvironment() throws Exception {
    try (RedisServer redis =
        RedisServer.start(List.of("--save", "", "--appendonly", "no", "--requirepass", "s3cret"))) {
      RedisStore without = RedisStore.fromUri(redis.uri("p"), Map.of());
      assertThatThrownBy(without::open)
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("Redis at redis://" + redis.address())
          .hasMessageContaining("NOAUTH");
      assertThatThrownBy(without::openLoopConnection)
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("NOAUTH");
      RedisStore with =
          RedisStore.fromUri(redis.uri("p"), Map.of("BROKER_REDIS_PASSWORD", "s3cret"));
      with.open();
      try {
        assertThat(with.set(bytes("k"), bytes("1"), false, 60_000, 0, false).full()).isFalse();
        assertThat(with.get(bytes("k"), false, false).json()).isEqualTo(bytes("1"));
        // The event loop's connection authenticates as well, and reads what the threads wrote.
        try (RemoteStore.LoopConnection loop = with.openLoopConnection()) {
          List<Object> read =
              LoopDriver.roundTrip(loop, List.of(st -> st.get(bytes("k"), false, false)));
          assertThat(((RemoteStore.Value) read.get(0)).json()).isEqualTo(bytes("1"));
        }
      } finally {
        with.close();
      }
    }
  }

  @Test
  void aRedisClusterKeepsAPrefixInOneSlot() throws Exception {
    try (RedisServer node =
        RedisServer.start(
            List.of(
                "--save",
                "",
                "--appendonly",
                "no",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf"))) {
      assertThat(node.command("CLUSTER", "ADDSLOTSRANGE", "0", "16383")).isEqualTo("+OK");
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!node.command("CLUSTER", "INFO").contains("cluster_state:ok")) {
        assertThat(System.nanoTime()).as("cluster ready").isLessThan(deadline);
        Thread.sleep(20);
      }
      RedisStore store =
          RedisStore.fromUri(
              "redis-cluster://" + node.address() + "?prefix=" + RedisServer.freshPrefix(),
              Map.of());
      store.open();
      try {
        assertThat(store.set(bytes("a"), bytes("{\"x\":1}"), false, 60_000, 10, false).full())
            .isFalse();
        assertThat(store.get(bytes("a"), false, false).json()).isEqualTo(bytes("{\"x\":1}"));
        RemoteStore.Lease first = store.lease("pool", "w1", 60_000, 2, null);
        RemoteStore.Lease second = store.lease("pool", "w2", 60_000, 2, null);
        assertThat(first.slot()).isZero();
        assertThat(second.slot()).isEqualTo(1);
        assertThat(second.token()).isGreaterThan(first.token());
        assertThat(store.lease("pool", "w3", 60_000, 2, null).outcome())
            .isEqualTo(RemoteStore.LeaseOutcome.POOL_FULL);
        List<Object> batch =
            store.inOrder(List.of(s -> s.delete(bytes("a")), s -> s.get(bytes("a"), false, false)));
        assertThat(batch.get(0)).isEqualTo(true);
        assertThat(((RemoteStore.Value) batch.get(1)).found()).isEqualTo(RemoteStore.Found.MISSING);
        assertThat(store.counts().leases()).isEqualTo(2);
        assertThat(store.openLoopConnection()).as("a cluster keeps the store threads").isNull();
      } finally {
        store.close();
      }
    }
  }

  @Test
  void theLoopsConnectionUsesTheDatabaseOfTheUri() throws Exception {
    String prefix = RedisServer.freshPrefix();
    RedisStore three =
        RedisStore.fromUri(
            "redis://" + RedisServer.shared().address() + "/3?prefix=" + prefix, Map.of());
    RedisStore zero = RedisServer.shared().store(prefix);
    three.open();
    zero.open();
    try (RemoteStore.LoopConnection loop = three.openLoopConnection()) {
      List<Object> written =
          LoopDriver.roundTrip(
              loop,
              List.of(
                  st -> st.set(bytes("k"), bytes("3"), false, 60_000, 0, false),
                  st -> st.get(bytes("k"), false, false)));
      assertThat(((RemoteStore.Stored) written.get(0)).full()).isFalse();
      assertThat(((RemoteStore.Value) written.get(1)).json()).isEqualTo(bytes("3"));
      assertThat(three.get(bytes("k"), false, false).json()).isEqualTo(bytes("3"));
      assertThat(zero.get(bytes("k"), false, false).found()).isEqualTo(RemoteStore.Found.MISSING);
    } finally {
      three.close();
      zero.close();
    }
  }

  @Test
  void aSentinelNamesTheMaster() throws Exception {
    try (RedisServer master = RedisServer.start();
        RedisServer sentinel = RedisServer.sentinel("main", master)) {
      RedisStore store =
          RedisStore.fromUri(
              "redis-sentinel://"
                  + sentinel.address()
                  + "?master=main&prefix="
                  + RedisServer.freshPrefix(),
              Map.of());
      store.open();
      try {
        assertThat(store.set(bytes("k"), bytes("[1]"), true, 60_000, 0, false).full()).isFalse();
        RemoteStore.Value v = store.get(bytes("k"), false, false);
        assertThat(v.json()).isEqualTo(bytes("[1]"));
        assertThat(v.compressed()).isTrue();
        assertThat(store.openLoopConnection()).as("a sentinel keeps the store threads").isNull();
      } finally {
        store.close();
      }
      assertThat(master.command("DBSIZE")).isNotEqualTo(":0"); // the value went to the master
    }
  }

  @Test
  void fencingTokensGoOnAboveTheHighestTheStoreSawAfterRedisLostItsData() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      RedisStore store = redis.store(RedisServer.freshPrefix());
      store.open();
      try {
        assertThat(store.lease("pool", "w0", 60_000, 0, null).token()).isEqualTo(1);
        assertThat(store.lease("pool", "w1", 60_000, 0, null).token()).isEqualTo(2);
        assertThat(redis.command("FLUSHALL")).isEqualTo("+OK"); // a restart without persistence
        RemoteStore.Lease after = store.lease("pool", "w2", 60_000, 0, null);
        assertThat(after.slot()).as("a new pool").isZero();
        assertThat(after.token()).isEqualTo(3);
        assertThat(store.lease("pool", "w3", 60_000, 0, null).token()).isEqualTo(4);
        assertThat(store.lease("pool", "w2", 60_000, 0, null).token()).as("renewed").isEqualTo(3);
      } finally {
        store.close();
      }
    }
  }

  @Test
  void callsToARedisThatIsGoneFailWithinTheTimeout() throws Exception {
    RedisServer redis = RedisServer.start();
    RedisStore store =
        RedisStore.builder()
            .standalone(redis.address())
            .prefix(RedisServer.freshPrefix())
            .timeout(Duration.ofMillis(200))
            .build();
    store.open();
    try {
      store.set(bytes("k"), bytes("1"), false, 60_000, 0, false);
      redis.kill();
      long start = System.nanoTime();
      assertThatThrownBy(() -> store.get(bytes("k"), false, false))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("Redis at redis://" + redis.address());
      List<Object> batch =
          store.inOrder(List.of(s -> s.get(bytes("k"), false, false), s -> s.counts()));
      assertThat(batch)
          .allSatisfy(r -> assertThat(r).isInstanceOf(StoreUnavailableException.class));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      redis.restart(); // no persistence: the data is gone, the store answers again
      assertThat(store.get(bytes("k"), false, false).found()).isEqualTo(RemoteStore.Found.MISSING);
    } finally {
      store.close();
      redis.close();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
