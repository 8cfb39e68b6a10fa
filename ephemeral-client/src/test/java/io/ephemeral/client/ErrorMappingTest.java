package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Broker error answers map to the right exception type and code, and name the key. */
class ErrorMappingTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  @Test
  void notFound() throws Exception {
    try (BrokerFixture broker = BrokerFixture.start();
        BrokerClient client = broker.client().build()) {
      assertThatThrownBy(() -> client.get("missing", String.class))
          .isInstanceOfSatisfying(
              NotFoundException.class, e -> assertThat(e.code()).isEqualTo("not_found"))
          .hasMessageContaining("get \"missing\"")
          .hasMessageContaining("not_found");
      assertThatThrownBy(() -> client.getRaw("missing")).isInstanceOf(NotFoundException.class);
    }
  }

  @Test
  void expiredThenNotFound() throws Exception {
    try (BrokerFixture broker = BrokerFixture.start();
        BrokerClient client = broker.client().build()) {
      client.set("short", "v", Duration.ofSeconds(5));
      assertThat(client.get("short", String.class)).isEqualTo("v");
      broker.clock.advance(Duration.ofSeconds(5));
      assertThatThrownBy(() -> client.get("short", String.class))
          .isInstanceOfSatisfying(
              ExpiredException.class, e -> assertThat(e.code()).isEqualTo("expired"))
          .hasMessageContaining("\"short\"");
      assertThatThrownBy(() -> client.get("short", String.class))
          .isInstanceOf(NotFoundException.class);
    }
  }

  @Test
  void tooLargeValue() throws Exception {
    try (BrokerFixture broker = BrokerFixture.start(b -> b.maxValueSize(100));
        BrokerClient client = broker.client().compression(false).build()) {
      assertThatThrownBy(() -> client.set("big", "x".repeat(200), MINUTE))
          .isInstanceOfSatisfying(
              TooLargeException.class, e -> assertThat(e.code()).isEqualTo("too_large"))
          .hasMessageContaining("set \"big\"");
      client.set("ok", "x".repeat(98), MINUTE); // JSON length 100: exactly the limit
    }
  }

  @Test
  void tooLargeRequestLine() throws Exception {
    try (BrokerFixture broker = BrokerFixture.start(b -> b.maxRequestSize(2_000));
        BrokerClient client = broker.client().compression(false).build()) {
      assertThatThrownBy(() -> client.set("huge", "x".repeat(5_000), MINUTE))
          .isInstanceOf(TooLargeException.class);
      // The broker closed that connection; the client reconnects for the next call.
      client.set("fine", "x", MINUTE);
      assertThat(client.get("fine", String.class)).isEqualTo("x");
    }
  }

  @Test
  void maxItems() throws Exception {
    try (BrokerFixture broker = BrokerFixture.start(b -> b.maxItems(2));
        BrokerClient client = broker.client().build()) {
      client.set("a", 1, MINUTE);
      client.set("b", 2, MINUTE);
      assertThatThrownBy(() -> client.set("c", 3, MINUTE))
          .isExactlyInstanceOf(BrokerException.class)
          .hasMessageContaining("max_items")
          .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo("max_items"));
      client.set("a", 10, MINUTE); // overwriting is allowed
      assertThat(client.health().capacity().atCapacity()).isTrue();
      assertThat(client.health().status()).isEqualTo("degraded");
    }
  }

  @Test
  void authFailedWithAWrongSecretOrNone() throws Exception {
    try (BrokerFixture broker = BrokerFixture.start(b -> b.secret("right"));
        BrokerClient good = broker.client().secret("right").build();
        BrokerClient wrong = broker.client().secret("wrong").build();
        BrokerClient unsigned = broker.client().build()) {
      good.set("k", "v", MINUTE);
      assertThat(good.get("k", String.class)).isEqualTo("v");
      assertThat(good.lease("p", "w", MINUTE)).isZero();
      assertThat(good.release("w")).isTrue();
      assertThat(good.ping()).isPositive();
      assertThatThrownBy(() -> wrong.get("k", String.class))
          .isInstanceOfSatisfying(
              AuthFailedException.class, e -> assertThat(e.code()).isEqualTo("auth_failed"))
          .hasMessageContaining("secret does not match");
      assertThatThrownBy(unsigned::ping)
          .isInstanceOf(AuthFailedException.class)
          .hasMessageContaining("EPHEMERAL_SECRET");
    }
  }

  @Test
  void ttlRequired() throws Exception {
    try (BrokerFixture broker = BrokerFixture.start();
        BrokerClient client = broker.client().allowNoTtl(true).build()) {
      assertThatThrownBy(() -> client.set("k", "v"))
          .isExactlyInstanceOf(BrokerException.class)
          .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo("ttl_required"));
    }
  }

  @Test
  void brokerErrorsAreNotConnectionErrors() throws Exception {
    try (BrokerFixture broker = BrokerFixture.start();
        BrokerClient client = broker.client().build()) {
      Throwable t =
          org.assertj.core.api.Assertions.catchThrowable(() -> client.get("x", String.class));
      assertThat(t)
          .isInstanceOf(BrokerException.class)
          .isNotInstanceOf(BrokerConnectionException.class);
    }
  }

  @Test
  void aClientOverTheConnectionLimitIsToldSo() throws Exception {
    try (BrokerFixture broker = BrokerFixture.start(b -> b.maxConnections(1));
        BrokerClient first = broker.client().build();
        BrokerClient second = broker.client().timeout(Duration.ofSeconds(2)).build()) {
      assertThat(first.ping()).isPositive(); // holds the only connection
      assertThatThrownBy(second::ping)
          .isInstanceOfSatisfying(
              BrokerException.class, e -> assertThat(e.code()).isEqualTo("too_many_connections"))
          .hasMessageContaining("connection limit");
      first.close();
      // Served once the broker has seen the first one go.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (true) {
        try {
          assertThat(second.ping()).isPositive();
          break;
        } catch (BrokerException e) {
          assertThat(e.code()).isEqualTo("too_many_connections");
          assertThat(System.nanoTime()).as("a freed connection slot").isLessThan(deadline);
        }
      }
    }
  }
}
