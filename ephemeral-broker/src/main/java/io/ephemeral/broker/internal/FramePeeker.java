package io.ephemeral.broker.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.ArrayBufferInput;
import org.msgpack.value.ValueType;

/**
 * Reads the routing fields of a frame body with a streaming parser (Jackson for JSON, msgpack-core
 * for MessagePack) and skips everything else, validating the whole body on the way (a body must be
 * exactly one value, as the Node peers require). JSON bodies go through {@link JsonRoutingScanner}
 * first, which reads the same fields from the bytes and hands anything it is not sure about to the
 * Jackson path.
 */
final class FramePeeker {
  /** Peek outcome. */
  static final int OK = 0;

  static final int UNDECODABLE = 1;
  static final int NOT_AN_OBJECT = 2;

  /** A JSON body nested deeper than the limit. */
  static final int TOO_DEEP = 3;

  private final int maxDepth;
  private final JsonRoutingScanner scanner;
  private final ArrayBufferInput input = new ArrayBufferInput(new byte[0]);

  /**
   * Jackson and the MessagePack reader, made on first use: each costs milliseconds of class loading
   * and initialisation at the broker's start, and a broker without gateway traffic needs neither.
   */
  private JsonFactory json;

  private MessageUnpacker unpacker;

  private String error;

  FramePeeker(int maxDepth) {
    this.maxDepth = maxDepth;
    scanner = new JsonRoutingScanner(maxDepth);
  }

  /**
   * Jackson for the JSON frame bodies of the gateway: at most {@code maxDepth} levels, numbers no
   * longer than a request's.
   */
  static JsonFactory jsonFactory(int maxDepth) {
    return JsonFactory.builder()
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(maxDepth)
                .maxNumberLength(BrokerConfig.MAX_NUMBER_LENGTH)
                .build())
        .build();
  }

  String error() {
    return error;
  }

  static FrameMessage.Encoding encodingOf(byte[] body, int off, int len) {
    return len > 0 && body[off] == '{' ? FrameMessage.Encoding.JSON : FrameMessage.Encoding.MSGPACK;
  }

  int peek(byte[] b, int off, int len, FrameMessage m) {
    error = null;
    m.reset(encodingOf(b, off, len));
    if (len == 0) {
      error = "empty frame";
      return UNDECODABLE;
    }
    try {
      return m.encoding == FrameMessage.Encoding.JSON
          ? peekJson(b, off, len, m)
          : peekMsgpack(b, off, len, m);
    } catch (StreamConstraintsException e) {
      if (Limit.of(e) == Limit.MAX_NESTING_DEPTH) {
        return TOO_DEEP;
      }
      error = e.getMessage();
      return UNDECODABLE;
    } catch (IOException | RuntimeException e) {
      String msg = e.getMessage();
      int nl = msg == null ? -1 : msg.indexOf('\n');
      error = msg == null ? e.getClass().getSimpleName() : nl < 0 ? msg : msg.substring(0, nl);
      return UNDECODABLE;
    }
  }

  /** The routing fields that are plain strings, read the same way in both encodings. */
  private static boolean isStringField(String name) {
    switch (name) {
      case "type":
      case "id":
      case "from":
      case "to":
      case "method":
      case "status":
      case "serviceName":
      case "version":
      case "auth":
        return true;
      default:
        return false;
    }
  }

  private static void setString(FrameMessage m, String name, String value) {
    switch (name) {
      case "type":
        m.type = value;
        break;
      case "id":
        m.id = value;
        break;
      case "from":
        m.from = value;
        break;
      case "to":
        m.to = value;
        break;
      case "method":
        m.method = value;
        break;
      case "status":
        m.status = value;
        break;
      case "serviceName":
        m.serviceName = value;
        break;
      case "auth":
        m.auth = value;
        break;
      default:
        m.version = value;
    }
  }

  // A repeated member replaces the earlier one, as in the JavaScript object a Node peer decodes:
  // forget what the earlier one set.

  private static void forgetMethods(FrameMessage m) {
    m.methods.clear();
    m.methodsValid = false;
  }

  private static void forgetMetadata(FrameMessage m) {
    m.poolKey = null;
    m.poolMember = false;
    m.poolIndex = 0;
    m.poolSize = 0;
  }

  private static void forgetContext(FrameMessage m) {
    m.contextValid = false;
    m.hasDeadline = false;
    m.deadline = 0;
    m.hasDepth = false;
    m.depth = 0;
  }

  // ---- JSON ----

  /** The byte scanner when it is sure; otherwise Jackson, which also words the errors. */
  private int peekJson(byte[] b, int off, int len, FrameMessage m) throws IOException {
    if (scanner.scan(b, off, len, m)) {
      return OK;
    }
    m.reset(FrameMessage.Encoding.JSON);
    return peekJsonJackson(b, off, len, m);
  }

  /** The reference path: a Jackson parser over the whole body. */
  int peekJsonJackson(byte[] b, int off, int len, FrameMessage m) throws IOException {
    String refusal = ClientJson.refusal(b, off, len); // the byte scanner never takes these either
    if (refusal != null) {
      throw new IOException(refusal);
    }
    if (json == null) {
      json = jsonFactory(maxDepth);
    }
    try (JsonParser p = json.createParser(b, off, len)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object"); // a body starting with '{' that is not one
      }
      String name;
      while ((name = p.nextFieldName()) != null) {
        JsonToken v = p.nextToken();
        if (isStringField(name)) {
          setString(m, name, jsonString(p, v));
          continue;
        }
        switch (name) {
          case "methods":
            jsonMethods(p, v, m);
            break;
          case "metadata":
            jsonMetadata(p, v, m);
            break;
          case "error":
            jsonError(p, v, m);
            break;
          case "context":
            jsonContext(p, v, m, off);
            break;
          case "anonymous":
            m.anonymous = v == JsonToken.VALUE_TRUE;
            p.skipChildren();
            break;
          default:
            p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new IOException("trailing bytes after the message");
      }
      return OK;
    }
  }

  private static String jsonString(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }

  private static void jsonMethods(JsonParser p, JsonToken v, FrameMessage m) throws IOException {
    forgetMethods(m);
    if (v != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    m.methodsValid = true;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t == JsonToken.VALUE_STRING) {
        m.methods.add(p.getText());
      } else {
        p.skipChildren();
        m.methodsValid = false;
      }
    }
  }

  private static void jsonMetadata(JsonParser p, JsonToken v, FrameMessage m) throws IOException {
    forgetMetadata(m);
    if (v != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    String name;
    while ((name = p.nextFieldName()) != null) {
      JsonToken t = p.nextToken();
      if (name.equals("poolIndex")) {
        m.poolMember = t.isNumeric();
        m.poolIndex = t.isNumeric() ? p.getDoubleValue() : 0;
      } else if (name.equals("poolSize")) {
        m.poolSize = t.isNumeric() ? p.getDoubleValue() : 0;
      } else if (name.equals("poolKey")) {
        m.poolKey = t == JsonToken.VALUE_STRING ? p.getText() : null;
      }
      p.skipChildren();
    }
  }

  private static void jsonError(JsonParser p, JsonToken v, FrameMessage m) throws IOException {
    m.errorCode = null;
    if (v != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    String name;
    while ((name = p.nextFieldName()) != null) {
      JsonToken t = p.nextToken();
      if (name.equals("code")) {
        m.errorCode = t == JsonToken.VALUE_STRING ? p.getText() : null;
      }
      p.skipChildren();
    }
  }

  private static void jsonContext(JsonParser p, JsonToken v, FrameMessage m, int base)
      throws IOException {
    forgetContext(m);
    m.hasContext = true;
    int start = base + (int) p.currentTokenLocation().getByteOffset();
    if (v != JsonToken.START_OBJECT) {
      p.skipChildren();
      p.finishToken();
      m.contextOff = start;
      m.contextLen = base + (int) p.currentLocation().getByteOffset() - start;
      return;
    }
    boolean deadlineOk = true;
    boolean depthOk = true;
    String name;
    while ((name = p.nextFieldName()) != null) {
      JsonToken t = p.nextToken();
      if (name.equals("deadline")) {
        m.hasDeadline = t.isNumeric();
        m.deadline = t.isNumeric() ? p.getDoubleValue() : 0;
        deadlineOk = t.isNumeric() || t == JsonToken.VALUE_NULL;
      } else if (name.equals("depth")) {
        m.hasDepth = t.isNumeric();
        m.depth = t.isNumeric() ? p.getDoubleValue() : 0;
        depthOk = t.isNumeric() || t == JsonToken.VALUE_NULL;
      }
      p.skipChildren();
    }
    m.contextValid = deadlineOk && depthOk;
    m.contextOff = start;
    m.contextLen = base + (int) p.currentLocation().getByteOffset() - start;
  }

  // ---- MessagePack ----

  private int peekMsgpack(byte[] b, int off, int len, FrameMessage m) throws IOException {
    input.reset(b, off, len);
    if (unpacker == null) {
      unpacker = MessagePack.newDefaultUnpacker(input);
    }
    MessageUnpacker u = unpacker;
    u.reset(input);
    if (u.getNextFormat().getValueType() != ValueType.MAP) {
      skip(u, 1);
      requireEnd(u);
      return NOT_AN_OBJECT;
    }
    int entries = u.unpackMapHeader();
    for (int i = 0; i < entries; i++) {
      if (u.getNextFormat().getValueType() != ValueType.STRING) {
        skip(u, 2); // a non-string key and its value: not a routing field
        continue;
      }
      String name = u.unpackString();
      if (isStringField(name)) {
        setString(m, name, mpString(u));
        continue;
      }
      switch (name) {
        case "methods":
          mpMethods(u, m);
          break;
        case "metadata":
          mpMetadata(u, m);
          break;
        case "error":
          mpError(u, m);
          break;
        case "context":
          mpContext(u, m, off);
          break;
        case "anonymous":
          m.anonymous =
              u.getNextFormat().getValueType() == ValueType.BOOLEAN
                  ? u.unpackBoolean()
                  : skipFalse(u);
          break;
        default:
          skip(u, 1);
      }
    }
    requireEnd(u);
    return OK;
  }

  /**
   * Skips {@code count} values, validating them. Not {@code MessageUnpacker.skipValue}: it counts
   * in an int, so a map32 header of 2^30 or more entries wraps its count and the rest of the body
   * goes unchecked (the body was then accepted however it ended).
   */
  private static void skip(MessageUnpacker u, long count) throws IOException {
    while (count > 0) {
      MessageFormat f = u.getNextFormat();
      if (f.getValueType() == ValueType.ARRAY) {
        count += u.unpackArrayHeader();
      } else if (f.getValueType() == ValueType.MAP) {
        count += 2L * u.unpackMapHeader();
      } else {
        u.skipValue();
      }
      count--;
    }
  }

  /** Skips a value that is not a boolean: not {@code true}. */
  private static boolean skipFalse(MessageUnpacker u) throws IOException {
    skip(u, 1);
    return false;
  }

  private static void requireEnd(MessageUnpacker u) throws IOException {
    if (u.hasNext()) {
      throw new IOException("trailing bytes after the message");
    }
  }

  private static String mpString(MessageUnpacker u) throws IOException {
    if (u.getNextFormat().getValueType() == ValueType.STRING) {
      return u.unpackString();
    }
    skip(u, 1);
    return null;
  }

  private static boolean isNumber(MessageFormat f) {
    ValueType t = f.getValueType();
    return t == ValueType.INTEGER || t == ValueType.FLOAT;
  }

  private static double mpNumber(MessageUnpacker u) throws IOException {
    MessageFormat f = u.getNextFormat();
    if (f.getValueType() == ValueType.FLOAT) {
      return u.unpackDouble();
    }
    if (f == MessageFormat.UINT64) {
      return u.unpackBigInteger().doubleValue();
    }
    return u.unpackLong();
  }

  private static void mpMethods(MessageUnpacker u, FrameMessage m) throws IOException {
    forgetMethods(m);
    if (u.getNextFormat().getValueType() != ValueType.ARRAY) {
      skip(u, 1);
      return;
    }
    m.methodsValid = true;
    int n = u.unpackArrayHeader();
    for (int i = 0; i < n; i++) {
      if (u.getNextFormat().getValueType() == ValueType.STRING) {
        m.methods.add(u.unpackString());
      } else {
        skip(u, 1);
        m.methodsValid = false;
      }
    }
  }

  private static void mpMetadata(MessageUnpacker u, FrameMessage m) throws IOException {
    forgetMetadata(m);
    if (u.getNextFormat().getValueType() != ValueType.MAP) {
      skip(u, 1);
      return;
    }
    int n = u.unpackMapHeader();
    for (int i = 0; i < n; i++) {
      String key = mpString(u);
      if ("poolKey".equals(key)) {
        m.poolKey = mpString(u);
        continue;
      }
      boolean number = isNumber(u.getNextFormat());
      if ("poolIndex".equals(key)) {
        m.poolMember = number;
        m.poolIndex = number ? mpNumber(u) : 0;
      } else if ("poolSize".equals(key)) {
        m.poolSize = number ? mpNumber(u) : 0;
      }
      if (!number || !("poolIndex".equals(key) || "poolSize".equals(key))) {
        skip(u, 1);
      }
    }
  }

  private static void mpError(MessageUnpacker u, FrameMessage m) throws IOException {
    m.errorCode = null;
    if (u.getNextFormat().getValueType() != ValueType.MAP) {
      skip(u, 1);
      return;
    }
    int n = u.unpackMapHeader();
    for (int i = 0; i < n; i++) {
      String key = mpString(u);
      if ("code".equals(key)) {
        m.errorCode = mpString(u);
      } else {
        skip(u, 1);
      }
    }
  }

  private static void mpContext(MessageUnpacker u, FrameMessage m, int base) throws IOException {
    forgetContext(m);
    m.hasContext = true;
    int start = base + (int) u.getTotalReadBytes();
    if (u.getNextFormat().getValueType() != ValueType.MAP) {
      skip(u, 1);
      m.contextOff = start;
      m.contextLen = base + (int) u.getTotalReadBytes() - start;
      return;
    }
    boolean deadlineOk = true;
    boolean depthOk = true;
    int n = u.unpackMapHeader();
    for (int i = 0; i < n; i++) {
      String key = mpString(u);
      MessageFormat f = u.getNextFormat();
      if ("deadline".equals(key) || "depth".equals(key)) {
        boolean number = isNumber(f);
        double v = number ? mpNumber(u) : 0;
        if (key.equals("deadline")) {
          m.hasDeadline = number;
          m.deadline = v;
          deadlineOk = number || f == MessageFormat.NIL;
        } else {
          m.hasDepth = number;
          m.depth = v;
          depthOk = number || f == MessageFormat.NIL;
        }
        if (number) {
          continue;
        }
      }
      skip(u, 1);
    }
    m.contextValid = deadlineOk && depthOk;
    m.contextOff = start;
    m.contextLen = base + (int) u.getTotalReadBytes() - start;
  }
}
