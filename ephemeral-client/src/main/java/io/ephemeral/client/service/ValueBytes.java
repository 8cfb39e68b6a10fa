package io.ephemeral.client.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.ArrayBufferInput;

/**
 * The bytes of a call's value ({@link Params}): checking JSON text without building a tree, cutting
 * an object into its members, and the conversions to a tree or to JSON text when asked for.
 */
final class ValueBytes {
  private ValueBytes() {}

  /**
   * Checks that {@code json} is exactly one well-formed JSON value (no tree is built).
   *
   * @throws IllegalArgumentException naming the problem if not
   */
  static void checkJson(byte[] json) {
    for (byte b : json) {
      if (b == 0) {
        // JSON text has no raw NUL; refused before Jackson could read the bytes as UTF-16/32
        throw new IllegalArgumentException("Not JSON: it holds a NUL byte");
      }
    }
    try (JsonParser p = WireCodec.JSON.getFactory().createParser(json)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new IllegalArgumentException("Not JSON: no value");
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("Not JSON: more than one value");
      }
    } catch (IOException e) {
      String why =
          e instanceof com.fasterxml.jackson.core.JsonProcessingException
              ? ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage()
              : e.getMessage();
      throw new IllegalArgumentException("Not JSON: " + why, e);
    }
  }

  /**
   * The members of a JSON object as the bytes of their values (the last of duplicate names, as
   * WireCodec.JSON.parse).
   *
   * @throws ServiceException {@code DESERIALIZATION_FAILED} if it is not an object
   */
  static Map<String, byte[]> members(byte[] json) {
    Map<String, byte[]> out = new HashMap<>();
    try (JsonParser p = WireCodec.JSON.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ServiceException.of(
            ServiceException.DESERIALIZATION_FAILED, "params must be an object of named members");
      }
      String name;
      while ((name = p.nextFieldName()) != null) {
        out.put(name, WireCodec.jsonSlice(p, p.nextToken(), json, 0));
      }
      return out;
    } catch (IOException e) {
      throw ServiceException.of(
          ServiceException.DESERIALIZATION_FAILED, "Malformed params: " + Values.rootMessage(e), e);
    }
  }

  /** The value as a Jackson 2 tree, as {@link #decode} reads it from a frame. */
  static JsonNode treeOf(Params value) {
    byte[] b = value.raw();
    try {
      if (!value.isMessagePack()) {
        return WireCodec.JSON.readTree(b);
      }
      Object v;
      try {
        v = WireCodec.unpack(unpacker(b), 0);
      } finally {
        releaseUnpacker();
      }
      return v == WireCodec.UNDEFINED ? JsonNodeFactory.instance.nullNode() : (JsonNode) v;
    } catch (IOException e) {
      throw ServiceException.of(
          ServiceException.DESERIALIZATION_FAILED,
          "Failed to deserialize a value: " + Values.rootMessage(e),
          e);
    }
  }

  /**
   * The calling thread's unpacker, set to read {@code msgpack}. Reused because a new one allocates
   * a buffer of 8,192 characters for its first string: on a small value that was most of the cost.
   * Whoever takes it reads with it before anything else can run on the thread, then calls {@link
   * #releaseUnpacker()}.
   */
  static MessageUnpacker unpacker(byte[] msgpack) throws IOException {
    Unpacking u = UNPACKING.get();
    u.input.reset(msgpack);
    u.unpacker.reset(u.input);
    return u.unpacker;
  }

  /** Lets go of the bytes the calling thread's unpacker last read. */
  static void releaseUnpacker() {
    Unpacking u = UNPACKING.get();
    u.input.reset(NOTHING);
    try {
      u.unpacker.reset(u.input);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // never: the input is an array
    }
  }

  private static final byte[] NOTHING = new byte[0];

  private static final ThreadLocal<Unpacking> UNPACKING = ThreadLocal.withInitial(Unpacking::new);

  private static final class Unpacking {
    final ArrayBufferInput input = new ArrayBufferInput(NOTHING);
    final MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(input);
  }

  /** The value as UTF-8 JSON text. */
  static byte[] jsonOf(Params value) {
    if (!value.isMessagePack()) {
      return value.raw().clone();
    }
    try {
      return WireCodec.JSON.writeValueAsBytes(treeOf(value));
    } catch (IOException e) {
      throw ServiceException.of(
          ServiceException.DESERIALIZATION_FAILED,
          "Failed to convert a value to JSON: " + Values.rootMessage(e),
          e);
    }
  }
}
