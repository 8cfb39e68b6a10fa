package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reply reads scalar members without an ObjectMapper; they must be the nodes one would make. */
class ReplyMembersTest {

  @Test
  void everyKindOfMemberIsTheNodeReadTreeGives() throws Exception {
    String line =
        "{\"ok\":true,\"i\":7,\"l\":9007199254740993,\"b\":123456789012345678901234567890,"
            + "\"d\":0.25,\"e\":1e300,\"s\":\"x\\u00e9\",\"t\":true,\"f\":false,\"n\":null,"
            + "\"o\":{\"a\":[1,2.5,\"c\"]},\"arr\":[]}";
    Reply reply = Reply.parse(line.getBytes(StandardCharsets.UTF_8));
    JsonNode expected = new ObjectMapper().readTree(line);
    for (String name : new String[] {"i", "l", "b", "d", "e", "s", "t", "f", "n", "o", "arr"}) {
      assertThat(reply.member(name)).as(name).isEqualTo(expected.get(name));
      assertThat(reply.member(name).getNodeType())
          .as(name)
          .isEqualTo(expected.get(name).getNodeType());
      assertThat(reply.member(name).numberType())
          .as(name)
          .isEqualTo(expected.get(name).numberType());
    }
    assertThat(reply.member("absent").isMissingNode()).isTrue();
  }
}
