package io.ephemeral.broker.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.ephemeral.protocol.JsJson;
import io.ephemeral.protocol.Msgpackr;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.ExtensionTypeHeader;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Converts a whole frame body between JSON and MessagePack, for the one case where bytes cannot be
 * forwarded as they are: caller and callee use different encodings. The conversion follows what the
 * Node peers would see had the sender used the receiver's serializer: JSON numbers in JavaScript
 * form; MessagePack numbers, timestamps (as {@code Date.toJSON} text), {@code undefined} (dropped
 * from objects, null in arrays) and non-string map keys by msgpackr's rules ({@link Msgpackr});
 * binary as Node's Buffer JSON. It is given only bodies the {@link FramePeeker} accepted, so JSON
 * arrives as well-formed UTF-8 without what {@link ClientJson} refuses.
 */
final class Transcoder {
  /** MessagePack's {@code undefined} as msgpackr writes it (fixext1 type 0). */
  private static final Object UNDEFINED = new Object();

  /** A body nested deeper than the limit: refused before the (recursive) conversion can go deep. */
  static final class TooDeepException extends IOException {
    TooDeepException(int maxDepth) {
      super("the message nests deeper than the gateway's limit of " + maxDepth + " levels");
    }
  }

  /** Made on first use (see {@link FramePeeker}'s). */
  private JsonFactory json;

  private final int maxDepth;

  Transcoder(int maxDepth) {
    this.maxDepth = maxDepth;
  }

  /** Writes the body, converted to {@code target}, as one frame (length prefix + body) to out. */
  void transcode(
      byte[] b,
      int off,
      int len,
      FrameMessage.Encoding from,
      FrameMessage.Encoding target,
      ByteOutput out)
      throws IOException {
    Object tree =
        from == FrameMessage.Encoding.JSON ? readJson(b, off, len) : readMsgpack(b, off, len);
    if (target == FrameMessage.Encoding.JSON) {
      int mark = out.mark();
      out.writeInt(0);
      writeJson(tree, out);
      out.putIntAt(mark, out.mark() - mark - 4);
    } else {
      MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
      writeMsgpack(tree, packer);
      packer.flush();
      byte[] body = packer.toByteArray();
      out.writeInt(body.length).write(body);
    }
  }

  // ---- reading ----

  private Object readJson(byte[] b, int off, int len) throws IOException {
    if (json == null) {
      json = FramePeeker.jsonFactory(maxDepth);
    }
    try (JsonParser p = json.createParser(b, off, len)) {
      p.nextToken();
      return jsonValue(p); // recursion bounded: Jackson refuses nesting beyond maxDepth
    } catch (StreamConstraintsException e) {
      if (Limit.of(e) == Limit.MAX_NESTING_DEPTH) {
        throw new TooDeepException(maxDepth);
      }
      throw e;
    }
  }

  private static Object jsonValue(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT:
        {
          Map<String, Object> map = new LinkedHashMap<>();
          String name;
          while ((name = p.nextFieldName()) != null) {
            p.nextToken();
            map.put(name, jsonValue(p));
          }
          return map;
        }
      case START_ARRAY:
        {
          List<Object> list = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            list.add(jsonValue(p));
          }
          return list;
        }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? p.getDoubleValue()
            : (Object) p.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      default:
        return null;
    }
  }

  private Object readMsgpack(byte[] b, int off, int len) throws IOException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b, off, len)) {
      return msgpackValue(u, 0);
    }
  }

  /**
   * Reads one value at nesting {@code depth} (containers above it); deeper than the limit is
   * refused.
   */
  private Object msgpackValue(MessageUnpacker u, int depth) throws IOException {
    MessageFormat f = u.getNextFormat();
    ValueType type = f.getValueType();
    switch (type) {
      case NIL:
        u.unpackNil();
        return null;
      case BOOLEAN:
        return u.unpackBoolean();
      case INTEGER:
        if (f == MessageFormat.UINT64) {
          BigInteger big = u.unpackBigInteger();
          return big.bitLength() < 64 ? (Object) big.longValue() : big.doubleValue();
        }
        return u.unpackLong();
      case FLOAT:
        return u.unpackDouble();
      case STRING:
        return u.unpackString();
      case BINARY:
        {
          byte[] data = new byte[u.unpackBinaryHeader()];
          u.readPayload(data);
          return data;
        }
      case ARRAY:
        {
          if (depth >= maxDepth) {
            throw new TooDeepException(maxDepth);
          }
          int n = u.unpackArrayHeader();
          // The header's count is not trusted for the allocation: the body bounds the real size.
          List<Object> list = new ArrayList<>(Math.min(n, 1024));
          for (int i = 0; i < n; i++) {
            list.add(msgpackValue(u, depth + 1));
          }
          return list;
        }
      case MAP:
        {
          if (depth >= maxDepth) {
            throw new TooDeepException(maxDepth);
          }
          int n = u.unpackMapHeader();
          Map<String, Object> map = new LinkedHashMap<>();
          for (int i = 0; i < n; i++) {
            String key = Msgpackr.readKey(u);
            map.put(key, msgpackValue(u, depth + 1));
          }
          return map;
        }
      case EXTENSION:
        {
          ExtensionTypeHeader h = u.unpackExtensionTypeHeader();
          byte[] data = new byte[h.getLength()];
          u.readPayload(data);
          if (Msgpackr.isUndefined(h.getType())) {
            return UNDEFINED;
          }
          if (h.getType() == Msgpackr.TIMESTAMP_TYPE) {
            return Msgpackr.date(data); // null (an Invalid Date) outside a Date's range
          }
          return null;
        }
      default:
        u.skipValue();
        return null;
    }
  }

  // ---- writing ----

  @SuppressWarnings("unchecked")
  private static void writeJson(Object v, ByteOutput out) {
    if (v == null || v == UNDEFINED) {
      out.ascii("null");
    } else if (v instanceof String) {
      out.jsonString((String) v);
    } else if (v instanceof Long) {
      out.number((Long) v);
    } else if (v instanceof Double) {
      double d = (Double) v;
      out.ascii(Double.isFinite(d) ? JsJson.formatNumber(d) : "null");
    } else if (v instanceof Boolean) {
      out.bool((Boolean) v);
    } else if (v instanceof byte[]) {
      // JSON.stringify of a Node Buffer.
      out.ascii("{\"type\":\"Buffer\",\"data\":[");
      byte[] data = (byte[]) v;
      for (int i = 0; i < data.length; i++) {
        if (i > 0) {
          out.write((byte) ',');
        }
        out.number(data[i] & 0xff);
      }
      out.ascii("]}");
    } else if (v instanceof Instant) {
      out.jsonString(Msgpackr.dateJson((Instant) v));
    } else if (v instanceof List) {
      out.write((byte) '[');
      boolean first = true;
      for (Object item : (List<Object>) v) {
        if (!first) {
          out.write((byte) ',');
        }
        first = false;
        writeJson(item, out);
      }
      out.write((byte) ']');
    } else {
      out.write((byte) '{');
      boolean first = true;
      for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
        if (e.getValue() == UNDEFINED) {
          continue;
        }
        if (!first) {
          out.write((byte) ',');
        }
        first = false;
        out.jsonString(e.getKey()).write((byte) ':');
        writeJson(e.getValue(), out);
      }
      out.write((byte) '}');
    }
  }

  @SuppressWarnings("unchecked")
  private static void writeMsgpack(Object v, MessageBufferPacker p) throws IOException {
    if (v == null || v == UNDEFINED) {
      p.packNil();
    } else if (v instanceof String) {
      p.packString((String) v);
    } else if (v instanceof Long) {
      Msgpackr.packInteger(p, (Long) v);
    } else if (v instanceof Double) {
      Msgpackr.packNumber(p, (Double) v);
    } else if (v instanceof Boolean) {
      p.packBoolean((Boolean) v);
    } else if (v instanceof byte[]) {
      byte[] data = (byte[]) v;
      p.packBinaryHeader(data.length);
      p.writePayload(data);
    } else if (v instanceof List) {
      List<Object> list = (List<Object>) v;
      p.packArrayHeader(list.size());
      for (Object item : list) {
        writeMsgpack(item, p);
      }
    } else {
      Map<String, Object> map = (Map<String, Object>) v;
      p.packMapHeader(map.size());
      for (Map.Entry<String, Object> e : map.entrySet()) {
        p.packString(e.getKey());
        writeMsgpack(e.getValue(), p);
      }
    }
  }
}
