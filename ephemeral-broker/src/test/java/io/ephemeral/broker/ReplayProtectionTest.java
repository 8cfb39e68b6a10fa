package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.protocol.Hmac;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Optional replay protection: with a window set, a signed request must carry a signed timestamp
 * within the window and a nonce not used before. Time is the injected clock.
 */
class ReplayProtectionTest {
  private static final String SECRET = "replay-secret";
  private static final Hmac HMAC = Hmac.withSecret(SECRET);

  private static String signed(String payload, long ts, String nonce) {
    byte[] line =
        HMAC.signRequest(
            Hmac.withReplayFields(payload.getBytes(StandardCharsets.UTF_8), ts, nonce));
    return new String(line, StandardCharsets.UTF_8);
  }

  private static String signed(String payload) {
    return new String(
        HMAC.signRequest(payload.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  private static BrokerFixture broker(int cacheSize) throws IOException {
    return new BrokerFixture(
        b -> b.secret(SECRET).replayProtection(Duration.ofSeconds(30)).replayCacheSize(cacheSize));
  }

  @Test
  void offByDefaultSoThePlainNodeProtocolWorks() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.secret(SECRET))) {
      String ping = signed("{\"action\":\"ping\"}");
      assertThat(f.call(ping)).startsWith("{\"ok\":true");
      assertThat(f.call(ping))
          .startsWith("{\"ok\":true"); // a replay, accepted: nothing to tell it apart
    }
  }

  @Test
  void aFreshNonceWithinTheWindowPassesOnceOnly() throws IOException {
    try (BrokerFixture f = broker(1000)) {
      long now = f.clock.millis();
      String set =
          signed("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":60000}", now, "n-1");
      assertThat(f.call(set)).startsWith("{\"ok\":true");
      assertThat(f.call(set))
          .isEqualTo(
              "{\"ok\":false,\"error\":\"replayed_request\","
                  + "\"message\":\"this nonce was already used within the replay window\"}");
      // The nonce is spent whatever the request: another action with it is refused too.
      assertThat(f.call(signed("{\"action\":\"ping\"}", now, "n-1"))).contains("replayed_request");
      assertThat(f.call(signed("{\"action\":\"get\",\"key\":\"k\"}", now + 29_000, "n-2")))
          .startsWith("{\"ok\":true,\"value\":1");
    }
  }

  @Test
  void requestsWithoutTimestampAndNonceAreRefused() throws IOException {
    try (BrokerFixture f = broker(1000)) {
      assertThat(f.call(signed("{\"action\":\"ping\"}")))
          .startsWith("{\"ok\":false,\"error\":\"replay_fields_required\"")
          .contains("\\\"ts\\\"")
          .contains("\\\"nonce\\\"");
      assertThat(
              f.call(
                  signed(
                      "{\"action\":\"ping\",\"ts\":\"" + f.clock.millis() + "\",\"nonce\":\"a\"}")))
          .contains("replay_fields_required");
      assertThat(
              f.call(signed("{\"action\":\"ping\",\"ts\":" + f.clock.millis() + ",\"nonce\":7}")))
          .contains("replay_fields_required");
      assertThat(
              f.call(
                  signed(
                      "{\"action\":\"ping\",\"ts\":"
                          + f.clock.millis()
                          + ",\"nonce\":\""
                          + "n".repeat(129)
                          + "\"}")))
          .contains("replay_fields_required");
      // Unsigned or wrongly signed requests are still auth_failed, ts or not.
      assertThat(f.call("{\"action\":\"ping\",\"ts\":" + f.clock.millis() + ",\"nonce\":\"x\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"auth_failed\"}");
      // ts and nonce must be inside the signature: added after signing, they break it.
      String line = signed("{\"action\":\"ping\"}");
      String tampered =
          line.substring(0, line.length() - 1)
              + ",\"ts\":"
              + f.clock.millis()
              + ",\"nonce\":\"x\"}";
      assertThat(f.call(tampered)).contains("auth_failed");
    }
  }

  @Test
  void timestampsOutsideTheWindowAreRefused() throws IOException {
    try (BrokerFixture f = broker(1000)) {
      long now = f.clock.millis();
      assertThat(f.call(signed("{\"action\":\"ping\"}", now - 30_000, "edge-old")))
          .startsWith("{\"ok\":true");
      assertThat(f.call(signed("{\"action\":\"ping\"}", now + 30_000, "edge-new")))
          .startsWith("{\"ok\":true");
      assertThat(f.call(signed("{\"action\":\"ping\"}", now - 30_001, "old")))
          .isEqualTo(
              "{\"ok\":false,\"error\":\"stale_request\",\"message\":"
                  + "\"ts is 30001 ms behind the broker's clock; the replay window is 30000 ms\"}");
      assertThat(f.call(signed("{\"action\":\"ping\"}", now + 45_000, "future")))
          .contains("stale_request")
          .contains("45000 ms ahead of");
      // A captured request replayed after the window: its nonce is forgotten, its ts too old.
      String captured = signed("{\"action\":\"del\",\"key\":\"k\"}", now, "captured");
      assertThat(f.call(captured)).startsWith("{\"ok\":true");
      f.clock.advance(Duration.ofMillis(30_001));
      assertThat(f.call(captured)).contains("stale_request");
    }
  }

  @Test
  void aFullNonceCacheRefusesNewNoncesInsteadOfGrowing() throws IOException {
    try (BrokerFixture f = broker(2)) {
      long now = f.clock.millis();
      assertThat(f.call(signed("{\"action\":\"ping\"}", now, "a"))).startsWith("{\"ok\":true");
      assertThat(f.call(signed("{\"action\":\"ping\"}", now, "b"))).startsWith("{\"ok\":true");
      assertThat(f.call(signed("{\"action\":\"ping\"}", now, "c")))
          .startsWith("{\"ok\":false,\"error\":\"replay_cache_full\"")
          .contains("replayCacheSize (2)");
      assertThat(f.call(signed("{\"action\":\"ping\"}", now, "a"))).contains("replayed_request");
      // Once the remembered nonces' timestamps leave the window, there is room again.
      f.clock.advance(Duration.ofMillis(30_001));
      long later = f.clock.millis();
      assertThat(f.call(signed("{\"action\":\"ping\"}", later, "c"))).startsWith("{\"ok\":true");
      String metrics =
          f.callJson(signed("{\"action\":\"metrics\",\"format\":\"json\"}", later, "m"))
              .get("metrics")
              .get("limits")
              .get("replayCacheSize")
              .asText();
      assertThat(metrics).isEqualTo("1");
    }
  }

  @Test
  void needsASecretAndAPositiveWindow() {
    assertThatThrownBy(
            () ->
                Broker.builder()
                    .environment(Map.of())
                    .replayProtection(Duration.ofSeconds(30))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replay protection needs a secret");
    assertThatThrownBy(() -> Broker.builder().replayProtection(Duration.ZERO))
        .hasMessageContaining("must be positive");
    assertThatThrownBy(
            () ->
                Broker.builder()
                    .environment(Map.of("BROKER_SECRET", "s", "BROKER_REPLAY_WINDOW", "-5"))
                    .build())
        .hasMessageContaining("BROKER_REPLAY_WINDOW");
  }
}
