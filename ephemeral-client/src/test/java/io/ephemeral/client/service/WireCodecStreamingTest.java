package io.ephemeral.client.service;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The streaming envelope codec against the tree codec, on seeded random messages: the same bytes
 * written, the same fields and trees read, an error for exactly the same bodies.
 */
class WireCodecStreamingTest {
  private static final JsonNodeFactory N = JsonNodeFactory.instance;
  private static final String[] NAMES = {
    "type",
    "id",
    "from",
    "to",
    "method",
    "status",
    "params",
    "data",
    "error",
    "context",
    "timestamp",
    "x",
    "types",
    "é",
    ""
  };

  @Test
  void writesTheBytesTheTreeCodecWrites() throws IOException {
    Random r = new Random(20240601);
    for (int i = 0; i < 3000; i++) {
      Serializer s = i % 2 == 0 ? Serializer.JSON : Serializer.MSGPACK;
      String id = maybeNull(r, text(r));
      String to = maybeNull(r, text(r));
      String method = maybeNull(r, text(r));
      JsonNode params = value(r, 0);
      CallContext ctx =
          new CallContext(
              text(r),
              chain(r),
              r.nextInt(200) - 50,
              r.nextBoolean() ? r.nextLong() : r.nextInt(),
              null);
      ObjectNode call = N.objectNode();
      call.put("type", "CALL");
      call.put("id", id);
      call.put("from", "svc");
      call.put("to", to);
      call.put("method", method);
      call.set("params", params);
      ObjectNode c = call.putObject("context");
      c.put("root", ctx.root());
      ArrayNode chain = c.putArray("chain");
      ctx.chain().forEach(chain::add);
      c.put("depth", ctx.depth());
      c.put("deadline", ctx.deadline());
      assertThat(WireCodec.encodeCall(s, id, "svc", to, method, params, ctx))
          .as("CALL %s %s", s, call)
          .isEqualTo(WireCodec.encode(call, s));

      JsonNode toNode = r.nextBoolean() ? N.textNode(text(r)) : value(r, 2);
      String body = r.nextBoolean() ? "data" : "error";
      JsonNode data = value(r, 0);
      JsonNode context = r.nextInt(4) == 0 ? N.nullNode() : value(r, 1);
      ObjectNode response = N.objectNode();
      response.put("type", "RESPONSE");
      response.put("id", id);
      response.put("from", "svc");
      response.set("to", toNode);
      response.put("status", "success");
      response.set(body, data);
      response.set("context", context);
      assertThat(WireCodec.encodeResponse(s, id, "svc", toNode, "success", body, data, context))
          .as("RESPONSE %s %s", s, response)
          .isEqualTo(WireCodec.encode(response, s));
    }
  }

  @Test
  void readsJsonAsTheTreeCodecDoes() throws IOException {
    Random r = new Random(7);
    WireCodec.Reader reader = new WireCodec.Reader();
    for (int i = 0; i < 5000; i++) {
      String json = jsonMessage(r);
      if (i % 10 == 0) {
        json = mutate(r, json);
      }
      compare(reader, json.getBytes(UTF_8), json);
    }
  }

  @Test
  void readsMessagePackAsTheTreeCodecDoes() throws IOException {
    Random r = new Random(11);
    WireCodec.Reader reader = new WireCodec.Reader();
    for (int i = 0; i < 5000; i++) {
      MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
      if (r.nextInt(20) == 0) {
        WireCodec.pack(value(r, 0), p); // not necessarily a map
      } else {
        int n = r.nextInt(9);
        p.packMapHeader(n);
        for (int k = 0; k < n; k++) {
          int kind = r.nextInt(12);
          if (kind == 0) {
            p.packInt(r.nextInt(3)); // a non-string key
          } else {
            p.packString(NAMES[r.nextInt(NAMES.length)]);
          }
          if (r.nextInt(10) == 0) {
            p.packExtensionTypeHeader((byte) 0, 1); // undefined
            p.writePayload(new byte[] {0});
          } else if (r.nextBoolean()) {
            p.packString(text(r));
          } else {
            WireCodec.pack(value(r, 0), p);
          }
        }
      }
      byte[] bytes = p.toByteArray();
      if (i % 10 == 0 && bytes.length > 1) {
        bytes =
            r.nextBoolean()
                ? java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length)) // truncated
                : java.util.Arrays.copyOf(bytes, bytes.length + 1); // trailing byte
      }
      compare(reader, bytes, java.util.HexFormat.of().formatHex(bytes));
    }
  }

  private static void compare(WireCodec.Reader reader, byte[] bytes, String what) {
    JsonNode tree;
    try {
      tree = WireCodec.decode(bytes);
    } catch (IOException | RuntimeException e) {
      tree = null;
    }
    byte[] framed = new byte[bytes.length + 6];
    System.arraycopy(bytes, 0, framed, 3, bytes.length); // at an offset, as in the read buffer
    WireMessage m;
    try {
      m = reader.read(framed, 3, bytes.length);
    } catch (IOException | RuntimeException e) {
      m = null;
    }
    assertThat(m == null).as("fails alike: %s", what).isEqualTo(tree == null);
    if (tree == null) {
      return;
    }
    assertThat(m.type).as(what).isEqualTo(text(tree, "type"));
    assertThat(m.id).as(what).isEqualTo(text(tree, "id"));
    assertThat(m.to).as(what).isEqualTo(text(tree, "to"));
    assertThat(m.method).as(what).isEqualTo(text(tree, "method"));
    assertThat(m.status).as(what).isEqualTo(text(tree, "status"));
    JsonNode from = tree.get("from");
    assertThat(m.from).as(what).isEqualTo(text(tree, "from"));
    assertThat(m.fromOther).as(what).isEqualTo(from != null && !from.isTextual() ? from : null);
    // params and data are kept as their bytes: decoded, they are what the tree codec read
    assertThat(treeOf(m.params, m.msgpack)).as(what).isEqualTo(tree.get("params"));
    assertThat(treeOf(m.data, m.msgpack)).as(what).isEqualTo(tree.get("data"));
    assertThat(m.error).as(what).isEqualTo(tree.get("error"));
    assertThat(m.context).as(what).isEqualTo(tree.get("context"));
  }

  private static JsonNode treeOf(byte[] raw, boolean msgpack) {
    return raw == null ? null : ValueBytes.treeOf(new Params(raw, msgpack, null));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.textValue() : null;
  }

  // ---- generators

  private static String maybeNull(Random r, String s) {
    return r.nextInt(10) == 0 ? null : s;
  }

  private static List<String> chain(Random r) {
    List<String> c = new ArrayList<>();
    for (int i = r.nextInt(4) + 1; i > 0; i--) {
      c.add(text(r));
    }
    return c;
  }

  private static String text(Random r) {
    switch (r.nextInt(6)) {
      case 0:
        return "";
      case 1:
        return "q\"\\/\b\f\n\r\t\u0001\u007f";
      case 2:
        return "ünï \u20ac \uD83D\uDE00";
      case 3:
        return "x".repeat(r.nextInt(300));
      default:
        return "s" + r.nextInt(1000);
    }
  }

  private static JsonNode value(Random r, int depth) {
    int kind = r.nextInt(depth > 3 ? 12 : 16);
    switch (kind) {
      case 0:
        return N.nullNode();
      case 1:
        return N.booleanNode(r.nextBoolean());
      case 2:
        return N.numberNode(r.nextInt());
      case 3:
        return N.numberNode(r.nextLong());
      case 4:
        return N.numberNode(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20));
      case 5:
        return N.numberNode(new BigInteger(70 + r.nextInt(30), r));
      case 6:
        return N.numberNode(r.nextFloat());
      case 7:
        return N.numberNode(new BigDecimal(r.nextInt(100000)).movePointLeft(r.nextInt(5)));
      case 8:
        return N.numberNode(r.nextInt(3) == 0 ? Double.NaN : (double) r.nextInt(100));
      case 9:
        return N.binaryNode(new byte[] {1, 2, (byte) r.nextInt()});
      case 10:
      case 11:
        return N.textNode(text(r));
      case 12:
      case 13:
        {
          ArrayNode a = N.arrayNode();
          for (int i = r.nextInt(4); i > 0; i--) {
            a.add(value(r, depth + 1));
          }
          return a;
        }
      default:
        {
          ObjectNode o = N.objectNode();
          for (int i = r.nextInt(4); i > 0; i--) {
            o.set(
                NAMES[r.nextInt(NAMES.length)] + (r.nextBoolean() ? "" : "k"), value(r, depth + 1));
          }
          return o;
        }
    }
  }

  /** A JSON message with routing fields of any type, duplicates and odd spacing. */
  private static String jsonMessage(Random r) throws IOException {
    StringBuilder b = new StringBuilder("{");
    int n = r.nextInt(10);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        b.append(r.nextInt(5) == 0 ? " ,\n" : ",");
      }
      b.append(WireCodec.JSON.writeValueAsString(NAMES[r.nextInt(NAMES.length)]));
      b.append(r.nextInt(5) == 0 ? " : " : ":");
      JsonNode v = r.nextBoolean() ? N.textNode(text(r)) : value(r, 0);
      b.append(WireCodec.JSON.writeValueAsString(v));
    }
    return b.append(r.nextInt(5) == 0 ? "} " : "}").toString();
  }

  private static String mutate(Random r, String json) {
    int at = r.nextInt(json.length());
    switch (r.nextInt(5)) {
      case 0:
        return json.substring(0, at); // truncated
      case 1:
        return json + "x"; // trailing garbage
      case 2:
        return json.substring(0, at) + "\\" + json.substring(at);
      case 3:
        return json.replace("\"", "'");
      default:
        return json.substring(0, at) + "\"\u0001\"" + json.substring(at);
    }
  }
}
