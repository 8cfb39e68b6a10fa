package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Wtf8Test {
  @Test
  void validUnicodeIsPlainUtf8() {
    String s = "key-é-€-𝄞";
    assertThat(Wtf8.encode(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void loneSurrogatesKeepTheirIdentityAndRoundTrip() {
    byte[] high = Wtf8.encode("a\uD800");
    byte[] low = Wtf8.encode("a\uDC00");
    assertThat(high).isNotEqualTo(low);
    assertThat(Wtf8.isSurrogateAt(high, 1, high.length)).isTrue();
    assertThat(Wtf8.surrogateAt(high, 1)).isEqualTo(0xD800);
    assertThat(Wtf8.decode(low)).isEqualTo("a\uDC00");
  }

  @Test
  void anyStringRoundTrips() {
    Random r = new Random(20261123);
    for (int n = 0; n < 10_000; n++) {
      StringBuilder b = new StringBuilder();
      int len = r.nextInt(12);
      for (int i = 0; i < len; i++) {
        b.append((char) r.nextInt(0x10000)); // any UTF-16 unit, lone surrogates included
      }
      String s = b.toString();
      assertThat(Wtf8.decode(Wtf8.encode(s))).isEqualTo(s);
    }
  }
}
