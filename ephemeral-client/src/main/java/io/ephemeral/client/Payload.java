package io.ephemeral.client;

import io.ephemeral.protocol.JsJson;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one request object as UTF-8 bytes, members in the order the caller appends them.
 *
 * <p>Strings are quoted with {@link JsJson#quote} so the text is exactly what JavaScript's {@code
 * JSON.stringify} produces for them; a value is spliced in as ready JSON bytes. Without a secret
 * these bytes are the request line; with one, they are the payload that gets signed.
 */
final class Payload {
  private final StringBuilder scratch = new StringBuilder(64);
  private byte[] buf;
  private int len;

  private Payload(int capacity) {
    buf = new byte[capacity];
  }

  /** Starts {@code {"action":"<action>"}}. */
  static Payload action(String action) {
    return action(action, 0);
  }

  /** Starts a payload with room for {@code extra} more bytes (a value to splice in). */
  static Payload action(String action, int extra) {
    Payload p = new Payload(96 + extra);
    p.ascii("{\"action\":");
    p.quoted(action);
    return p;
  }

  Payload string(String name, String value) {
    name(name);
    quoted(value);
    return this;
  }

  Payload number(String name, long value) {
    name(name);
    ascii(Long.toString(value));
    return this;
  }

  /** Appends the member only when {@code value} is positive (an option left to the broker). */
  Payload optionalNumber(String name, long value) {
    return value > 0 ? number(name, value) : this;
  }

  Payload bool(String name, boolean value) {
    name(name);
    ascii(value ? "true" : "false");
    return this;
  }

  /** Appends a member whose value is already JSON text in UTF-8. */
  Payload json(String name, byte[] json) {
    name(name);
    append(json, 0, json.length);
    return this;
  }

  /** Closes the object and returns exactly its bytes. */
  byte[] end() {
    ensure(1);
    buf[len++] = '}';
    return len == buf.length ? buf : Arrays.copyOf(buf, len);
  }

  private void name(String name) {
    ensure(name.length() + 4);
    buf[len++] = ',';
    buf[len++] = '"';
    for (int i = 0; i < name.length(); i++) {
      buf[len++] = (byte) name.charAt(i); // member names are ASCII constants
    }
    buf[len++] = '"';
    buf[len++] = ':';
  }

  private void quoted(String value) {
    scratch.setLength(0);
    JsJson.quote(value, scratch);
    // JsJson escapes lone surrogates as \\uDxxx, so the UTF-8 encoding below is lossless.
    byte[] bytes = scratch.toString().getBytes(StandardCharsets.UTF_8);
    append(bytes, 0, bytes.length);
  }

  private void ascii(String s) {
    ensure(s.length());
    for (int i = 0; i < s.length(); i++) {
      buf[len++] = (byte) s.charAt(i);
    }
  }

  private void append(byte[] b, int off, int n) {
    ensure(n);
    System.arraycopy(b, off, buf, len, n);
    len += n;
  }

  private void ensure(int n) {
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }
}
