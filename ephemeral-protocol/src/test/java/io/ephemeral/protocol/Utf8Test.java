package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Utf8#illFormedAt} agrees with the JDK's strict UTF-8 decoder on every input tried. */
class Utf8Test {

  private static boolean jdkAccepts(byte[] b) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static void agree(byte[] b) {
    assertThat(Utf8.illFormedAt(b, 0, b.length) < 0)
        .as("%s", java.util.HexFormat.ofDelimiter(" ").formatHex(b))
        .isEqualTo(jdkAccepts(b));
  }

  @Test
  void everySequenceOfUpToThreeBytesIsJudgedLikeTheJdk() {
    byte[] one = new byte[1];
    byte[] two = new byte[2];
    byte[] three = new byte[3];
    for (int a = 0; a < 256; a++) {
      one[0] = (byte) a;
      agree(one);
      for (int b = 0; b < 256; b++) {
        two[0] = (byte) a;
        two[1] = (byte) b;
        agree(two);
        if (a >= 0xE0 && a <= 0xEF) {
          for (int c :
              new int[] {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF}) {
            three[0] = (byte) a;
            three[1] = (byte) b;
            three[2] = (byte) c;
            agree(three);
          }
        }
      }
    }
  }

  @Test
  void randomTextAndItsMutationsAreJudgedLikeTheJdk() {
    Random random = new Random(15);
    for (int round = 0; round < 200_000; round++) {
      StringBuilder text = new StringBuilder();
      for (int i = random.nextInt(6); i > 0; i--) {
        text.appendCodePoint(
            switch (random.nextInt(4)) {
              case 0 -> random.nextInt(0x80);
              case 1 -> 0x80 + random.nextInt(0x780);
              case 2 -> 0x800 + random.nextInt(0xD800 - 0x800);
              default -> 0x10000 + random.nextInt(0x100000);
            });
      }
      byte[] b = text.toString().getBytes(StandardCharsets.UTF_8);
      if (b.length > 0 && random.nextBoolean()) {
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
      }
      agree(b);
    }
  }

  @Test
  void theIndexIsWhereTheFirstIllFormedSequenceStarts() {
    byte[] b = {'a', (byte) 0xC3, (byte) 0xA9, 'b', (byte) 0xE0, (byte) 0x80, (byte) 0x80, 'c'};
    assertThat(Utf8.illFormedAt(b, 0, b.length)).isEqualTo(4);
    assertThat(Utf8.illFormedAt(b, 0, 4)).isEqualTo(-1);
    assertThat(Utf8.illFormedAt(b, 0, 2)).as("cut short").isEqualTo(1);
    assertThat(
            Utf8.illFormedAt(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, 0, 4))
        .as("beyond U+10FFFF")
        .isZero();
  }
}
