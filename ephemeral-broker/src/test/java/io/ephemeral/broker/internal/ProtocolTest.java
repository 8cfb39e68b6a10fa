package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProtocolTest {

  @Test
  void theFirstByteChoosesTheProtocolOfTheConnection() {
    assertThat(Protocol.of((byte) 0, null, null, null)).isInstanceOf(FrameProtocol.class);
    assertThat(Protocol.of((byte) '{', null, null, null)).isInstanceOf(LineProtocol.class);
    assertThat(Protocol.of((byte) ' ', null, null, null)).isInstanceOf(LineProtocol.class);
  }

  @Test
  void eachConnectionHasAProtocolOfItsOwn() {
    assertThat(Protocol.of((byte) 0, null, null, null))
        .isNotSameAs(Protocol.of((byte) 0, null, null, null));
  }

  @Test
  void aKeptLineIsAHeldRequestOnceItsNewlineIsThere() {
    Connection c = new Connection(null);
    Protocol lines = Protocol.of((byte) '{', null, null, null);
    c.keepInput(bytes("{\"action\":\"ping\""), 0, 16);
    assertThat(lines.holdsRequest(c)).isFalse();
    c.keepInput(bytes("}\n"), 0, 2);
    assertThat(lines.holdsRequest(c)).isTrue();
  }

  @Test
  void aKeptFrameIsAHeldRequestOnceItsWholeBodyIsThere() {
    Connection c = new Connection(null);
    Protocol frames = Protocol.of((byte) 0, null, null, null);
    byte[] body = bytes("{\"type\":\"HEARTBEAT\"}\n"); // a newline in the body: not a line
    byte[] frame = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    c.keepInput(frame, 0, 3);
    assertThat(frames.holdsRequest(c)).as("part of the header").isFalse();
    c.keepInput(frame, 3, frame.length - 1);
    assertThat(frames.holdsRequest(c)).as("all but the last byte").isFalse();
    c.keepInput(frame, frame.length - 1, frame.length);
    assertThat(frames.holdsRequest(c)).as("the whole frame").isTrue();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
