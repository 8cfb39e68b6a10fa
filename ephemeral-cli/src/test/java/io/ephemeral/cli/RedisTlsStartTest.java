package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.store.redis.RedisServer;
import io.ephemeral.store.redis.RedisStore;
import io.ephemeral.store.redis.TlsFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code start --store rediss://...} against a real redis-server serving a certificate from a
 * private CA: the broker process refuses to start (and says why) until the CA is in its JVM's trust
 * store, then keeps its values in that Redis.
 */
class RedisTlsStartTest {
  @TempDir Path dir;

  @Test
  void theBrokerTrustsARedisCertificateThroughTheJvmTrustStore() throws Exception {
    try (TlsFiles files = TlsFiles.create("IP:127.0.0.1");
        RedisServer redis = RedisServer.startTls(files)) {
      String prefix = RedisServer.freshPrefix();
      String uri = "rediss://127.0.0.1:" + redis.tlsPort() + "?prefix=" + prefix;

      try (Cli untrusted = Cli.start(dir.resolve("untrusted"), "start", "--store", uri)) {
        assertThat(untrusted.exitStatus()).isEqualTo(ExitStatus.UNAVAILABLE.code);
        assertThat(untrusted.stderr())
            .contains("rediss://127.0.0.1:" + redis.tlsPort())
            .contains("certification path");
      }

      Map<String, String> env =
          Map.of(
              "JAVA_TOOL_OPTIONS",
              "-Djavax.net.ssl.trustStore="
                  + files.trustStore()
                  + " -Djavax.net.ssl.trustStorePassword="
                  + TlsFiles.TRUST_STORE_PASSWORD);
      try (Cli trusted = Cli.start(dir.resolve("trusted"), env, "start", "--store", uri);
          BrokerClient client =
              BrokerClient.builder()
                  .environment(Map.of())
                  .pipe(trusted.awaitSocket())
                  .timeout(Duration.ofSeconds(30))
                  .build()) {
        client.set("token", "abc", Duration.ofMinutes(1));
        assertThat(client.get("token", String.class)).isEqualTo("abc");
        // Read back from the same Redis without TLS: the value is there, under the prefix.
        RedisStore plain = redis.store(prefix);
        plain.open();
        try {
          assertThat(plain.get("token".getBytes(StandardCharsets.UTF_8), false, false).json())
              .isEqualTo("\"abc\"".getBytes(StandardCharsets.UTF_8));
        } finally {
          plain.close();
        }
      }
    }
  }
}
