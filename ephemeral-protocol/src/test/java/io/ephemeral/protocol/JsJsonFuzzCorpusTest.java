package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Node itself as the reference for the committed fuzz corpus: for every input of {@link
 * JsJsonFuzzTest}, {@code JSON.stringify(JSON.parse(input))} in Node equals both {@link
 * JsJson#canonicalize} and the test's own {@link JsReference}, and Node's broker accepts every line
 * {@link Hmac#signRequest} makes from the inputs. This keeps the fuzz test's reference honest: a
 * disagreement with Node fails here, not only in the fuzzer.
 */
class JsJsonFuzzCorpusTest {

  private static final Path INPUTS =
      Paths.get("src", "test", "resources", "io", "ephemeral", "protocol", "JsJsonFuzzTestInputs");

  @Test
  void nodeAgreesOnEveryCorpusInput() throws Exception {
    List<Path> files = corpus();
    assertThat(files).as("corpus files").hasSizeGreaterThan(20);
    List<byte[]> inputs = new ArrayList<>();
    for (Path file : files) {
      inputs.add(Files.readAllBytes(file));
    }
    List<byte[]> node = NodeReference.canonicalizeAnyBytes(inputs);
    assertThat(node).hasSameSizeAs(inputs);
    int accepted = 0;
    for (int i = 0; i < inputs.size(); i++) {
      byte[] input = inputs.get(i);
      String name = INPUTS.relativize(files.get(i)).toString();
      byte[] expected = node.get(i);

      JsReference.Result reference;
      try {
        reference = JsReference.canonicalize(input);
      } catch (JsReference.Rejected e) {
        reference = null;
      }
      if (expected == null) {
        assertThat(reference).as("reference accepts what Node rejects: %s", name).isNull();
      } else {
        assertThat(reference).as("reference rejects what Node accepts: %s", name).isNotNull();
        assertThat(reference.utf8()).as("reference on %s", name).isEqualTo(expected);
        accepted++;
      }

      byte[] actual;
      try {
        actual = JsJson.canonicalize(input);
      } catch (JsJsonException e) {
        boolean limit = reference != null && reference.beyondJsJsonLimits();
        assertThat(expected == null || limit)
            .as("JsJson rejects %s: %s", name, e.getMessage())
            .isTrue();
        continue;
      }
      assertThat(actual).as("JsJson on %s", name).isEqualTo(expected);
    }
    assertThat(accepted).as("inputs Node accepts").isGreaterThan(10);
  }

  @Test
  void nodeVerifiesEveryLineSignedFromTheCorpus() throws Exception {
    String secret = "fuzz-secret";
    Hmac hmac = Hmac.withSecret(secret);
    List<String> secrets = new ArrayList<>();
    List<byte[]> lines = new ArrayList<>();
    for (Path file : corpus()) {
      byte[] line;
      try {
        line = hmac.signRequest(Files.readAllBytes(file));
      } catch (IllegalArgumentException | JsJsonException e) { // not a signable object
        continue;
      }
      secrets.add(secret);
      lines.add(line);
    }
    assertThat(lines).as("signable corpus inputs").hasSizeGreaterThan(10);
    List<Boolean> node = NodeReference.verify(secrets, lines);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(node.get(i))
          .as("Node verifies %s", new String(lines.get(i), StandardCharsets.UTF_8))
          .isTrue();
    }
  }

  private static List<Path> corpus() throws IOException {
    try (Stream<Path> walk = Files.walk(INPUTS)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }
}
