package io.ephemeral.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.store.RemoteStore;
import io.ephemeral.broker.store.RemoteStore.Found;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A plain get on Redis's own clock is a GET and a PTTL, not a script: the same answers as the
 * script, from the item's key alone, and expiry decided by Redis's clock.
 */
class RedisNativeReadTest {
  private static RedisServer redis;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  private static RedisStore store(String prefix) {
    RedisStore s = redis.store(prefix);
    s.open();
    return s;
  }

  private static long calls(String command) throws IOException {
    String stats = redis.command("INFO", "commandstats");
    for (String line : stats.split("\r\n")) {
      if (line.startsWith("cmdstat_" + command + ":calls=")) {
        return Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
      }
    }
    return 0;
  }

  @Test
  void aPlainGetReadsTheItemWithoutAScript() throws IOException {
    String prefix = RedisServer.freshPrefix();
    RedisStore store = store(prefix);
    try {
      store.set(bytes("k"), bytes("{\"a\":[1,2]}"), true, 60_000, 0, false);
      store.set(bytes("empty"), null, false, 60_000, 0, false);
      long scripts = calls("evalsha") + calls("eval");
      long gets = calls("get");
      RemoteStore.Value v = store.get(bytes("k"), false, false);
      assertThat(v.found()).isEqualTo(Found.VALUE);
      assertThat(v.json()).isEqualTo(bytes("{\"a\":[1,2]}"));
      assertThat(v.compressed()).isTrue();
      RemoteStore.Value e = store.get(bytes("empty"), false, false);
      assertThat(e.found()).isEqualTo(Found.VALUE);
      assertThat(e.json()).isNull();
      assertThat(e.compressed()).isFalse();
      assertThat(store.get(bytes("nothing"), false, false).found()).isEqualTo(Found.MISSING);
      List<Object> batch =
          store.inOrder(
              List.of(
                  s -> s.get(bytes("k"), false, false),
                  s -> s.get(bytes("nothing"), false, false),
                  s -> s.get(bytes("empty"), false, false)));
      assertThat(((RemoteStore.Value) batch.get(0)).json()).isEqualTo(bytes("{\"a\":[1,2]}"));
      assertThat(((RemoteStore.Value) batch.get(1)).found()).isEqualTo(Found.MISSING);
      assertThat(((RemoteStore.Value) batch.get(2)).found()).isEqualTo(Found.VALUE);
      assertThat(calls("evalsha") + calls("eval")).as("scripts run").isEqualTo(scripts);
      assertThat(calls("get") - gets).isEqualTo(6);

      // Sliding the TTL or recording a use for LRU changes the item: that is a script.
      assertThat(store.get(bytes("k"), true, false).found()).isEqualTo(Found.VALUE);
      assertThat(calls("evalsha") + calls("eval")).isEqualTo(scripts + 1);
    } finally {
      store.close();
    }
  }

  @Test
  void anItemExpiresOnRedisClockAndIsRemovedByTheReadThatFoundItExpired() throws Exception {
    String prefix = RedisServer.freshPrefix();
    RedisStore store = store(prefix);
    try {
      store.set(bytes("gone"), bytes("1"), false, 1, 0, false);
      store.set(bytes("again"), bytes("1"), false, 1, 0, false);
      store.set(bytes("live"), bytes("2"), false, 60_000, 0, false);
      // The deadline has passed on Redis's clock once less than the grace (2 s) is left of the
      // key's time to live; Redis's clock cannot be moved, so wait for it to get there.
      awaitDeadlinePassed(prefix, "gone");
      awaitDeadlinePassed(prefix, "again");
      assertThat(store.get(bytes("gone"), false, false).found()).isEqualTo(Found.EXPIRED);
      assertThat(store.get(bytes("gone"), false, false).found()).isEqualTo(Found.MISSING);

      // In one pipeline: the expired read's removal must not remove what a later call wrote.
      List<Object> batch =
          store.inOrder(
              List.of(
                  s -> s.get(bytes("again"), false, false),
                  s -> s.set(bytes("again"), bytes("3"), false, 60_000, 0, false),
                  s -> s.get(bytes("live"), false, false)));
      assertThat(((RemoteStore.Value) batch.get(0)).found()).isEqualTo(Found.EXPIRED);
      assertThat(((RemoteStore.Value) batch.get(2)).json()).isEqualTo(bytes("2"));
      assertThat(store.get(bytes("again"), false, false).json()).isEqualTo(bytes("3"));
      assertThat(store.counts().items()).isEqualTo(2);
      assertThat(store.counts().approximateBytes())
          .isEqualTo(("again".length() + 1 + 120) + ("live".length() + 1 + 120));
    } finally {
      store.close();
    }
  }

  private static void awaitDeadlinePassed(String prefix, String key) throws Exception {
    long until = System.nanoTime() + RedisServer.TEST_TIMEOUT.toNanos();
    while (true) {
      long pttl = Long.parseLong(redis.command("PTTL", "{" + prefix + "}:v:" + key).substring(1));
      if (pttl <= 2000) {
        return;
      }
      assertThat(System.nanoTime()).as("deadline of " + key + " passed").isLessThan(until);
      Thread.onSpinWait();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
