package io.ephemeral.protocol.issues;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.ephemeral.protocol.Hmac;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Review issue #13 of the original broker: HMAC validation threw on an hmac that was not valid hex
 * or had the wrong length (Buffer.from / timingSafeEqual), so a malformed signature could fail
 * requests with an exception. Verification here answers false for every such input.
 */
class ReviewIssue13HmacHexTest {

  private static final Hmac HMAC = Hmac.withSecret("issue-13");

  static Stream<String> invalidHex() {
    return Stream.of(
        "zz",
        "abc",
        "a",
        "0",
        "g".repeat(64),
        "0".repeat(62),
        "0".repeat(63),
        "0".repeat(66),
        "0".repeat(10_000),
        "not hex at all",
        "\u00ff\u00fe",
        "\uD800\uDC00",
        "\\u0000",
        "0x1234",
        "-1",
        " 00");
  }

  @ParameterizedTest
  @MethodSource("invalidHex")
  void invalidHexIsRejectedWithoutAnException(String hex) {
    byte[] line = ("{\"action\":\"ping\",\"hmac\":\"" + hex + "\"}").getBytes(UTF_8);
    assertThatCode(() -> HMAC.verifyRequest(line, 0, line.length)).doesNotThrowAnyException();
    assertThat(HMAC.verifyRequest(line, 0, line.length)).isFalse();
  }
}
