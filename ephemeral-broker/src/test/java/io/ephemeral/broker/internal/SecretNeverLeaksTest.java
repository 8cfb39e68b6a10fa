package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.WireClient;
import io.ephemeral.protocol.Hmac;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The broker's secret never shows in what it says: log lines (text or structured), error answers,
 * stats, list, health, metrics, services or its configuration's text. The log is captured from the
 * SLF4J backend the tests run with (standard error).
 */
class SecretNeverLeaksTest {
  private static final String SECRET = "Sup3r-S3cret-Value-4417";
  private static final Hmac HMAC = Hmac.withSecret(SECRET);

  private static String signed(String payload) {
    return new String(
        HMAC.signRequest(payload.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void notInLogsErrorsStatsListOrMetrics(boolean structured) throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    List<String> answers = new ArrayList<>();
    System.setErr(new PrintStream(new TeeStream(captured, original), true, StandardCharsets.UTF_8));
    try (BrokerFixture f =
        new BrokerFixture(
            b ->
                b.secret(SECRET)
                    .structuredLogging(structured)
                    .maxConnections(2)
                    .stallTimeout(Duration.ofSeconds(1))
                    .maxRequestSize(4096))) {
      answers.add(f.broker.toString());
      // Refused and failing requests of every kind.
      answers.add(f.call("{\"action\":\"get\",\"key\":\"k\"}"));
      answers.add(f.call("{\"action\":\"get\",\"key\":\"k\",\"hmac\":\"" + "0".repeat(64) + "\"}"));
      answers.add(f.call(signed("{\"action\":\"get\",\"key\":\"k\"}").replace("\"k\"", "\"x\"")));
      answers.add(f.call("{not json"));
      answers.add(f.call("{\"action\":\"ping\",\"pad\":\"" + "x".repeat(5000) + "\"}"));
      answers.add(f.call(signed("{\"action\":\"nope\"}")));
      answers.add(f.call(signed("{\"action\":\"set\",\"key\":\"k\",\"value\":\"v\"}")));
      // Everything that reports state.
      answers.add(
          f.call(signed("{\"action\":\"set\",\"key\":\"k\",\"value\":\"v\",\"ttl\":60000}")));
      for (String action : new String[] {"list", "stats", "health", "services", "ping"}) {
        answers.add(f.call(signed("{\"action\":\"" + action + "\"}")));
      }
      answers.add(f.call(signed("{\"action\":\"metrics\"}")));
      answers.add(f.call(signed("{\"action\":\"metrics\",\"format\":\"json\"}")));
      // Warnings: a connection over the limit, a stalled connection closed.
      // (The fixture's connection and this one are the two allowed.)
      WireClient stalled = f.client();
      stalled.send(signed("{\"action\":\"ping\"}") + "\n{\"action\":");
      answers.add(stalled.readLine()); // the broker has read the partial request too
      WireClient refused = f.client();
      answers.add(String.valueOf(refused.call(signed("{\"action\":\"ping\"}"))));
      f.clock.advance(Duration.ofSeconds(2));
      assertThat(stalled.readLine()).isNull();
    }
    System.setErr(original);
    String log = captured.toString(StandardCharsets.UTF_8);
    // The capture works: the lines this test provoked are there.
    assertThat(log)
        .contains("Broker started")
        .contains("Refused a connection")
        .contains("Closing a stalled connection")
        .contains("Broker stopped");
    assertThat(log).doesNotContain(SECRET);
    assertThat(String.join("\n", answers))
        .contains("auth_failed")
        .contains("invalid_json")
        .contains("too_large")
        .contains("unknown_action")
        .contains("too_many_connections")
        .contains("\"items\":1")
        .doesNotContain(SECRET);
  }

  @Test
  void notInTheConfigurationText() {
    BrokerConfig c =
        BrokerConfig.resolve(
            Broker.builder().environment(java.util.Map.of("BROKER_SECRET", SECRET)));
    assertThat(c.secret()).isEqualTo(SECRET);
    assertThat(c.toString()).contains("auth=true").doesNotContain(SECRET);
  }

  /** Writes to both streams, so the test's own output still shows. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
