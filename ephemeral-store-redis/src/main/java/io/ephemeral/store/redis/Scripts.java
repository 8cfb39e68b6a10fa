package io.ephemeral.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The store's Lua scripts: each is one operation after the parts of the shared prelude it uses,
 * sent by SHA-1 (EVALSHA).
 *
 * <p>Only the parts it uses: Redis runs a script's whole text on every call, and each {@code local
 * function} of the prelude is a closure made again each time; the set script with the whole prelude
 * cost Redis about 12% more CPU per call than with the dozen definitions it uses (redis-benchmark,
 * all scripts loaded). A part of the prelude is a top-level {@code local function} (to its {@code
 * end} in the first column) or a one-line {@code local} value; a script takes the parts its text
 * names, and the parts those name, in the prelude's order.
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
    String body = read(name + ".lua");
    this.source = (preludeFor(body) + body).getBytes(StandardCharsets.UTF_8);
    this.sha1 = sha1Hex(source);
  }

  /** A top-level definition of the prelude: the name it defines and its text. */
  private record Part(String name, String text) {}

  /** The prelude's parts, in order. */
  private static List<Part> parts() {
    List<Part> parts = new ArrayList<>();
    String[] lines = read("prelude.lua").split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher function = Prelude.FUNCTION.matcher(lines[i]);
      Matcher value = Prelude.VALUE.matcher(lines[i]);
      if (function.lookingAt()) {
        int end = i;
        while (!lines[end].equals("end")) {
          end++;
        }
        parts.add(
            new Part(
                function.group(1),
                String.join("\n", Arrays.asList(lines).subList(i, end + 1)) + "\n"));
        i = end;
      } else if (value.lookingAt()) {
        parts.add(new Part(value.group(1), lines[i] + "\n"));
      } else if (!lines[i].isBlank() && !lines[i].startsWith("--") && !lines[i].startsWith(" ")) {
        throw new IllegalStateException("prelude.lua: a top-level line of no part: " + lines[i]);
      }
    }
    return parts;
  }

  /**
   * The parts of the prelude {@code body} names, and the parts they name, in the prelude's order.
   */
  private static String preludeFor(String body) {
    List<Part> parts = Prelude.PARTS;
    Set<String> used = new HashSet<>();
    Deque<String> toScan = new ArrayDeque<>(List.of(body));
    while (!toScan.isEmpty()) {
      String text = toScan.pop();
      for (Part part : parts) {
        if (!used.contains(part.name())
            && Pattern.compile("\\b" + part.name() + "\\b").matcher(text).find()) {
          used.add(part.name());
          toScan.push(part.text());
        }
      }
    }
    StringBuilder prelude = new StringBuilder();
    for (Part part : parts) {
      if (used.contains(part.name())) {
        prelude.append(part.text());
      }
    }
    return prelude.toString();
  }

  /** The prelude, read once (an enum's constants are made before the enum's own static fields). */
  private static final class Prelude {
    static final Pattern FUNCTION = Pattern.compile("local function (\\w+)\\(");
    static final Pattern VALUE = Pattern.compile("local (\\w+) =");
    static final List<Part> PARTS = parts();
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
