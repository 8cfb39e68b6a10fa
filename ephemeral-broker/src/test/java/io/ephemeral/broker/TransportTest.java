package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Framing, ordering and hostile lines on real connections. */
class TransportTest extends WithBroker {
  @Override
  protected Broker.Builder options(Broker.Builder builder) {
    return builder.maxRequestSize(1024);
  }

  @Test
  void pipelinedRequestsAreAnsweredStrictlyInOrder() throws Exception {
    WireClient c = f.client();
    // The Node broker answers "set, get, ping" sent in one write as "get, ping, set".
    c.send(
        "{\"action\":\"set\",\"key\":\"k\",\"value\":42,\"ttl\":1000}\n{\"action\":\"get\",\"key\":\"k\"}\n{\"action\":\"ping\"}\n");
    assertThat(c.readLines(3))
        .containsExactly(
            "{\"ok\":true}",
            "{\"ok\":true,\"value\":42,\"compressed\":false}",
            "{\"ok\":true,\"pong\":" + f.clock.millis() + "}");
  }

  @Test
  void manyRequestsOnOneConnection() throws Exception {
    WireClient c = f.client();
    StringBuilder batch = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      batch
          .append("{\"action\":\"set\",\"key\":\"k")
          .append(i)
          .append("\",\"value\":")
          .append(i)
          .append(",\"ttl\":60000}\n");
      batch.append("{\"action\":\"get\",\"key\":\"k").append(i).append("\"}\n");
    }
    c.send(batch.toString());
    for (int i = 0; i < 2000; i++) {
      assertThat(c.readLine()).isEqualTo("{\"ok\":true}");
      assertThat(c.readLine()).isEqualTo("{\"ok\":true,\"value\":" + i + ",\"compressed\":false}");
    }
  }

  @Test
  void nonObjectLinesGetACleanErrorAndTheConnectionLivesOn() throws Exception {
    WireClient c = f.client();
    for (String line : new String[] {"null", "[1,2]", "42", "\"text\"", "true"}) {
      assertThat(c.call(line)).as(line).startsWith("{\"ok\":false,\"error\":\"invalid_request\"");
    }
    assertThat(c.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true,\"pong\":");
  }

  @Test
  void anEmptyLineIsAnEmptyRequest() throws Exception {
    assertThat(f.client().call("")).isEqualTo("{\"ok\":false,\"error\":\"unknown_action\"}");
  }

  @Test
  void crlfLineEndingsWork() throws Exception {
    WireClient c = f.client();
    c.send(
        "{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1000}\r\n{\"action\":\"get\",\"key\":\"k\"}\r\n");
    assertThat(c.readLines(2))
        .containsExactly("{\"ok\":true}", "{\"ok\":true,\"value\":1,\"compressed\":false}");
  }

  @Test
  void aCharacterSplitAcrossReadsArrivesIntact() throws Exception {
    WireClient c = f.client();
    byte[] line =
        "{\"action\":\"set\",\"key\":\"k\",\"value\":\"\uD83D\uDD25 caf\u00e9\",\"ttl\":1000}\n"
            .getBytes(StandardCharsets.UTF_8);
    int split = indexOf(line, (byte) 0xF0) + 2; // in the middle of the 4-byte emoji
    c.send(Arrays.copyOfRange(line, 0, split));
    // A round trip on another connection: the loop has read the first half by the time it answers.
    assertThat(f.client().call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    c.send(Arrays.copyOfRange(line, split, line.length));
    assertThat(c.readLine()).isEqualTo("{\"ok\":true}");
    assertThat(c.call("{\"action\":\"get\",\"key\":\"k\"}"))
        .isEqualTo("{\"ok\":true,\"value\":\"\uD83D\uDD25 caf\u00e9\",\"compressed\":false}");
  }

  @Test
  void anOverlongLineIsRefusedBeforeItEndsAndTheConnectionRecovers() throws Exception {
    WireClient c = f.client();
    c.send("{\"action\":\"set\",\"key\":\"k\",\"value\":\"" + "x".repeat(2000));
    // The refusal arrives while the line is still unfinished: the broker never waits for it whole.
    assertThat(c.readLine()).isEqualTo("{\"ok\":false,\"error\":\"too_large\"}");
    for (int i = 0; i < 100; i++) {
      c.send("x".repeat(10_000));
    }
    c.send("\",\"ttl\":1000}\n{\"action\":\"ping\"}\n");
    assertThat(c.readLine()).startsWith("{\"ok\":true,\"pong\":");
    assertThat(c.call("{\"action\":\"get\",\"key\":\"k\"}"))
        .isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
  }

  @Test
  void aCompleteOverlongLineInOneReadIsTooLarge() throws Exception {
    WireClient c = f.client();
    c.send("{\"action\":\"ping\",\"pad\":\"" + "y".repeat(1100) + "\"}\n{\"action\":\"ping\"}\n");
    assertThat(c.readLine()).isEqualTo("{\"ok\":false,\"error\":\"too_large\"}");
    assertThat(c.readLine()).startsWith("{\"ok\":true,\"pong\":");
  }

  @Test
  void halfClosedClientStillGetsItsResponses() throws Exception {
    WireClient c = f.client();
    c.send("{\"action\":\"ping\"}\n{\"action\":\"get\",\"key\":\"x\"}\n{\"action\":\"ping\"");
    c.shutdownOutput();
    assertThat(c.readLine()).startsWith("{\"ok\":true,\"pong\":");
    assertThat(c.readLine()).isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
    // The unterminated last line is dropped and the broker closes after answering.
    assertThat(c.readLine()).isNull();
  }

  @Test
  void manyConnectionsAtOnce() throws Exception {
    WireClient[] clients = new WireClient[200];
    for (int i = 0; i < clients.length; i++) {
      clients[i] = f.client();
      clients[i].send(
          "{\"action\":\"set\",\"key\":\"c" + i + "\",\"value\":" + i + ",\"ttl\":1000}\n");
    }
    for (int i = 0; i < clients.length; i++) {
      assertThat(clients[i].readLine()).isEqualTo("{\"ok\":true}");
      assertThat(clients[i].call("{\"action\":\"get\",\"key\":\"c" + i + "\"}"))
          .contains("\"value\":" + i + ",");
    }
  }

  private static int indexOf(byte[] a, byte b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    throw new AssertionError("byte not found");
  }
}
