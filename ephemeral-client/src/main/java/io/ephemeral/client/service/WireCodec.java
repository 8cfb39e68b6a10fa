package io.ephemeral.client.service;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ephemeral.protocol.Msgpackr;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.msgpack.core.ExtensionTypeHeader;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.ArrayBufferInput;

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
 * int64/uint64 from other encoders, `undefined` (extension 0: dropped from maps, null in
 * arrays, as JSON.stringify does), Dates (timestamp ext -1: Date.toJSON's text, null for an
 * Invalid Date), other extensions as binary, non-string map keys as msgpackr names them (keys
 * it refuses are an error). The msgpackr rules themselves are io.ephemeral.protocol.Msgpackr,
 * shared with the broker. Trailing bytes after the value are an error, as in msgpackr.
 *
 * The client's own frames go through the streaming half: read() walks a body once with a
 * streaming parser, keeps the envelope's strings and builds trees only for params, data, error
 * and context (the values that are handed on or inspected), and the encode* methods write the
 * envelopes of CALL and RESPONSE field by field with a generator or packer kept per thread.
 * Both produce exactly what the tree methods produce (same bytes, same trees, same errors):
 * WireCodecStreamingTest compares them on generated messages. The tree methods remain for the
 * rare frames (REGISTER, HEARTBEAT, error responses) and the tests.
 */
final class WireCodec {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final double SAFE_INTEGER = 9007199254740992d; // 2^53
  static final Object UNDEFINED = new Object();

  /** Plain JSON for frames: no size limits beyond the frame's own, as JSON.parse. */
  static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

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

  // ------------------------------------------------------------------ streaming envelopes

  /** Decodes frames for one reader thread, reusing its MessagePack unpacker. */
  static final class Reader {
    private final ArrayBufferInput input = new ArrayBufferInput(new byte[0]);
    private final MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(input);

    /** Decodes the body at {@code body[off..off+len)}: JSON when it starts with '{'. */
    WireMessage read(byte[] body, int off, int len) throws IOException {
      if (len > 0 && body[off] == '{') {
        return readJson(body, off, len);
      }
      input.reset(body, off, len);
      unpacker.reset(input);
      return readMsgpack(unpacker, body, off);
    }
  }

  private static WireMessage readJson(byte[] body, int off, int len) throws IOException {
    WireMessage m = new WireMessage();
    try (JsonParser p = JSON.getFactory().createParser(body, off, len)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      String name;
      while ((name = p.nextFieldName()) != null) {
        JsonToken t = p.nextToken();
        switch (name) {
          case "type":
            m.type = jsonText(p, t);
            break;
          case "id":
            m.id = jsonText(p, t);
            break;
          case "from":
            if (t == JsonToken.VALUE_STRING) {
              m.from = p.getText();
              m.fromOther = null;
            } else {
              m.from = null;
              m.fromOther = tree(p, t, 0);
            }
            break;
          case "to":
            m.to = jsonText(p, t);
            break;
          case "method":
            m.method = jsonText(p, t);
            break;
          case "status":
            m.status = jsonText(p, t);
            break;
          case "caller":
            m.caller = jsonText(p, t);
            break;
          case "params":
            m.params = jsonSlice(p, t, body, off);
            break;
          case "data":
            m.data = jsonSlice(p, t, body, off);
            break;
          case "error":
            m.error = tree(p, t, 0);
            break;
          case "context":
            m.context = tree(p, t, 0);
            break;
          default:
            p.skipChildren();
        }
      }
      // Like ObjectMapper.readTree: whatever follows the object is not read.
      return m;
    }
  }

  /**
   * The bytes of the value at the parser's current token (start of a container or a scalar), read
   * past it. The parser's offsets count from {@code off}.
   */
  static byte[] jsonSlice(JsonParser p, JsonToken t, byte[] body, int off) throws IOException {
    long start = p.currentTokenLocation().getByteOffset();
    if (t.isStructStart()) {
      p.skipChildren();
    } else {
      p.finishToken();
    }
    long end = p.currentLocation().getByteOffset();
    return Arrays.copyOfRange(body, off + (int) start, off + (int) end);
  }

  private static String jsonText(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }

  /**
   * The tree of the value at the parser's current token, node for node what ObjectMapper.readTree
   * builds (int/long/BigInteger by size, double for fractions, the last of duplicate names). Deep
   * values go to ObjectMapper itself, whose builder does not recurse.
   */
  private static JsonNode tree(JsonParser p, JsonToken t, int depth) throws IOException {
    switch (t) {
      case START_OBJECT:
        {
          if (depth > 200) {
            return JSON.readTree(p);
          }
          ObjectNode o = NODES.objectNode();
          String name;
          while ((name = p.nextFieldName()) != null) {
            o.replace(name, tree(p, p.nextToken(), depth + 1));
          }
          return o;
        }
      case START_ARRAY:
        {
          if (depth > 200) {
            return JSON.readTree(p);
          }
          ArrayNode a = NODES.arrayNode();
          JsonToken e;
          while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            a.add(tree(p, e, depth + 1));
          }
          return a;
        }
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            return NODES.numberNode(p.getIntValue());
          case LONG:
            return NODES.numberNode(p.getLongValue());
          default:
            return NODES.numberNode(p.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(p.getDoubleValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        return JSON.readTree(p); // not produced by the JSON parser; let Jackson decide
    }
  }

  private static WireMessage readMsgpack(MessageUnpacker u, byte[] body, int off)
      throws IOException {
    WireMessage m = new WireMessage();
    m.msgpack = true;
    if (!u.hasNext()) {
      throw new IOException("empty MessagePack body");
    }
    if (u.getNextFormat().getValueType() != org.msgpack.value.ValueType.MAP) {
      unpack(u, 0); // not a message: read (and check) it all, keep nothing
    } else {
      int n = u.unpackMapHeader();
      for (int i = 0; i < n; i++) {
        String name = Msgpackr.readKey(u);
        switch (name) {
          case "type":
            m.type = mpText(u);
            break;
          case "id":
            m.id = mpText(u);
            break;
          case "from":
            if (u.getNextFormat().getValueType() == org.msgpack.value.ValueType.STRING) {
              m.from = u.unpackString();
              m.fromOther = null;
            } else {
              m.from = null;
              m.fromOther = mpTree(u);
            }
            break;
          case "to":
            m.to = mpText(u);
            break;
          case "method":
            m.method = mpText(u);
            break;
          case "status":
            m.status = mpText(u);
            break;
          case "caller":
            m.caller = mpText(u);
            break;
          case "params":
            m.params = mpSlice(u, body, off);
            break;
          case "data":
            m.data = mpSlice(u, body, off);
            break;
          case "error":
            m.error = mpTree(u);
            break;
          case "context":
            m.context = mpTree(u);
            break;
          default:
            unpack(u, 1);
        }
      }
    }
    if (u.hasNext()) {
      throw new IOException("Data read, but end of buffer not reached");
    }
    return m;
  }

  private static String mpText(MessageUnpacker u) throws IOException {
    if (u.getNextFormat().getValueType() == org.msgpack.value.ValueType.STRING) {
      return u.unpackString();
    }
    unpack(u, 1);
    return null;
  }

  /**
   * The bytes of the next value, read past it; null for {@code undefined}, which removes the field.
   * The unpacker's count of bytes read starts at {@code off}.
   */
  private static byte[] mpSlice(MessageUnpacker u, byte[] body, int off) throws IOException {
    long start = u.getTotalReadBytes();
    skipValue(u);
    int from = off + (int) start;
    int to = off + (int) u.getTotalReadBytes();
    if (to - from == 3 && body[from] == (byte) 0xd4 && body[from + 1] == 0) {
      return null; // undefined (fixext1 type 0)
    }
    return Arrays.copyOfRange(body, from, to);
  }

  /**
   * Skips one value with its contents. Not {@code MessageUnpacker.skipValue} alone: it counts in an
   * int, so a map32 header of 2^30 or more entries wraps its count.
   */
  private static void skipValue(MessageUnpacker u) throws IOException {
    long count = 1;
    while (count > 0) {
      MessageFormat f = u.getNextFormat();
      if (f.getValueType() == org.msgpack.value.ValueType.ARRAY) {
        count += u.unpackArrayHeader();
      } else if (f.getValueType() == org.msgpack.value.ValueType.MAP) {
        count += 2L * u.unpackMapHeader();
      } else {
        u.skipValue();
      }
      count--;
    }
  }

  /** A map value as a tree; null for {@code undefined}, which removes the field. */
  private static JsonNode mpTree(MessageUnpacker u) throws IOException {
    Object v = unpack(u, 1);
    return v == UNDEFINED ? null : (JsonNode) v;
  }

  /** Encodes a CALL: type, id, from, to, method, params, context (in this order). */
  static byte[] encodeCall(
      Serializer serializer,
      String id,
      String from,
      String to,
      String method,
      Object params,
      CallContext context)
      throws IOException {
    Writer w = Writer.get();
    if (serializer == Serializer.JSON) {
      try (JsonGenerator g = w.json()) {
        g.writeStartObject();
        g.writeStringField("type", "CALL");
        jsonField(g, "id", id);
        jsonField(g, "from", from);
        jsonField(g, "to", to);
        jsonField(g, "method", method);
        g.writeFieldName("params");
        writeValue(g, params);
        g.writeFieldName("context");
        g.writeStartObject();
        jsonField(g, "root", context.root());
        g.writeFieldName("chain");
        List<String> chain = context.chain();
        g.writeStartArray();
        for (int i = 0; i < chain.size(); i++) {
          g.writeString(chain.get(i));
        }
        g.writeEndArray();
        g.writeNumberField("depth", context.depth());
        g.writeNumberField("deadline", context.deadline());
        if (context.traceparent() != null) {
          jsonField(g, "traceparent", context.traceparent());
          if (context.tracestate() != null) {
            jsonField(g, "tracestate", context.tracestate());
          }
        }
        g.writeEndObject();
        g.writeEndObject();
      }
      return w.bytes.toByteArray();
    }
    MessageBufferPacker out = w.packer();
    out.packMapHeader(7);
    out.packString("type");
    out.packString("CALL");
    mpField(out, "id", id);
    mpField(out, "from", from);
    mpField(out, "to", to);
    mpField(out, "method", method);
    out.packString("params");
    packValue(params, out);
    out.packString("context");
    out.packMapHeader(context.traceparent() == null ? 4 : context.tracestate() == null ? 5 : 6);
    mpField(out, "root", context.root());
    out.packString("chain");
    List<String> chain = context.chain();
    out.packArrayHeader(chain.size());
    for (int i = 0; i < chain.size(); i++) {
      out.packString(chain.get(i));
    }
    out.packString("depth");
    Msgpackr.packInteger(out, context.depth());
    out.packString("deadline");
    Msgpackr.packInteger(out, context.deadline());
    if (context.traceparent() != null) {
      mpField(out, "traceparent", context.traceparent());
      if (context.tracestate() != null) {
        mpField(out, "tracestate", context.tracestate());
      }
    }
    return out.toByteArray();
  }

  /**
   * Encodes a RESPONSE: type, id, from, to, status, then {@code bodyName} ("data" or "error") with
   * {@code body}, then context.
   */
  static byte[] encodeResponse(
      Serializer serializer,
      String id,
      String from,
      JsonNode to,
      String status,
      String bodyName,
      Object body,
      JsonNode context)
      throws IOException {
    Writer w = Writer.get();
    if (serializer == Serializer.JSON) {
      try (JsonGenerator g = w.json()) {
        g.writeStartObject();
        g.writeStringField("type", "RESPONSE");
        jsonField(g, "id", id);
        jsonField(g, "from", from);
        g.writeFieldName("to");
        writeJson(g, to);
        jsonField(g, "status", status);
        g.writeFieldName(bodyName);
        writeValue(g, body);
        g.writeFieldName("context");
        writeJson(g, context);
        g.writeEndObject();
      }
      return w.bytes.toByteArray();
    }
    MessageBufferPacker out = w.packer();
    out.packMapHeader(7);
    out.packString("type");
    out.packString("RESPONSE");
    mpField(out, "id", id);
    mpField(out, "from", from);
    out.packString("to");
    pack(to, out);
    mpField(out, "status", status);
    out.packString(bodyName);
    packValue(body, out);
    out.packString("context");
    pack(context, out);
    return out.toByteArray();
  }

  /**
   * Writes a JsonNode tree, the bytes of a {@link Params} (converted if MessagePack), or a {@link
   * DirectJson.Value}.
   */
  private static void writeValue(JsonGenerator g, Object value) throws IOException {
    if (value instanceof DirectJson.Value) {
      ((DirectJson.Value) value).writeTo(g);
      return;
    }
    if (value instanceof Params) {
      Params p = (Params) value;
      if (p.isMessagePack()) {
        writeJson(g, ValueBytes.treeOf(p));
      } else {
        g.writeRawValue(new RawJson(p.raw()));
      }
      return;
    }
    writeJson(g, (JsonNode) value);
  }

  /**
   * Packs a JsonNode tree, the bytes of a {@link Params} (converted if JSON), or a {@link
   * Jackson2Msgpack.Packable}.
   */
  private static void packValue(Object value, MessagePacker out) throws IOException {
    if (value instanceof Jackson2Msgpack.Packable) {
      ((Jackson2Msgpack.Packable) value).packTo(out);
      return;
    }
    if (value instanceof Params) {
      Params p = (Params) value;
      if (p.isMessagePack()) {
        out.writePayload(p.raw());
      } else {
        pack(ValueBytes.treeOf(p), out);
      }
      return;
    }
    pack((JsonNode) value, out);
  }

  private static void jsonField(JsonGenerator g, String name, String value) throws IOException {
    g.writeFieldName(name);
    if (value == null) {
      g.writeNull(); // as ObjectNode.put(name, (String) null)
    } else {
      g.writeString(value);
    }
  }

  private static void mpField(MessagePacker out, String name, String value) throws IOException {
    out.packString(name);
    if (value == null) {
      out.packNil();
    } else {
      out.packString(value);
    }
  }

  /** What ObjectMapper writes for a tree; anything but plain JSON values goes to it. */
  private static void writeJson(JsonGenerator g, JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT:
        g.writeStartObject();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          g.writeFieldName(e.getKey());
          writeJson(g, e.getValue());
        }
        g.writeEndObject();
        return;
      case ARRAY:
        g.writeStartArray();
        for (int i = 0, n = node.size(); i < n; i++) {
          writeJson(g, node.get(i));
        }
        g.writeEndArray();
        return;
      case STRING:
        g.writeString(node.textValue());
        return;
      case BOOLEAN:
        g.writeBoolean(node.booleanValue());
        return;
      case NULL:
        g.writeNull();
        return;
      case NUMBER:
        switch (node.numberType()) {
          case INT:
            g.writeNumber(node.intValue());
            return;
          case LONG:
            g.writeNumber(node.longValue());
            return;
          case DOUBLE:
            g.writeNumber(node.doubleValue());
            return;
          default:
            break;
        }
        break;
      default:
        break;
    }
    JSON.writeTree(g, node);
  }

  /**
   * Strings of more than {@value #LONG_STRING} chars are encoded to UTF-8 by the JDK (a copy for a
   * string of Latin-1 characters) and packed as bytes: msgpack-core encodes a long string with a
   * CharsetEncoder, several times slower (a 10 KiB string: about 18 µs against 3 for the whole
   * message, one thread's CPU time). Same bytes: both replace a lone surrogate with '?'.
   */
  static final int LONG_STRING = 512;

  static void packString(String s, MessagePacker out) throws IOException {
    if (s.length() <= LONG_STRING) {
      out.packString(s);
      return;
    }
    byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.packRawStringHeader(utf8.length);
    out.writePayload(utf8);
  }

  /** A thread's reusable output: the bytes of a JSON generator, or a MessagePack packer. */
  private static final class Writer {
    private static final ThreadLocal<Writer> OF_THREAD = ThreadLocal.withInitial(Writer::new);
    final Bytes bytes = new Bytes();
    private final MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();

    static Writer get() {
      return OF_THREAD.get();
    }

    JsonGenerator json() throws IOException {
      bytes.reset();
      return JSON.getFactory().createGenerator(bytes);
    }

    MessageBufferPacker packer() {
      packer.clear();
      return packer;
    }
  }

  /** A growable byte array that is reset rather than reallocated; large ones are let go. */
  private static final class Bytes extends OutputStream {
    private byte[] buf = new byte[512];
    private int count;

    void reset() {
      if (buf.length > 64 * 1024) {
        buf = new byte[512];
      }
      count = 0;
    }

    @Override
    public void write(int b) {
      ensure(1);
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    private void ensure(int more) {
      if (count + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
      }
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, count);
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
        packString(node.textValue(), out);
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
        pack(
            JSON.valueToTree(((com.fasterxml.jackson.databind.node.POJONode) node).getPojo()), out);
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
        Msgpackr.packInteger(out, node.longValue());
      } else {
        out.packDouble(node.bigIntegerValue().doubleValue());
      }
    } else {
      // Not msgpackr's rule for a JavaScript number: a Java double stays float64, so a Java peer
      // reads a double back (Node peers read the same number either way).
      out.packDouble(node.doubleValue());
    }
  }

  // ------------------------------------------------------------------ MessagePack reading

  /**
   * Whether a float64 is read as a long: integral, beyond int32 and within 2^53, as msgpackr packs
   * large integers (deadlines, timestamps, Java longs).
   */
  static boolean isLargeInteger(double d) {
    return d == Math.rint(d)
        && Math.abs(d) <= SAFE_INTEGER
        && (d < Integer.MIN_VALUE || d > Integer.MAX_VALUE);
  }

  /**
   * Reads an extension: {@link #UNDEFINED}, a Date's JSON text, null for an Invalid Date, or any
   * other extension's payload (read as binary).
   */
  static Object extension(MessageUnpacker in) throws IOException {
    ExtensionTypeHeader header = in.unpackExtensionTypeHeader();
    byte[] payload = in.readPayload(header.getLength());
    if (Msgpackr.isUndefined(header.getType())) {
      return UNDEFINED;
    }
    if (header.getType() == Msgpackr.TIMESTAMP_TYPE) {
      Instant t = Msgpackr.date(payload);
      return t == null ? null : Msgpackr.dateJson(t);
    }
    return payload;
  }

  static Object unpack(MessageUnpacker in, int depth) throws IOException {
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
          return isLargeInteger(d) ? NODES.numberNode((long) d) : NODES.numberNode(d);
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
            String key = Msgpackr.readKey(in);
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
          Object x = extension(in);
          if (x == UNDEFINED) {
            return UNDEFINED;
          }
          return x == null
              ? NODES.nullNode()
              : x instanceof String ? NODES.textNode((String) x) : NODES.binaryNode((byte[]) x);
        }
      default:
        throw new IOException("Unsupported MessagePack format " + format);
    }
  }
}
