package com.example.patterns;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.Lease;
import io.ephemeral.client.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.function.Supplier;

/** What every test JVM (fork) shares: one client, its record file, the once-only helper. */
final class Shared {
  static final int WORKERS = 6;            // Worker1Test .. Worker6Test
  static final int ACCOUNTS = 3;           // pool of test accounts
  static final int CALLS_PER_SECOND = 3;   // rate limit of the pretend API
  static final int CALLS_PER_WORKER = 2;
  static final Duration KEEP = Duration.ofMinutes(10);

  static final BrokerClient BROKER = BrokerClient.fromEnvironment();   // EPHEMERAL_PIPE
  static final String FORK = "fork-" + ProcessHandle.current().pid();

  private Shared() {}

  /** This broker's record directory: a new broker (a new socket) starts a fresh one. */
  static Path recordDir() {
    String pipe = System.getenv("EPHEMERAL_PIPE");
    return Path.of(System.getProperty("patterns.log", "target/patterns"))
        .resolve(Integer.toHexString(pipe.hashCode()));
  }

  private static final Path RECORDS = recordDir().resolve(FORK + "-" + UUID.randomUUID() + ".log");

  /** Appends "WHAT FORK FIELDS..." to this fork's own record file. */
  static synchronized void record(String what, Object... fields) {
    StringBuilder line = new StringBuilder(what).append(' ').append(FORK);
    for (Object f : fields) {
      line.append(' ').append(f);
    }
    try {
      Files.createDirectories(RECORDS.getParent());
      Files.writeString(RECORDS, line.append('\n'), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long nowMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }

  /** A worker id for one lease: a worker holds at most one lease at a time. */
  static String worker(String purpose) {
    return FORK + "-" + purpose + "-" + UUID.randomUUID();
  }

  /**
   * The value under {@code key}, computed by exactly one fork: the first one to find it missing
   * computes it while holding the pool-of-one lease {@code key-lock}; the others wait for the
   * lock and then read it. {@code counter} counts the computations.
   */
  static <T> T once(String key, Class<T> type, String counter, Supplier<T> compute) {
    try {
      return BROKER.get(key, type);
    } catch (NotFoundException missing) {
      // fall through to the lock
    }
    try (Lease lock = BROKER.lease(key + "-lock", worker("lock"), Duration.ofSeconds(30), 1, Duration.ofSeconds(60))) {
      try {
        return BROKER.get(key, type);       // another fork was first
      } catch (NotFoundException stillMissing) {
        T value = compute.get();
        int n = count(counter);
        BROKER.set(counter, n + 1, KEEP);   // safe: we hold the lock
        BROKER.set(key, value, KEEP);
        return value;
      }
    }
  }

  static int count(String counter) {
    try {
      return BROKER.get(counter, Integer.class);
    } catch (NotFoundException none) {
      return 0;
    }
  }
}
