package io.ephemeral.broker.internal;

import io.ephemeral.bench.MicroBenchmark;
import java.nio.charset.StandardCharsets;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The broker's look at each gateway frame it routes ({@link FramePeeker}): a call as the Java
 * service client sends it, with a params string of {@code textBytes} bytes, read for its routing
 * fields and checked as JSON, which the broker does once on the way to the callee and once for the
 * answer on the way back.
 */
@State(Scope.Thread)
public class GatewayPathBenchmark extends MicroBenchmark {
  @Param({"4", "10240"})
  public int textBytes;

  private final FramePeeker peeker = new FramePeeker(64);
  private final FrameMessage message = new FrameMessage();
  private byte[] call;

  @Setup
  public void setUp() {
    StringBuilder text = new StringBuilder(textBytes);
    for (int i = 0; i < textBytes; i++) {
      text.append((char) ('a' + i % 26));
    }
    call =
        ("{\"type\":\"CALL\",\"id\":\"req-1-abc-1\",\"from\":\"caller\",\"to\":\"echo\","
                + "\"method\":\"echo\",\"params\":{\"n\":1,\"text\":\""
                + text
                + "\"},\"context\":{\"root\":\"root-1\",\"chain\":[\"caller\"],\"depth\":1}}")
            .getBytes(StandardCharsets.UTF_8);
  }

  @Benchmark
  public int peekCall() {
    int outcome = peeker.peek(call, 0, call.length, message);
    if (outcome != FramePeeker.OK) {
      throw new IllegalStateException("the frame was refused: " + peeker.error());
    }
    return message.contextLen;
  }
}
