package io.ephemeral.client.service;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded random Java values of every kind a mapper writes, for the value codec tests. */
final class RandomValues {
  private RandomValues() {}

  /** A value: null, scalars of every number type, strings, byte[], lists and maps of them. */
  static Object javaValue(Random r, int depth) {
    int kind = r.nextInt(depth > 3 ? 14 : 16);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return r.nextBoolean();
      case 2:
        return r.nextInt();
      case 3:
        return r.nextLong();
      case 4:
        return (long) r.nextInt(1 << 20) << 33; // integral, above int32, below 2^53
      case 5:
        return new BigInteger(70 + r.nextInt(30), r).subtract(BigInteger.ONE.shiftLeft(80));
      case 6:
        return BigInteger.valueOf(r.nextInt(1000));
      case 7:
        return new double[] {r.nextDouble(), 3.0, -0.0, Double.NaN, 1e300, Double.NEGATIVE_INFINITY}
            [r.nextInt(6)];
      case 8:
        return r.nextFloat();
      case 9:
        return new BigDecimal(r.nextInt(100000)).movePointLeft(r.nextInt(6));
      case 10:
        return text(r);
      case 11:
        return "x".repeat(500 + r.nextInt(30)); // around WireCodec.LONG_STRING
      case 12:
        return bytes(r);
      case 13:
        return (short) r.nextInt(1000);
      case 14:
        {
          List<Object> list = new ArrayList<>();
          for (int i = r.nextInt(5); i > 0; i--) {
            list.add(javaValue(r, depth + 1));
          }
          return list;
        }
      default:
        {
          Map<String, Object> map = new LinkedHashMap<>();
          for (int i = r.nextInt(5); i > 0; i--) {
            map.put(text(r), javaValue(r, depth + 1));
          }
          return map;
        }
    }
  }

  static String text(Random r) {
    String[] texts = {"", "a", "n", "text", "é", "日本", "\ud83d\ude00", "x y", "\u0000", "\ud800"};
    return texts[r.nextInt(texts.length)] + (r.nextBoolean() ? "" : Integer.toString(r.nextInt(9)));
  }

  static byte[] bytes(Random r) {
    byte[] b = new byte[r.nextInt(20)];
    r.nextBytes(b);
    return b;
  }
}
