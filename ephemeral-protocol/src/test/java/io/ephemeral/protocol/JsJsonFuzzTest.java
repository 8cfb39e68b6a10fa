package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Fuzz targets for the HMAC canonicaliser. Under the normal test command they replay the committed
 * inputs in {@code src/test/resources/io/ephemeral/protocol/JsJsonFuzzTestInputs/}; {@code mvn
 * -Pfuzz test} (see SECURITY.md) fuzzes them.
 */
class JsJsonFuzzTest {

  private static final Hmac HMAC = Hmac.withSecret("fuzz-secret");
  private static final Hmac OTHER = Hmac.withSecret("fuzz-secret2");

  /**
   * {@link JsJson#canonicalize} agrees with {@link JsReference} on every input: same bytes when
   * both accept, and it rejects exactly what JSON.parse rejects plus its two documented limits
   * (nesting beyond 64, number tokens beyond 1000 characters). Its output is its own fixed point.
   */
  @FuzzTest
  @DictionaryEntries({
    "\"",
    "\\u",
    "\\ud800",
    "\\udc00",
    "1e+21",
    "-0",
    "5e-324",
    "\"0\"",
    "\"4294967294\"",
    "\"4294967295\"",
    "true",
    "false",
    "null",
    "{\"",
    "\":",
    "[",
    "]",
    "{}",
    "\u00ef\u00bb\u00bf",
    "\\\""
  })
  void canonicalize(byte[] input) {
    JsReference.Result expected;
    try {
      expected = JsReference.canonicalize(input);
    } catch (JsReference.Rejected rejected) {
      expected = null;
    }
    byte[] actual;
    try {
      actual = JsJson.canonicalize(input);
    } catch (JsJsonException e) {
      boolean documentedLimit = expected != null && expected.beyondJsJsonLimits();
      if (expected != null && !documentedLimit) {
        fail("JsJson rejected input JSON.parse accepts (" + e.getMessage() + "): " + show(input));
      }
      assertThat(e.getMessage()).as("error message").isNotBlank();
      return;
    }
    if (expected == null) {
      fail("JsJson accepted input JSON.parse rejects: " + show(input));
    }
    assertThat(new String(actual, StandardCharsets.UTF_8))
        .as("canonical form of %s", show(input))
        .isEqualTo(expected.canonical());
    assertThat(JsJson.canonicalize(actual)).as("canonical form is a fixed point").isEqualTo(actual);
  }

  /**
   * Signing and verifying: every JSON object without an {@code hmac} member signs to a canonical
   * line that verifies (and does not verify under another secret); anything else is refused with
   * the documented exception. Every single-byte change of the signed line either fails verification
   * or leaves the request's meaning unchanged.
   */
  @FuzzTest
  @DictionaryEntries({
    "{\"action\":\"get\",\"key\":\"",
    "\"hmac\":\"",
    "\"ttl\":",
    "\\u0068mac",
    "\"value\":"
  })
  void signAndVerify(byte[] payload) {
    byte[] line;
    try {
      line = HMAC.signRequest(payload);
    } catch (JsJsonException e) {
      assertRejectedByReferenceOrLimit(payload);
      return;
    } catch (IllegalArgumentException e) {
      Object parsed = JsReference.parse(payload);
      boolean notObject = !(parsed instanceof Map);
      boolean hasHmac = !notObject && ((Map<?, ?>) parsed).containsKey("hmac");
      assertThat(notObject || hasHmac).as("refused %s: %s", show(payload), e.getMessage()).isTrue();
      return;
    }
    String canonicalPayload = JsReference.canonicalize(payload).canonical();
    assertThat(HMAC.verifyRequest(line, 0, line.length))
        .as("own signature of %s", show(payload))
        .isTrue();
    assertThat(OTHER.verifyRequest(line, 0, line.length)).as("other secret").isFalse();
    assertThat(JsJson.canonicalize(line)).as("a signed line is canonical").isEqualTo(line);
    assertThat(withoutHmac(line))
        .as("the signed line carries the payload")
        .isEqualTo(canonicalPayload);

    // Single-byte changes: a few replacements per position, all derived from the input so a
    // finding reproduces.
    byte[] replacements = {' ', '"', '\\', '0', 'a', 'A', '}', (byte) 0x80};
    byte[] mutated = line.clone();
    for (int i = 0; i < line.length; i++) {
      byte original = line[i];
      for (int r = 0; r < 3; r++) {
        byte b =
            r == 0 ? (byte) (original ^ (1 << (i % 8))) : replacements[(i + r * 5 + original) & 7];
        if (b == original) {
          continue;
        }
        mutated[i] = b;
        if (HMAC.verifyRequest(mutated, 0, mutated.length)) {
          assertThat(withoutHmac(mutated))
              .as("line changed at %d to 0x%02x still verifies: %s", i, b & 0xff, show(mutated))
              .isEqualTo(canonicalPayload);
        }
      }
      mutated[i] = original;
    }
  }

  /** The reference's canonical form of a line without its top-level hmac member. */
  private static String withoutHmac(byte[] line) {
    Object parsed = JsReference.parse(line);
    assertThat(parsed).isInstanceOf(Map.class);
    ((Map<?, ?>) parsed).remove("hmac");
    StringBuilder out = new StringBuilder();
    JsReference.stringify(parsed, out);
    return out.toString();
  }

  private static void assertRejectedByReferenceOrLimit(byte[] input) {
    JsReference.Result r;
    try {
      r = JsReference.canonicalize(input);
    } catch (JsReference.Rejected e) {
      return;
    }
    assertThat(r.beyondJsJsonLimits())
        .as("JsJson rejected valid JSON within its limits: %s", show(input))
        .isTrue();
  }

  private static String show(byte[] input) {
    StringBuilder sb = new StringBuilder();
    for (byte b : input) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        sb.append((char) c);
      } else {
        sb.append(String.format("\\x%02x", c));
      }
    }
    return sb.toString();
  }
}
