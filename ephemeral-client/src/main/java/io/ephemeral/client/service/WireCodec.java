package io.ephemeral.client.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.Map;
import org.msgpack.core.ExtensionTypeHeader;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;

/*
 * Implementation notes.
 *
 * Frame bodies are converted between bytes and Jackson trees. JSON goes through a plain
 * JsonMapper. MessagePack is walked by hand with msgpack-core so that the number rule of
 * msgpackr holds exactly:
 *
 *  - integral values in [-2^31, 2^32-1] are packed as the smallest (u)int8/16/32/fixint;
 *  - larger integral values (deadlines, timestamps, Java longs) are packed as float64. int64 and
 *    uint64 are never written: msgpackr decodes them to BigInt, which breaks `depth + 1` and `===`;
 *  - floating-point nodes are always float64, so a Java double stays a double for Java peers.
 *
 * Decoding accepts everything msgpackr's default pack writes: map16 for every object, float64
 * for large integers (turned back into a long when integral, outside int32 and within 2^53),
 * int64/uint64 from other encoders, `undefined` (fixext1 type 0: dropped from maps, null in
 * arrays, as JSON.stringify does), Dates (timestamp ext -1: an ISO-8601 string with
 * milliseconds, as Date.toJSON writes it), other extensions as binary, non-string map keys as
 * their text. Trailing bytes after the value are an error, as in msgpackr.
 */
final class WireCodec {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final long INT_MIN = Integer.MIN_VALUE;
  private static final long UINT_MAX = 0xFFFF_FFFFL;
  private static final double SAFE_INTEGER = 9007199254740992d; // 2^53
  private static final Object UNDEFINED = new Object();
  /** Date.prototype.toJSON's format. */
  private static final DateTimeFormatter DATE_JSON =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** Plain JSON for frames: no size limits beyond the frame's own, as JSON.parse. */
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  static {
    JSON.getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE)
                .maxNumberLength(Integer.MAX_VALUE)
                .maxNestingDepth(10_000)
                .build());
    JSON.getFactory().disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
  }

  private WireCodec() {}

  /** Encodes one message body (without the length prefix). */
  static byte[] encode(JsonNode message, Serializer serializer) throws IOException {
    if (serializer == Serializer.JSON) {
      return JSON.writeValueAsBytes(message);
    }
    try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
      pack(message, packer);
      return packer.toByteArray();
    }
  }

  /** Decodes one message body: JSON when it starts with '{', MessagePack otherwise. */
  static JsonNode decode(byte[] body) throws IOException {
    return decode(body, 0, body.length);
  }

  /** Decodes the message body at {@code body[off..off+len)}. */
  static JsonNode decode(byte[] body, int off, int len) throws IOException {
    if (len > 0 && body[off] == '{') {
      return JSON.readTree(body, off, len);
    }
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(body, off, len)) {
      if (!unpacker.hasNext()) {
        throw new IOException("empty MessagePack body");
      }
      Object value = unpack(unpacker, 0);
      if (unpacker.hasNext()) {
        throw new IOException("Data read, but end of buffer not reached");
      }
      return value == UNDEFINED ? NODES.nullNode() : (JsonNode) value;
    }
  }

  // ------------------------------------------------------------------ MessagePack writing

  static void pack(JsonNode node, MessagePacker out) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT:
        {
          int size = 0;
          for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            if (!it.next().isMissingNode()) {
              size++;
            }
          }
          out.packMapHeader(size);
          for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isMissingNode()) {
              out.packString(e.getKey());
              pack(e.getValue(), out);
            }
          }
          return;
        }
      case ARRAY:
        out.packArrayHeader(node.size());
        for (JsonNode element : node) {
          pack(element, out);
        }
        return;
      case STRING:
        out.packString(node.textValue());
        return;
      case BOOLEAN:
        out.packBoolean(node.booleanValue());
        return;
      case NUMBER:
        packNumber(node, out);
        return;
      case BINARY:
        {
          byte[] bytes = node.binaryValue();
          out.packBinaryHeader(bytes.length);
          out.writePayload(bytes);
          return;
        }
      case POJO:
        pack(JSON.valueToTree(((com.fasterxml.jackson.databind.node.POJONode) node).getPojo()), out);
        return;
      case NULL:
      case MISSING:
      default:
        out.packNil();
    }
  }

  private static void packNumber(JsonNode node, MessagePacker out) throws IOException {
    if (node.isIntegralNumber()) {
      if (node.canConvertToLong()) {
        long v = node.longValue();
        if (v >= INT_MIN && v <= UINT_MAX) {
          out.packLong(v); // msgpack-core picks the smallest int format
        } else {
          out.packDouble((double) v);
        }
      } else {
        out.packDouble(node.bigIntegerValue().doubleValue());
      }
    } else {
      out.packDouble(node.doubleValue());
    }
  }

  // ------------------------------------------------------------------ MessagePack reading

  private static Object unpack(MessageUnpacker in, int depth) throws IOException {
    if (depth > 10_000) {
      throw new IOException("MessagePack value nested too deeply");
    }
    MessageFormat format = in.getNextFormat();
    switch (format.getValueType()) {
      case NIL:
        in.unpackNil();
        return NODES.nullNode();
      case BOOLEAN:
        return NODES.booleanNode(in.unpackBoolean());
      case INTEGER:
        if (format == MessageFormat.UINT64) {
          BigInteger big = in.unpackBigInteger();
          return big.bitLength() < 64 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
        }
        {
          long v = in.unpackLong();
          return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
        }
      case FLOAT:
        {
          double d = in.unpackDouble();
          if (d == Math.rint(d)
              && Math.abs(d) <= SAFE_INTEGER
              && (d < Integer.MIN_VALUE || d > Integer.MAX_VALUE)) {
            return NODES.numberNode((long) d);
          }
          return NODES.numberNode(d);
        }
      case STRING:
        return NODES.textNode(in.unpackString());
      case BINARY:
        return NODES.binaryNode(in.readPayload(in.unpackBinaryHeader()));
      case ARRAY:
        {
          int n = in.unpackArrayHeader();
          ArrayNode array = NODES.arrayNode(Math.min(n, 1024));
          for (int i = 0; i < n; i++) {
            Object v = unpack(in, depth + 1);
            array.add(v == UNDEFINED ? NODES.nullNode() : (JsonNode) v);
          }
          return array;
        }
      case MAP:
        {
          int n = in.unpackMapHeader();
          ObjectNode map = NODES.objectNode();
          for (int i = 0; i < n; i++) {
            Object k = unpack(in, depth + 1);
            String key = k == UNDEFINED ? "undefined" : keyText((JsonNode) k);
            Object v = unpack(in, depth + 1);
            if (v == UNDEFINED) {
              map.remove(key);
            } else {
              map.set(key, (JsonNode) v);
            }
          }
          return map;
        }
      case EXTENSION:
        {
          ExtensionTypeHeader header = in.unpackExtensionTypeHeader();
          if (header.getType() == 0 && header.getLength() == 1) {
            in.readPayload(1);
            return UNDEFINED;
          }
          if (header.isTimestampType()) {
            Instant t = in.unpackTimestamp(header);
            return NODES.textNode(DATE_JSON.format(t));
          }
          return NODES.binaryNode(in.readPayload(header.getLength()));
        }
      default:
        throw new IOException("Unsupported MessagePack format " + format);
    }
  }

  private static String keyText(JsonNode key) {
    if (key.isTextual()) {
      return key.textValue();
    }
    if (key.getNodeType() == JsonNodeType.NULL) {
      return "null";
    }
    return key.isValueNode() ? key.asText() : key.toString();
  }
}
