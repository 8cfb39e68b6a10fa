package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A value of a call as it travels: the params of a call, or a result. It holds the bytes that came
 * off the wire (JSON text, or MessagePack on a MessagePack connection) and decodes nothing until
 * asked, so a service can forward, store or hash a value without parsing it, and a value made here
 * from JSON text is sent as that text.
 *
 * <p>Ask for the JSON text with {@link #json()}, or for a Java value with {@link #as(Class)}, which
 * uses the client's {@link ValueMapper}. Pass a {@code Params} as the params of a call or return
 * one from a handler to send its bytes as they are; ask for {@code Params.class} as a call's result
 * type to get the result undecoded.
 *
 * <p>Immutable; the arrays it returns are copies.
 */
public final class Params {
  private static final byte[] EMPTY_OBJECT = {'{', '}'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  private final byte[] bytes;
  private final boolean msgpack;
  private final Values values;

  Params(byte[] bytes, boolean msgpack, Values values) {
    this.bytes = bytes;
    this.msgpack = msgpack;
    this.values = values;
  }

  /**
   * The value whose JSON text is {@code json} (UTF-8), sent as these bytes.
   *
   * @throws IllegalArgumentException if it is not exactly one well-formed JSON value
   */
  public static Params json(byte[] json) {
    byte[] copy = json.clone();
    ValueBytes.checkJson(copy);
    return new Params(copy, false, null);
  }

  /**
   * The value whose JSON text is {@code json}.
   *
   * @throws IllegalArgumentException if it is not exactly one well-formed JSON value
   */
  public static Params json(String json) {
    byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
    ValueBytes.checkJson(utf8);
    return new Params(utf8, false, null);
  }

  /** The empty object <code>{}</code>, what the Node client sends when a call has no params. */
  public static Params emptyObject() {
    return new Params(EMPTY_OBJECT, false, null);
  }

  static Params nullValue(Values values) {
    return new Params(NULL, false, values);
  }

  /** Whether the bytes are MessagePack (they came on a MessagePack connection). */
  public boolean isMessagePack() {
    return msgpack;
  }

  /** The bytes as they came: JSON text, or MessagePack if {@link #isMessagePack()}. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * The value as UTF-8 JSON text; MessagePack is converted as the gateway converts it for a JSON
   * peer (timestamps as ISO-8601 strings, {@code undefined} dropped from objects).
   *
   * @throws ServiceException {@code DESERIALIZATION_FAILED} if MessagePack bytes are malformed
   */
  public byte[] json() {
    return msgpack ? ValueBytes.jsonOf(this) : bytes.clone();
  }

  /**
   * The value mapped to {@code type} by the client's {@link ValueMapper} (for a value made here,
   * {@link ValueMapper#forClassPath()}'s).
   *
   * @throws ServiceException {@code DESERIALIZATION_FAILED} if it does not fit the type
   */
  public <T> T as(Class<T> type) {
    return values().incoming(this, type);
  }

  /**
   * The value mapped to a generic {@code type}, e.g. from a {@code ParameterizedType}.
   *
   * @throws ServiceException {@code DESERIALIZATION_FAILED} if it does not fit the type
   */
  public Object as(Type type) {
    return values().incoming(this, type);
  }

  /** Whether the value is JSON {@code null} (or MessagePack nil). */
  public boolean isNull() {
    return msgpack ? bytes.length == 1 && bytes[0] == (byte) 0xc0 : Arrays.equals(bytes, NULL);
  }

  /** This value with the given client's mapper. */
  Params mappedBy(Values values) {
    return values == this.values ? this : new Params(bytes, msgpack, values);
  }

  /** The bytes, not copied: never modify or hand them out. */
  byte[] raw() {
    return bytes;
  }

  /** The value as a Jackson 2 tree (for the JsonNode API). */
  JsonNode tree() {
    return ValueBytes.treeOf(this);
  }

  private Values values() {
    return values != null ? values : Values.byDefault();
  }

  /** Equal when the encoding and the bytes are. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Params
        && ((Params) o).msgpack == msgpack
        && Arrays.equals(((Params) o).bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(msgpack, Arrays.hashCode(bytes));
  }

  /** The JSON text. */
  @Override
  public String toString() {
    try {
      return new String(msgpack ? ValueBytes.jsonOf(this) : bytes, StandardCharsets.UTF_8);
    } catch (ServiceException e) {
      return "<malformed MessagePack, " + bytes.length + " bytes>";
    }
  }
}
