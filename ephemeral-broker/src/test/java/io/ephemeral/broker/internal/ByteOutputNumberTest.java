package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Numbers and booleans written into a response are exactly what Long.toString and JSON say. */
class ByteOutputNumberTest {

  @Test
  void numbersMatchLongToString() {
    long[] edges = {
      0,
      1,
      9,
      10,
      11,
      99,
      100,
      101,
      999,
      1000,
      1_763_870_000_123L,
      9_007_199_254_740_991L,
      999_999_999_999_999_999L,
      1_000_000_000_000_000_000L,
      Long.MAX_VALUE,
      Long.MIN_VALUE,
      Long.MIN_VALUE + 1
    };
    for (long v : edges) {
      assertThat(write(v)).isEqualTo(Long.toString(v));
      assertThat(write(-v)).isEqualTo(Long.toString(-v));
    }
    for (long p = 1; p > 0 && p < Long.MAX_VALUE / 10; p *= 10) {
      for (long v : new long[] {p - 1, p, p + 1}) {
        assertThat(write(v)).isEqualTo(Long.toString(v));
      }
    }
    Random random = new Random(7);
    for (int i = 0; i < 100_000; i++) {
      long v = random.nextLong() >> random.nextInt(64);
      assertThat(write(v)).isEqualTo(Long.toString(v));
    }
  }

  @Test
  void booleans() {
    ByteOutput out = new ByteOutput();
    out.bool(true).write((byte) ',').bool(false);
    assertThat(new String(out.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("true,false");
  }

  private static String write(long v) {
    ByteOutput out = new ByteOutput();
    out.write((byte) '[').number(v).write((byte) ']');
    String s = new String(out.toByteArray(), StandardCharsets.US_ASCII);
    return s.substring(1, s.length() - 1);
  }
}
