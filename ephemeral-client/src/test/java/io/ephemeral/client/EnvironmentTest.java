package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Configuration from CLIENT_* / EPHEMERAL_* variables; explicit options win. */
class EnvironmentTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private BrokerFixture broker;

  @BeforeEach
  void start() throws Exception {
    broker = BrokerFixture.start(b -> b.secret("env-secret").requireTtl(false));
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  private Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("EPHEMERAL_PIPE", broker.socket.toString());
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  private static BrokerClient.Builder with(Map<String, String> env) {
    return BrokerClient.builder().environment(env);
  }

  @Test
  void pipeAndSecretFromTheEnvironment() {
    try (BrokerClient c = with(env("EPHEMERAL_SECRET", "env-secret")).build()) {
      assertThat(c.pipe()).isEqualTo(broker.socket);
      assertThat(c.ping()).isPositive();
    }
    try (BrokerClient c =
        with(env("CLIENT_SECRET", "env-secret", "EPHEMERAL_SECRET", "wrong")).build()) {
      assertThat(c.ping()).as("CLIENT_SECRET before EPHEMERAL_SECRET").isPositive();
    }
    try (BrokerClient c = with(env("CLIENT_SECRET", "wrong")).secret("env-secret").build()) {
      assertThat(c.ping()).as("explicit secret wins").isPositive();
    }
    try (BrokerClient c = with(env("CLIENT_SECRET", "env-secret")).secret(null).build()) {
      assertThatThrownBy(c::ping)
          .as("explicit 'no secret' wins")
          .isInstanceOf(AuthFailedException.class);
    }
  }

  @Test
  void missingPipeIsAClearError() {
    assertThatThrownBy(() -> with(Map.of()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("EPHEMERAL_PIPE is not set");
    assertThatThrownBy(() -> with(Map.of("EPHEMERAL_PIPE", "")).build())
        .isInstanceOf(IllegalStateException.class);
    assumeThat(System.getenv("EPHEMERAL_PIPE")).isNull();
    assertThatThrownBy(BrokerClient::fromEnvironment)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("EPHEMERAL_PIPE is not set");
  }

  @Test
  void unparsableNumbersNameTheVariableAndValue() {
    assertThatThrownBy(() -> with(env("CLIENT_TIMEOUT", "5s")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CLIENT_TIMEOUT")
        .hasMessageContaining("\"5s\"");
    assertThatThrownBy(() -> with(env("CLIENT_TIMEOUT", "0")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CLIENT_TIMEOUT");
    assertThatThrownBy(() -> with(env("CLIENT_COMPRESSION_THRESHOLD", "lots")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CLIENT_COMPRESSION_THRESHOLD")
        .hasMessageContaining("\"lots\"");
    // An explicit option means the variable is not read at all.
    try (BrokerClient c =
        with(env("CLIENT_TIMEOUT", "5s")).timeout(Duration.ofSeconds(1)).build()) {
      assertThat(c.toString()).contains("timeout=1000ms");
    }
  }

  @Test
  void timeoutFromTheEnvironment() {
    try (BrokerClient c = with(env("CLIENT_TIMEOUT", "1234")).build()) {
      assertThat(c.toString()).contains("timeout=1234ms");
    }
    try (BrokerClient c = with(env()).build()) {
      assertThat(c.toString()).contains("timeout=5000ms");
    }
  }

  @Test
  void booleansAreTrueForTrueOrOne() {
    for (String yes : new String[] {"true", "1", "TRUE"}) {
      try (BrokerClient c =
          with(env("CLIENT_ALLOW_NO_TTL", yes, "CLIENT_SECRET", "env-secret")).build()) {
        c.set("k", "v");
      }
    }
    for (String no : new String[] {"false", "0", "yes"}) {
      try (BrokerClient c =
          with(env("CLIENT_ALLOW_NO_TTL", no, "CLIENT_SECRET", "env-secret")).build()) {
        assertThatThrownBy(() -> c.set("k", "v")).isInstanceOf(IllegalArgumentException.class);
      }
    }
    try (BrokerClient c =
        with(env("CLIENT_ALLOW_NO_TTL", "1", "CLIENT_SECRET", "env-secret"))
            .allowNoTtl(false)
            .build()) {
      assertThatThrownBy(() -> c.set("k", "v"))
          .as("explicit option wins")
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void compressionFromTheEnvironment() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String big = "c".repeat(2_000);
    try (BrokerClient off =
            with(env("CLIENT_COMPRESSION", "false", "CLIENT_SECRET", "env-secret")).build();
        BrokerClient low =
            with(env("CLIENT_COMPRESSION_THRESHOLD", "5", "CLIENT_SECRET", "env-secret")).build();
        BrokerClient explicit =
            with(env("CLIENT_COMPRESSION", "false", "CLIENT_SECRET", "env-secret"))
                .compression(true)
                .build()) {
      off.set("off", big, MINUTE);
      low.set("low", "123456", MINUTE);
      explicit.set("explicit", big, MINUTE);
      assertThat(off.list()).containsKeys("off", "low", "explicit");
      // Read back what the broker stored with a signed raw get through a client that does not
      // decompress: getRaw decompresses, so look at the size the broker accounts instead.
      String metrics = off.metrics();
      assertThat(metrics).contains("ephemeral_broker_compression_total{compressed=\"true\"} 2");
      assertThat(metrics).contains("ephemeral_broker_compression_total{compressed=\"false\"} 1");
      assertThat(json.readTree(off.getRaw("low")).asText()).isEqualTo("123456");
    }
  }
}
