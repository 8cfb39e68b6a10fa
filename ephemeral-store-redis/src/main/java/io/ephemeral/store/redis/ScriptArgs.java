package io.ephemeral.store.redis;

import java.nio.charset.StandardCharsets;

/**
 * How the store's scripts and commands take their arguments and give their flags: numbers as
 * decimal text, flags as {@code 1}/{@code 0}, strings as the broker's UTF-8 (lone surrogates kept
 * as WTF-8, as keys are everywhere else), and a value write in one argument order shared by every
 * script that stores like {@code set.lua}.
 */
final class ScriptArgs {
  static final byte[] EMPTY = new byte[0];

  private ScriptArgs() {}

  /** A value write as set.lua (and the scripts that store like it) takes it, after the time. */
  static byte[][] valueArgs(
      byte[] key,
      byte[] json,
      boolean compressed,
      long ttlMillis,
      int maxItems,
      boolean lru,
      long graceMillis) {
    return new byte[][] {
      key,
      flag(json != null),
      json == null ? EMPTY : json,
      flag(compressed),
      number(ttlMillis),
      number(maxItems),
      flag(lru),
      number(graceMillis)
    };
  }

  static byte[] flag(boolean b) {
    return b ? new byte[] {'1'} : new byte[] {'0'};
  }

  static boolean isOne(Object o) {
    return o instanceof byte[] && ((byte[]) o).length == 1 && ((byte[]) o)[0] == '1';
  }

  static byte[] number(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] utf8(String s) {
    return io.ephemeral.protocol.Wtf8.encode(s);
  }
}
