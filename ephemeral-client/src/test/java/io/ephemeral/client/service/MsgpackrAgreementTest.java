package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.ephemeral.protocol.JsJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client reads MessagePack as msgpackr, the Node peers' encoder, does, and writes numbers a
 * Node peer reads back unchanged: the same bodies go through the real msgpackr (1.11.14, pinned in
 * src/test/node) and through {@link WireCodec}, and what each makes of them is compared as Node's
 * JSON.stringify writes it. The bodies are the cases where the broker's and the client's rules
 * differed before both used {@link io.ephemeral.protocol.Msgpackr}: dates (years outside 0..9999,
 * times outside a Date, msgpackr's 48-bit reading of 12-byte seconds), {@code undefined} of any
 * length, and non-string map keys.
 */
class MsgpackrAgreementTest {
  private static final HexFormat HEX = HexFormat.of();

  private static final List<String> BODIES =
      List.of(
          // dates, each in an array of one
          "91c70cff00000000fffffff1868b8400", // year 0
          "91c70cff00000000fffffff184aa5080", // year -1
          "91c70cff000000000000003afff44180", // year 10000
          "91c70cff00000000000007dba8218000", // the last day a Date holds
          "91c70cff00000001000007dba8218000", // a nanosecond later (rounds into the range)
          "91c70cff00000000000007dba8218001", // a second later: Invalid Date
          "91c70cff000000007fffffffffffffff", // the largest seconds
          "91c70cff000000000100000000000005", // 2^56 + 5 seconds: msgpackr reads 48 bits
          "91c70cff800000000000000000000000", // nanoseconds with the top bit set
          "91c70cff1dcd6500ffffffffffffffff", // -1 s + 0.5 s
          "91d7fffffffffc00000001", // 8 bytes, nanoseconds over a second
          "91d7ff7735940000000001", // 8 bytes
          "91d6ff5f5e1000", // 4 bytes
          "91d5ff0102", // 2 bytes: Invalid Date
          // undefined
          "81a178d40000",
          "81a178d5000102",
          "92d40000c70000",
          "92c7030001020300",
          "92c7000001",
          // map keys
          "81cb444b1ae4d6e2ef5001",
          "81cfffffffffffffffff01",
          "81d3ffffffffffffffff01",
          "81c402686901",
          "8192010201",
          "81c001",
          "81c301",
          "81cbfff800000000000001",
          "81cb800000000000000001",
          "81d6ff0000000001",
          "81d4000001",
          "81ca3f8ccccd01",
          "81cb7ff000000000000001");

  @BeforeAll
  static void msgpackr() throws Exception {
    NodeService.installDependencies();
  }

  @Test
  void theClientDecodesEveryBodyAsMsgpackrDoes() throws Exception {
    List<String> node = msgpackr(BODIES);
    SoftAssertions softly = new SoftAssertions();
    for (int i = 0; i < BODIES.size(); i++) {
      String body = BODIES.get(i);
      String ours;
      try {
        JsonNode tree = WireCodec.decode(HEX.parseHex(body));
        ours = canonical(WireCodec.JSON.writeValueAsBytes(tree));
      } catch (IOException refused) {
        ours = "ERR";
      }
      String theirs = node.get(i).startsWith("ERR ") ? "ERR" : node.get(i);
      softly.assertThat(ours).as("body %s (msgpackr: %s)", body, node.get(i)).isEqualTo(theirs);
    }
    softly.assertAll();
  }

  @Test
  void numbersTheClientPacksReadBackUnchangedInNode() throws Exception {
    String json =
        "{\"a\":4294967295,\"b\":4294967296,\"c\":-2147483648,\"d\":-2147483649,"
            + "\"e\":9007199254740991,\"f\":1700000000000,\"g\":-1700000000000,\"h\":0,"
            + "\"i\":127,\"j\":128,\"k\":18446744073709551616,\"l\":[1.5,-0.25]}";
    byte[] packed = WireCodec.encode(WireCodec.JSON.readTree(json), Serializer.MSGPACK);
    // An int64 or uint64 would reach Node as a BigInt, which JSON.stringify refuses.
    assertThat(msgpackr(List.of(HEX.formatHex(packed))))
        .containsExactly(canonical(json.getBytes(StandardCharsets.UTF_8)));
  }

  /** JSON.stringify(JSON.parse(json)), which is how Node prints what it decoded. */
  private static String canonical(byte[] json) {
    return new String(JsJson.canonicalize(json), StandardCharsets.UTF_8);
  }

  /** One line of src/test/node/msgpackr-rules.mjs output per body. */
  private static List<String> msgpackr(List<String> bodies) throws Exception {
    Path input = Files.createTempFile("msgpackr-bodies", ".txt");
    try {
      Files.write(input, bodies);
      Process p =
          new ProcessBuilder(
                  "node",
                  NodeService.DIR.resolve("msgpackr-rules.mjs").toString(),
                  input.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        fail("node msgpackr-rules.mjs failed");
      }
      List<String> lines =
          new ArrayList<>(new String(out, StandardCharsets.UTF_8).lines().toList());
      assertThat(lines).hasSize(bodies.size());
      return lines;
    } finally {
      Files.deleteIfExists(input);
    }
  }
}
