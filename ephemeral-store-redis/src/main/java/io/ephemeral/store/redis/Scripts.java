package io.ephemeral.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The store's Lua scripts: each is the shared prelude plus one operation, sent by SHA-1 (EVALSHA).
 */
enum Scripts {
  GET("get"),
  SET("set"),
  DEL("del"),
  LIST("list"),
  COUNTS("counts"),
  LEASE("lease"),
  CANCEL("cancel"),
  RELEASE("release"),
  SWEEP("sweep"),
  EXPIRED("expired"),
  SET_IF_ABSENT("setnx"),
  INCR("incr"),
  COMPUTE("compute"),
  COMPUTED("computed"),
  CLAIM("claim"),
  BARRIER("barrier"),
  ACQUIRE("acquire");

  final String name;
  final byte[] source;

  /** Lower-case hex SHA-1 of the source, as EVALSHA wants it. */
  final byte[] sha1;

  Scripts(String name) {
    this.name = name;
    this.source =
        (read("prelude.lua") + "\n" + read(name + ".lua")).getBytes(StandardCharsets.UTF_8);
    this.sha1 = sha1Hex(source);
  }

  private static String read(String resource) {
    try (InputStream in = Scripts.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing script " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] sha1Hex(byte[] data) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(data);
      byte[] hex = new byte[d.length * 2];
      for (int i = 0; i < d.length; i++) {
        hex[2 * i] = (byte) Character.forDigit((d[i] >> 4) & 0xF, 16);
        hex[2 * i + 1] = (byte) Character.forDigit(d[i] & 0xF, 16);
      }
      return hex;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
