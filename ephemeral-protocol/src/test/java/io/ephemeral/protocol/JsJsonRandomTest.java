package io.ephemeral.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Seeded randomized checks of JsJson, alone and against Node's JSON.parse/JSON.stringify. */
class JsJsonRandomTest {

  private static final long SEED = 0x5EED_2024L;

  @Test
  void canonicalizeIsIdempotentAndOnlyEverThrowsJsJsonException() {
    RandomJson gen = new RandomJson(SEED, true, 6);
    int valid = 0;
    int rejected = 0;
    for (int i = 0; i < 10_000; i++) {
      String text = gen.document();
      boolean mutated = gen.random().nextInt(10) < 3;
      byte[] input = mutated ? gen.mutate(RandomJson.utf8(text)) : RandomJson.utf8(text);
      byte[] once;
      try {
        once = JsJson.canonicalize(input);
      } catch (JsJsonException e) {
        if (!mutated) {
          fail("generated valid JSON was rejected: " + text, e);
        }
        rejected++;
        continue;
      } catch (RuntimeException e) {
        fail("unexpected " + e + " for input " + Arrays.toString(input), e);
        return;
      }
      valid++;
      assertThat(JsJson.canonicalize(once))
          .as("canonicalize(canonicalize(x)) for %s", text)
          .isEqualTo(once);
      assertThat(JsJson.canonicalize(once, 0, once.length, JsJson.DEFAULT_MAX_DEPTH))
          .isEqualTo(once);
    }
    // The generator must exercise both paths, or the test proves little.
    assertThat(valid).isGreaterThan(7_000);
    assertThat(rejected).isGreaterThan(500);
  }

  @Test
  void randomBytesNeverThrowAnythingButJsJsonException() {
    Random random = new Random(SEED);
    for (int i = 0; i < 10_000; i++) {
      byte[] input = new byte[random.nextInt(24)];
      random.nextBytes(input);
      if (random.nextBoolean() && input.length > 0) {
        input[0] = (byte) "[{\"-0123456789tfn".charAt(random.nextInt(16));
      }
      try {
        byte[] once = JsJson.canonicalize(input);
        assertThat(JsJson.canonicalize(once)).isEqualTo(once);
      } catch (JsJsonException expected) {
        // fine: invalid JSON
      }
    }
  }

  @Test
  void agreesWithNodeOnRandomDocumentsAndNumbers() throws Exception {
    RandomJson gen = new RandomJson(SEED + 1, false, 5);
    List<byte[]> lines = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      lines.add(RandomJson.utf8(gen.document()));
    }
    for (int i = 0; i < 150; i++) {
      lines.add(gen.mutate(RandomJson.utf8(gen.document())));
    }
    Random random = gen.random();
    // Numbers: uniformly random bit patterns, every one of the smallest subnormals, and
    // decimal spellings with many digits and exponents.
    for (int i = 0; i < 20_000; i++) {
      double d = Double.longBitsToDouble(random.nextLong());
      if (Double.isFinite(d)) {
        lines.add(RandomJson.utf8(Double.toString(d)));
      }
    }
    for (long bits = 1; bits <= 2_000; bits++) {
      lines.add(RandomJson.utf8(Double.toString(Double.longBitsToDouble(bits))));
    }
    for (int i = 0; i < 2_000; i++) {
      double d = Double.longBitsToDouble(random.nextLong() & 0x000F_FFFF_FFFF_FFFFL);
      lines.add(RandomJson.utf8(Double.toString(d)));
    }
    for (int i = 0; i < 5_000; i++) {
      lines.add(RandomJson.utf8(gen.number()));
    }
    for (String spelling :
        new String[] {
          "1e0000000000000000000000001",
          "1e-99999999999999999999",
          "0e99999999999999999999",
          "1e99999999999999999999",
          "-1e99999999999999999999",
          "2.4703282292062327e-324",
          "2.4703282292062328e-324",
          "0." + "0".repeat(300) + "1e300",
          "9".repeat(400),
          "-0e-0",
          "1" + "0".repeat(998),
        }) {
      lines.add(RandomJson.utf8(spelling));
    }
    for (int i = 0; i < 64; i++) {
      lines.add(RandomJson.utf8(Double.toString(Math.pow(10, i - 30) * (1 + random.nextInt(9)))));
    }

    List<byte[]> node = NodeReference.canonicalize(lines);
    assertThat(node).hasSize(lines.size());

    List<String> differences = new ArrayList<>();
    int accepted = 0;
    for (int i = 0; i < lines.size(); i++) {
      byte[] ours;
      try {
        ours = JsJson.canonicalize(lines.get(i));
        accepted++;
      } catch (JsJsonException e) {
        ours = null;
      }
      if (!Arrays.equals(ours, node.get(i))) {
        differences.add(
            "input "
                + Arrays.toString(lines.get(i))
                + " = "
                + new String(lines.get(i), UTF_8)
                + "\n  node: "
                + (node.get(i) == null ? "ERR" : new String(node.get(i), UTF_8))
                + "\n  ours: "
                + (ours == null ? "ERR" : new String(ours, UTF_8)));
      }
    }
    assertThat(differences)
        .as("differences from Node (first 10 of %d)", differences.size())
        .isEmpty();
    assertThat(accepted).isGreaterThan(lines.size() - 150);
  }
}
