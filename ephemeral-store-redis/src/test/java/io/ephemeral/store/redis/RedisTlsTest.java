package io.ephemeral.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.broker.store.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store over TLS against a real redis-server serving a certificate from a private CA: it works
 * when the CA is trusted, and refuses a server the trust store does not vouch for or whose
 * certificate names another host.
 */
class RedisTlsTest {
  private static TlsFiles files;
  private static RedisServer redis;

  @BeforeAll
  static void start() {
    files = TlsFiles.create("IP:127.0.0.1");
    redis = RedisServer.startTls(files);
  }

  @AfterAll
  static void stop() {
    redis.close();
    files.close();
  }

  @Test
  void aStoreTrustingThePrivateCaWritesOverTls() throws Exception {
    String prefix = RedisServer.freshPrefix();
    RedisStore overTls =
        RedisStore.builder()
            .standalone("127.0.0.1:" + redis.tlsPort())
            .tls(files.trustingContext())
            .prefix(prefix)
            .timeout(RedisServer.TEST_TIMEOUT)
            .build();
    assertThat(overTls.describe()).startsWith("rediss://127.0.0.1:" + redis.tlsPort());
    overTls.open();
    RedisStore plain = redis.store(prefix);
    plain.open();
    try {
      assertThat(overTls.set(bytes("k"), bytes("\"over tls\""), false, 60_000, 0, false).full())
          .isFalse();
      // The same Redis, read without TLS: the write went there.
      assertThat(plain.get(bytes("k"), false, false).json()).isEqualTo(bytes("\"over tls\""));
      assertThat(overTls.lease("pool", "w1", 60_000, 1, null).slot()).isZero();
      assertThat(overTls.openLoopConnection()).as("TLS keeps the store threads").isNull();
    } finally {
      overTls.close();
      plain.close();
    }
  }

  @Test
  void theJvmTrustStoreDoesNotVouchForAPrivateCa() {
    RedisStore store =
        RedisStore.fromUri(
            "rediss://127.0.0.1:"
                + redis.tlsPort()
                + "?prefix="
                + RedisServer.freshPrefix()
                + "&timeout=10000",
            Map.of());
    assertThatThrownBy(store::open)
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("cannot reach Redis at rediss://127.0.0.1:" + redis.tlsPort())
        .hasMessageContaining("certification path")
        .hasMessageContaining(
            "must chain to a CA that the JVM's trust store holds (javax.net.ssl.trustStore)");
  }

  @Test
  void theCertificatesAndKeysAreDeletedWhenClosed() {
    Path dir;
    try (TlsFiles made = TlsFiles.create("IP:127.0.0.1")) {
      dir = made.serverKey().getParent();
      assertThat(made.serverKey()).exists();
      assertThat(made.trustStore()).exists();
    }
    assertThat(dir).doesNotExist();
  }

  @Test
  void aCertificateForAnotherHostIsRefused() {
    try (TlsFiles other = TlsFiles.create("DNS:redis.example");
        RedisServer misnamed = RedisServer.startTls(other)) {
      RedisStore store =
          RedisStore.builder()
              .standalone("127.0.0.1:" + misnamed.tlsPort())
              .tls(other.trustingContext())
              .prefix(RedisServer.freshPrefix())
              .timeout(RedisServer.TEST_TIMEOUT)
              .build();
      assertThatThrownBy(store::open)
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("rediss://127.0.0.1:" + misnamed.tlsPort())
          .hasMessageContaining("127.0.0.1");
      assertThatThrownBy(store::open)
          .hasMessageContaining("subject alternative names")
          .hasMessageContaining("the store's SSLContext trusts and name the host connected to");
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
