package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import java.io.IOException;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Jackson 2 values straight to and from MessagePack against the tree path they replace (valueToTree
 * + pack, unpack + treeToValue), on seeded random values: the same bytes written, the same Java
 * values read, an error for exactly the same bytes.
 */
class Jackson2MsgpackTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Values VALUES = new Values(Jackson2Values.of(MAPPER), Serializer.MSGPACK);

  record Item(int a, long b, String c, List<Double> d, byte[] e, Map<String, Object> f) {}

  @Test
  void packsTheBytesOfTheTreePath() throws IOException {
    Random r = new Random(20261207);
    for (int i = 0; i < 5000; i++) {
      Object value = i % 5 == 0 ? item(r) : RandomValues.javaValue(r, 0);
      if (value == null) {
        continue; // sent as null by the caller, never mapped
      }
      byte[] tree = treePack(MAPPER, value);
      byte[] direct = direct(MAPPER, value, true);
      assertThat(direct).as("value %s", value).isNotNull().isEqualTo(tree);
      Object sent = VALUES.outgoing(value);
      assertThat(sent).isInstanceOf(Jackson2Msgpack.Packable.class);
      assertThat(wire(sent)).isEqualTo(tree);
    }
  }

  @Test
  void leavesToTheTreePathWhatATreeWouldChange() throws IOException {
    // a name written twice: a tree keeps the last value
    Object twice = new Twice();
    assertThat(direct(MAPPER, twice, true)).isNull();
    assertThat(wire(VALUES.outgoing(twice))).isEqualTo(treePack(MAPPER, twice));

    // null members, for a mapper whose trees drop them
    ObjectMapper dropping =
        new ObjectMapper().configure(JsonNodeFeature.READ_NULL_PROPERTIES, false);
    Values droppingValues = new Values(Jackson2Values.of(dropping), Serializer.MSGPACK);
    Map<String, Object> withNull = new LinkedHashMap<>();
    withNull.put("a", null);
    withNull.put("b", List.of(1));
    assertThat(Jackson2Msgpack.keepsNullMembers(dropping)).isFalse();
    assertThat(direct(dropping, withNull, false)).isNull();
    assertThat(wire(droppingValues.outgoing(withNull))).isEqualTo(treePack(dropping, withNull));
    assertThat(ValueBytes.treeOf(new Params(wire(droppingValues.outgoing(withNull)), true, null)))
        .hasToString("{\"b\":[1]}");

    // deeper than the direct path goes
    Object deep = List.of(1);
    for (int i = 0; i < 80; i++) {
      deep = List.of(deep);
    }
    assertThat(direct(MAPPER, deep, true)).isNull();
    assertThat(wire(VALUES.outgoing(deep))).isEqualTo(treePack(MAPPER, deep));
  }

  /** Serializes "x" as a property and again through its any-getter. */
  static final class Twice {
    public int getX() {
      return 1;
    }

    @JsonAnyGetter
    public Map<String, Object> more() {
      return Map.of("x", 2);
    }
  }

  @Test
  void readsTheValuesOfTheTreePath() throws IOException {
    Random r = new Random(7);
    Type[] types = {Object.class, Map.class, List.class, String.class, long.class, Item.class};
    int direct = 0;
    for (int i = 0; i < 6000; i++) {
      byte[] bytes = i % 4 == 0 ? treePack(MAPPER, item(r)) : randomMsgpack(r);
      if (i % 11 == 0 && bytes.length > 1) {
        bytes = Arrays.copyOf(bytes, r.nextInt(bytes.length)); // cut short: malformed
      }
      Type type = types[r.nextInt(types.length)];
      if (i % 4 == 0) {
        type = Item.class;
      }
      Params p = new Params(bytes, true, VALUES);
      Object expected;
      String expectedError = null;
      try {
        expected =
            MAPPER.treeToValue(ValueBytes.treeOf(p), MAPPER.getTypeFactory().constructType(type));
      } catch (Exception e) {
        expected = null;
        expectedError = Values.rootMessage(e);
      }
      Object actual;
      try {
        actual = VALUES.incoming(p, type);
      } catch (ServiceException e) {
        assertThat(expectedError)
            .as("bytes %s as %s failed: %s", Arrays.toString(bytes), type, e.getMessage())
            .isNotNull();
        assertThat(e.code()).isEqualTo(ServiceException.DESERIALIZATION_FAILED);
        continue;
      }
      assertThat(expectedError).as("bytes %s as %s", Arrays.toString(bytes), type).isNull();
      assertThat(same(expected, actual))
          .as("bytes %s as %s: %s against %s", Arrays.toString(bytes), type, actual, expected)
          .isTrue();
      if (Jackson2Msgpack.read(MAPPER, bytes, MAPPER.constructType(type))
          != Jackson2Msgpack.TREE_PATH) {
        direct++;
      }
    }
    assertThat(direct).as("values read without a tree").isGreaterThan(3000);
  }

  @Test
  void aMismatchIsDeserializationFailed() {
    byte[] text = treePack(MAPPER, "not a number");
    assertThatThrownBy(() -> VALUES.incoming(new Params(text, true, VALUES), long.class))
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> assertThat(e.code()).isEqualTo(ServiceException.DESERIALIZATION_FAILED))
        .hasMessageContaining("Cannot map the value to long");
  }

  // ------------------------------------------------------------------ helpers

  private static byte[] treePack(ObjectMapper mapper, Object value) {
    try (MessageBufferPacker out = MessagePack.newDefaultBufferPacker()) {
      WireCodec.pack(mapper.valueToTree(value), out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The bytes packed without a tree, or null where the tree path is taken. */
  private static byte[] direct(ObjectMapper mapper, Object value, boolean keepsNullMembers)
      throws IOException {
    Jackson2Msgpack.Packable p = Jackson2Msgpack.serialize(mapper, value, keepsNullMembers);
    return p == null ? null : wire(p);
  }

  private static byte[] wire(Object outgoing) throws IOException {
    if (outgoing instanceof Jackson2Msgpack.Packable) {
      try (MessageBufferPacker out = MessagePack.newDefaultBufferPacker()) {
        ((Jackson2Msgpack.Packable) outgoing).packTo(out);
        return out.toByteArray();
      }
    }
    if (outgoing instanceof Params) {
      assertThat(((Params) outgoing).isMessagePack()).isTrue();
      return ((Params) outgoing).raw();
    }
    try (MessageBufferPacker out = MessagePack.newDefaultBufferPacker()) {
      WireCodec.pack((JsonNode) outgoing, out);
      return out.toByteArray();
    }
  }

  /** Equal values of the same classes; arrays by content. */
  private static boolean same(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.getClass() != b.getClass()) {
      return false;
    }
    if (a instanceof byte[]) {
      return Arrays.equals((byte[]) a, (byte[]) b);
    }
    if (a instanceof Map) {
      List<?> ea = new ArrayList<>(((Map<?, ?>) a).entrySet());
      List<?> eb = new ArrayList<>(((Map<?, ?>) b).entrySet());
      if (ea.size() != eb.size()) {
        return false;
      }
      for (int i = 0; i < ea.size(); i++) {
        Map.Entry<?, ?> x = (Map.Entry<?, ?>) ea.get(i);
        Map.Entry<?, ?> y = (Map.Entry<?, ?>) eb.get(i);
        if (!x.getKey().equals(y.getKey()) || !same(x.getValue(), y.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof List) {
      List<?> la = (List<?>) a;
      List<?> lb = (List<?>) b;
      if (la.size() != lb.size()) {
        return false;
      }
      for (int i = 0; i < la.size(); i++) {
        if (!same(la.get(i), lb.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Item) {
      Item x = (Item) a;
      Item y = (Item) b;
      return x.a() == y.a()
          && x.b() == y.b()
          && Objects.equals(x.c(), y.c())
          && same(x.d(), y.d())
          && same(x.e(), y.e())
          && same(x.f(), y.f());
    }
    return a.equals(b);
  }

  private static Item item(Random r) {
    List<Double> d = new ArrayList<>();
    for (int i = r.nextInt(4); i > 0; i--) {
      d.add(r.nextBoolean() ? r.nextDouble() * 1e6 : (double) r.nextInt(100));
    }
    Map<String, Object> f = new LinkedHashMap<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      f.put(RandomValues.text(r), RandomValues.javaValue(r, 2));
    }
    return new Item(
        r.nextInt(),
        r.nextBoolean() ? r.nextLong() : r.nextInt(1000),
        r.nextInt(5) == 0 ? null : RandomValues.text(r),
        r.nextInt(5) == 0 ? null : d,
        r.nextInt(3) == 0 ? null : RandomValues.bytes(r),
        r.nextInt(5) == 0 ? null : f);
  }

  /** MessagePack as msgpackr and other encoders write it, with what only msgpackr has. */
  private static byte[] randomMsgpack(Random r) throws IOException {
    try (MessageBufferPacker out = MessagePack.newDefaultBufferPacker()) {
      packRandom(r, out, 0);
      return out.toByteArray();
    }
  }

  private static void packRandom(Random r, MessageBufferPacker out, int depth) throws IOException {
    switch (r.nextInt(depth > 3 ? 15 : 17)) {
      case 0:
        out.packNil();
        break;
      case 1:
        out.packBoolean(r.nextBoolean());
        break;
      case 2:
        out.packInt(r.nextInt());
        break;
      case 3:
        out.packLong(r.nextLong()); // int64 from other encoders
        break;
      case 4:
        out.packBigInteger(BigInteger.ONE.shiftLeft(63).add(BigInteger.valueOf(r.nextInt(9))));
        break;
      case 5:
        out.packDouble((double) ((long) r.nextInt(1 << 20) << 33)); // msgpackr's large integer
        break;
      case 6:
        out.packDouble(new double[] {r.nextDouble(), 5.0, 1e20, Double.NaN, -0.0}[r.nextInt(5)]);
        break;
      case 7:
        out.packFloat(r.nextFloat());
        break;
      case 8:
        out.packString(RandomValues.text(r));
        break;
      case 9:
        {
          byte[] b = RandomValues.bytes(r);
          out.packBinaryHeader(b.length);
          out.writePayload(b);
          break;
        }
      case 10:
        out.packExtensionTypeHeader((byte) 0, 1); // undefined
        out.writePayload(new byte[] {0});
        break;
      case 11:
        out.packExtensionTypeHeader((byte) -1, 4); // a Date: timestamp 32
        out.writePayload(new byte[] {0x5f, 0, 0, (byte) r.nextInt(256)});
        break;
      case 12:
        out.packExtensionTypeHeader((byte) 5, 2); // another extension
        out.writePayload(new byte[] {1, 2});
        break;
      case 13:
        out.packShort((short) r.nextInt(1000));
        break;
      case 14:
        out.packString("x".repeat(r.nextInt(600)));
        break;
      case 15:
        {
          int n = r.nextInt(5);
          out.packArrayHeader(n);
          for (int i = 0; i < n; i++) {
            packRandom(r, out, depth + 1);
          }
          break;
        }
      default:
        {
          int n = r.nextInt(5);
          out.packMapHeader(n);
          for (int i = 0; i < n; i++) {
            switch (r.nextInt(6)) {
              case 0:
                out.packInt(r.nextInt(3)); // a number key, named as msgpackr names it
                break;
              case 1:
                out.packString("k"); // duplicates are likely
                break;
              default:
                out.packString(RandomValues.text(r));
            }
            packRandom(r, out, depth + 1);
          }
        }
    }
  }
}
