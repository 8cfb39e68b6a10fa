package io.ephemeral.client.service;

import java.security.SecureRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request ids {@code req-<ms>-<client prefix>-<counter>}, unique per client (the counter) and
 * across clients with high probability (the random prefix); root ids {@code root-<ms>-<random>}.
 */
final class Ids {
  private static final SecureRandom SEEDS = new SecureRandom();
  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  Ids() {
    this.prefix = base36(SEEDS.nextLong() & Long.MAX_VALUE, 6);
  }

  String request() {
    return "req-"
        + System.currentTimeMillis()
        + "-"
        + prefix
        + "-"
        + Long.toString(counter.incrementAndGet(), 36);
  }

  /** A pool's key: 128 random bits in hex, shown only to the gateway by the pool's connections. */
  static String poolKey() {
    byte[] key = new byte[16];
    SEEDS.nextBytes(key);
    return java.util.HexFormat.of().formatHex(key);
  }

  static String root() {
    return "root-"
        + System.currentTimeMillis()
        + "-"
        + base36(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 8);
  }

  private static String base36(long value, int length) {
    String s = Long.toString(value, 36);
    if (s.length() >= length) {
      return s.substring(s.length() - length);
    }
    return "0".repeat(length - s.length()) + s;
  }
}
