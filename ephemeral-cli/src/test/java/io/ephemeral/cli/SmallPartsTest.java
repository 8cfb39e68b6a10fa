package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The CLI's pure helpers. */
class SmallPartsTest {

  @Test
  void indentFormatsLikeJsonStringifyWithTwoSpaces() {
    assertThat(JsonText.indent("{}")).isEqualTo("{}");
    assertThat(JsonText.indent("[ ]")).isEqualTo("[]");
    assertThat(JsonText.indent("{\"a\":1,\"b\":[true,null,{}],\"c\":{\"d\":\"x\"}}"))
        .isEqualTo(
            "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null,\n    {}\n  ],\n  \"c\": {\n"
                + "    \"d\": \"x\"\n  }\n}");
  }

  @Test
  void indentCopiesStringsAndNumbersExactly() {
    assertThat(JsonText.indent("{\"k,{:}\":\"v \\\"q\\\" [1, 2]\\\\\",\"n\":-1.5e-7}"))
        .isEqualTo("{\n  \"k,{:}\": \"v \\\"q\\\" [1, 2]\\\\\",\n  \"n\": -1.5e-7\n}");
  }

  @Test
  void secretFileTrailingLineBreaksAreTrimmed() {
    assertThat(SecretOptions.trimNewline("s\n")).isEqualTo("s");
    assertThat(SecretOptions.trimNewline("s\r\n\n")).isEqualTo("s");
    assertThat(SecretOptions.trimNewline("a b\nc")).isEqualTo("a b\nc");
  }

  @Test
  void startFailureReasonIsTheOsMessage() {
    IOException e =
        new IOException(
            "Cannot run program \"nope\": error=2, No such file or directory",
            new IOException("error=2, No such file or directory"));
    assertThat(Supervisor.reason(e)).isEqualTo("No such file or directory");
    assertThat(Supervisor.reason(new IOException("Cannot run program \"x\": boom")))
        .isEqualTo("boom");
  }
}
