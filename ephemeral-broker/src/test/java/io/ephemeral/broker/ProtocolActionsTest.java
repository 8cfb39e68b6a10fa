package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every action, member and error string of the KV protocol, against the real broker. */
class ProtocolActionsTest extends WithBroker {
  @Override
  protected Broker.Builder options(Broker.Builder builder) {
    return builder.maxItems(3).maxValueSize(20);
  }

  @Nested
  class Set {
    @Test
    void storesAValueAndAnswersOkOnly() {
      assertThat(f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":\"v\",\"ttl\":1000}"))
          .isEqualTo("{\"ok\":true}");
    }

    @Test
    void acceptsTheNodeClientsFullMemberList() {
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"k\",\"value\":{\"a\":1},\"ttl\":60000,\"compressed\":false,"
                      + "\"beforeSize\":0,\"afterSize\":0}"))
          .isEqualTo("{\"ok\":true}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}"))
          .isEqualTo("{\"ok\":true,\"value\":{\"a\":1},\"compressed\":false}");
    }

    @Test
    void ttlMustBeAPositiveInteger() {
      for (String ttl :
          List.of(
              "-1",
              "0",
              "1.5",
              "\"5000\"",
              "\"abc\"",
              "true",
              "{}",
              "[]",
              "1e400",
              "99999999999999999999")) {
        assertThat(f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":" + ttl + "}"))
            .as("ttl %s", ttl)
            .isEqualTo("{\"ok\":false,\"error\":\"invalid_ttl\"}");
      }
    }

    @Test
    void integralNumbersInAnyNotationAreValidTtls() {
      for (String ttl : List.of("60000.0", "6e4", "6E4", "1")) {
        assertThat(f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":" + ttl + "}"))
            .as(ttl)
            .isEqualTo("{\"ok\":true}");
      }
    }

    @Test
    void ttlIsRequiredByDefault() {
      assertThat(f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1}"))
          .isEqualTo("{\"ok\":false,\"error\":\"ttl_required\"}");
      assertThat(f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":null}"))
          .isEqualTo("{\"ok\":false,\"error\":\"ttl_required\"}");
    }

    @Test
    void valueLargerThanMaxValueSizeIsTooLarge() {
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"k\",\"value\":\""
                      + "x".repeat(20)
                      + "\",\"ttl\":1000}"))
          .isEqualTo("{\"ok\":true}");
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"k\",\"value\":\""
                      + "x".repeat(21)
                      + "\",\"ttl\":1000}"))
          .isEqualTo("{\"ok\":false,\"error\":\"too_large\"}");
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"k\",\"value\":[1,2,3,4,5,6,7,8,9,10],\"ttl\":1000}"))
          .isEqualTo("{\"ok\":false,\"error\":\"too_large\"}");
    }

    @Test
    void newKeysBeyondMaxItemsAreRefusedButOverwritesAreAllowed() {
      for (int i = 0; i < 3; i++) {
        assertThat(f.call("{\"action\":\"set\",\"key\":\"k" + i + "\",\"value\":1,\"ttl\":1000}"))
            .isEqualTo("{\"ok\":true}");
      }
      assertThat(f.call("{\"action\":\"set\",\"key\":\"k3\",\"value\":1,\"ttl\":1000}"))
          .isEqualTo("{\"ok\":false,\"error\":\"max_items\"}");
      assertThat(f.call("{\"action\":\"set\",\"key\":\"k0\",\"value\":2,\"ttl\":1000}"))
          .isEqualTo("{\"ok\":true}");
      f.call("{\"action\":\"del\",\"key\":\"k1\"}");
      assertThat(f.call("{\"action\":\"set\",\"key\":\"k3\",\"value\":1,\"ttl\":1000}"))
          .isEqualTo("{\"ok\":true}");
    }

    @Test
    void expiredItemsDoNotCountAgainstMaxItems() {
      for (int i = 0; i < 3; i++) {
        f.call("{\"action\":\"set\",\"key\":\"k" + i + "\",\"value\":1,\"ttl\":100}");
      }
      f.clock.advance(Duration.ofMillis(100));
      assertThat(f.call("{\"action\":\"set\",\"key\":\"new\",\"value\":1,\"ttl\":1000}"))
          .isEqualTo("{\"ok\":true}");
    }

    @Test
    void aKeyIsRequired() {
      assertThat(f.callJson("{\"action\":\"set\",\"value\":1,\"ttl\":1000}").get("error").asText())
          .isEqualTo("invalid_request");
      assertThat(
              f.callJson("{\"action\":\"set\",\"key\":5,\"value\":1,\"ttl\":1000}")
                  .get("error")
                  .asText())
          .isEqualTo("invalid_request");
    }
  }

  @Nested
  class Get {
    @Test
    void returnsTheValueBytesAsStoredAndTheCompressedFlag() {
      f.call(
          "{\"action\":\"set\",\"key\":\"k\",\"value\":\"H4sIAAAA\",\"ttl\":1000,\"compressed\":true,\"beforeSize\":9,\"afterSize\":8}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}"))
          .isEqualTo("{\"ok\":true,\"value\":\"H4sIAAAA\",\"compressed\":true}");
      f.call("{\"action\":\"set\",\"key\":\"n\",\"value\":1.50,\"ttl\":1000}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"n\"}"))
          .isEqualTo("{\"ok\":true,\"value\":1.50,\"compressed\":false}");
    }

    @Test
    void omitsValueWhenTheSetHadNone() {
      f.call("{\"action\":\"set\",\"key\":\"k\",\"ttl\":1000}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}"))
          .isEqualTo("{\"ok\":true,\"compressed\":false}");
    }

    @Test
    void missingKeyIsNotFound() {
      assertThat(f.call("{\"action\":\"get\",\"key\":\"nope\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
      assertThat(f.call("{\"action\":\"get\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
    }

    @Test
    void expiredKeyIsExpiredOnceThenNotFound() {
      f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1000}");
      f.clock.advance(Duration.ofMillis(999));
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}")).startsWith("{\"ok\":true");
      f.clock.advance(Duration.ofMillis(1));
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"expired\"}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
    }

    @Test
    void keysWithLoneSurrogatesStayDistinctAndListWritesThemBack() {
      f.call("{\"action\":\"set\",\"key\":\"a\\ud800b\",\"value\":1,\"ttl\":1000}");
      f.call("{\"action\":\"set\",\"key\":\"a\\udbffb\",\"value\":2,\"ttl\":1000}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"a\\ud800b\"}"))
          .startsWith("{\"ok\":true,\"value\":1,");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"a\\udbffb\"}"))
          .startsWith("{\"ok\":true,\"value\":2,");
      assertThat(f.call("{\"action\":\"list\"}"))
          .contains("\"a\\ud800b\":{")
          .contains("\"a\\udbffb\":{");
    }

    @Test
    void escapedAndRawSpellingsOfAKeyAreTheSameKey() {
      f.call("{\"action\":\"set\",\"key\":\"caf\\u00e9\",\"value\":1,\"ttl\":1000}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"café\"}"))
          .startsWith("{\"ok\":true,\"value\":1");
    }
  }

  @Test
  void delAnswersOkForPresentAndMissingKeys() {
    f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1000}");
    assertThat(f.call("{\"action\":\"del\",\"key\":\"k\"}"))
        .isEqualTo("{\"ok\":true,\"deleted\":true}");
    assertThat(f.call("{\"action\":\"del\",\"key\":\"k\"}"))
        .isEqualTo("{\"ok\":true,\"deleted\":false}");
    assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}"))
        .isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
  }

  @Test
  void listMapsLiveKeysToExpiresAndHasValue() {
    long now = f.clock.millis();
    f.call("{\"action\":\"set\",\"key\":\"a\",\"value\":1,\"ttl\":1000}");
    f.call("{\"action\":\"set\",\"key\":\"b\\\"q\",\"ttl\":5000}");
    f.call("{\"action\":\"set\",\"key\":\"gone\",\"value\":1,\"ttl\":10}");
    f.clock.advance(Duration.ofMillis(10));
    JsonNode items = f.callJson("{\"action\":\"list\"}").get("items");
    assertThat(items.size()).isEqualTo(2);
    assertThat(items.get("a").get("expires").asLong()).isEqualTo(now + 1000);
    assertThat(items.get("a").get("hasValue").asBoolean()).isTrue();
    assertThat(items.get("b\"q").get("hasValue").asBoolean()).isFalse();
  }

  @Test
  void pingAnswersTheBrokersClock() {
    assertThat(f.call("{\"action\":\"ping\"}"))
        .isEqualTo("{\"ok\":true,\"pong\":" + f.clock.millis() + "}");
  }

  @Test
  void statsHasTheDocumentedShape() {
    f.call("{\"action\":\"set\",\"key\":\"a\",\"value\":1,\"ttl\":1000}");
    f.call("{\"action\":\"lease\",\"key\":\"pool\",\"workerId\":\"w\"}");
    f.clock.advance(Duration.ofMillis(250));
    JsonNode s = f.callJson("{\"action\":\"stats\"}").get("stats");
    assertThat(s.get("items").asInt()).isEqualTo(1);
    assertThat(s.get("leases").asInt()).isEqualTo(1);
    assertThat(s.get("uptime").asLong()).isEqualTo(250);
    JsonNode cap = s.get("capacity");
    assertThat(cap.get("items").asInt()).isEqualTo(1);
    assertThat(cap.get("maxItems").asInt()).isEqualTo(3);
    assertThat(cap.get("utilization").asDouble()).isEqualTo(0.33);
    assertThat(cap.get("nearCapacity").asBoolean()).isFalse();
    assertThat(cap.get("atCapacity").asBoolean()).isFalse();
    assertThat(cap.get("warning").isNull()).isTrue();
    assertThat(s.get("memory").get("rss").asLong()).isPositive();
    assertThat(s.get("memory").get("heapUsed").asLong()).isPositive();
    assertThat(s.get("memory").get("approximateStoreBytes").asLong()).isPositive();
  }

  @Test
  void healthIsDegradedAtCapacity() {
    JsonNode h = f.callJson("{\"action\":\"health\"}");
    assertThat(h.get("ok").asBoolean()).isTrue();
    assertThat(h.get("status").asText()).isEqualTo("healthy");
    assertThat(h.get("timestamp").asLong()).isEqualTo(f.clock.millis());
    assertThat(h.get("connections").get("inFlight").asInt()).isEqualTo(1);
    assertThat(h.get("connections").get("draining").asBoolean()).isFalse();
    assertThat(h.get("memory").get("heapTotal").asLong()).isPositive();
    for (int i = 0; i < 3; i++) {
      f.call("{\"action\":\"set\",\"key\":\"k" + i + "\",\"value\":1,\"ttl\":1000}");
    }
    h = f.callJson("{\"action\":\"health\"}");
    assertThat(h.get("status").asText()).isEqualTo("degraded");
    assertThat(h.get("capacity").get("warning").asText()).isEqualTo("at_capacity");
    assertThat(h.get("capacity").get("utilization").asText()).isEqualTo("1");
  }

  @Test
  void metricsIsPrometheusText() {
    f.call("{\"action\":\"get\",\"key\":\"missing\"}");
    f.call("{\"action\":\"ping\"}");
    JsonNode m = f.callJson("{\"action\":\"metrics\"}");
    assertThat(m.get("format").asText()).isEqualTo("prometheus");
    String text = m.get("metrics").asText();
    assertThat(text)
        .contains("# TYPE ephemeral_broker_operations_total counter\n")
        .contains("ephemeral_broker_operations_total{action=\"get\",result=\"error\"} 1\n")
        .contains("ephemeral_broker_operations_total{action=\"ping\",result=\"success\"} 1\n")
        .contains("ephemeral_broker_requests_total 3\n")
        .endsWith("\n");
  }

  @Test
  void metricsDisabledKeepsCountersAtZero() throws Exception {
    try (BrokerFixture off = new BrokerFixture(b -> b.metrics(false))) {
      off.call("{\"action\":\"ping\"}");
      String text = off.callJson("{\"action\":\"metrics\"}").get("metrics").asText();
      assertThat(text)
          .contains("ephemeral_broker_requests_total 0\n")
          .contains("ephemeral_broker_operations_total{action=\"ping\",result=\"success\"} 0\n");
    }
  }

  @Nested
  class LeaseAndRelease {
    @Test
    void workersGetTheLowestFreeIntegers() {
      List<String> values = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        values.add(
            f.call(
                "{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\"w"
                    + i
                    + "\",\"ttl\":1000}"));
      }
      // value as in the Node broker, plus a fencing token that grows with every grant
      assertThat(values)
          .containsExactly(
              "{\"ok\":true,\"value\":0,\"token\":1}",
              "{\"ok\":true,\"value\":1,\"token\":2}",
              "{\"ok\":true,\"value\":2,\"token\":3}",
              "{\"ok\":true,\"value\":3,\"token\":4}",
              "{\"ok\":true,\"value\":4,\"token\":5}");
      assertThat(f.call("{\"action\":\"release\",\"workerId\":\"w1\"}"))
          .isEqualTo("{\"ok\":true,\"released\":true}");
      assertThat(f.call("{\"action\":\"release\",\"workerId\":\"w3\"}"))
          .isEqualTo("{\"ok\":true,\"released\":true}");
      assertThat(f.call("{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\"x\"}"))
          .isEqualTo("{\"ok\":true,\"value\":1,\"token\":6}");
      assertThat(f.call("{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\"y\"}"))
          .isEqualTo("{\"ok\":true,\"value\":3,\"token\":7}");
      assertThat(f.call("{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\"z\"}"))
          .isEqualTo("{\"ok\":true,\"value\":5,\"token\":8}");
    }

    @Test
    void leasingTheSameKeyAgainRenewsAndAnotherKeyIsRefused() {
      f.call("{\"action\":\"lease\",\"key\":\"a\",\"workerId\":\"w\",\"ttl\":1000}");
      f.clock.advance(Duration.ofMillis(900));
      // A renewal keeps the slot and the token: it is not a new grant.
      assertThat(f.call("{\"action\":\"lease\",\"key\":\"a\",\"workerId\":\"w\",\"ttl\":1000}"))
          .isEqualTo("{\"ok\":true,\"value\":0,\"token\":1}");
      f.clock.advance(Duration.ofMillis(900));
      assertThat(f.call("{\"action\":\"lease\",\"key\":\"a\",\"workerId\":\"other\"}"))
          .isEqualTo("{\"ok\":true,\"value\":1,\"token\":2}");
      assertThat(f.call("{\"action\":\"lease\",\"key\":\"b\",\"workerId\":\"w\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"worker_already_has_lease\"}");
    }

    @Test
    void expiredLeasesAreRecycledAndNotReleasable() {
      f.call("{\"action\":\"lease\",\"key\":\"a\",\"workerId\":\"w0\",\"ttl\":100}");
      f.call("{\"action\":\"lease\",\"key\":\"a\",\"workerId\":\"w1\",\"ttl\":1000}");
      f.clock.advance(Duration.ofMillis(100));
      assertThat(f.call("{\"action\":\"release\",\"workerId\":\"w0\"}"))
          .isEqualTo("{\"ok\":true,\"released\":false}");
      assertThat(f.call("{\"action\":\"lease\",\"key\":\"a\",\"workerId\":\"w2\"}"))
          .isEqualTo("{\"ok\":true,\"value\":0,\"token\":3}");
      // A worker whose lease expired may lease another key.
      f.clock.advance(Duration.ofMillis(1000));
      assertThat(f.call("{\"action\":\"lease\",\"key\":\"b\",\"workerId\":\"w1\"}"))
          .isEqualTo("{\"ok\":true,\"value\":0,\"token\":4}");
    }

    @Test
    void keyAndWorkerAreRequired() {
      for (String req :
          List.of(
              "{\"action\":\"lease\",\"workerId\":\"w\"}",
              "{\"action\":\"lease\",\"key\":\"a\"}",
              "{\"action\":\"lease\",\"key\":\"\",\"workerId\":\"w\"}",
              "{\"action\":\"lease\",\"key\":\"a\",\"workerId\":\"\"}")) {
        assertThat(f.call(req))
            .as(req)
            .isEqualTo("{\"ok\":false,\"error\":\"key_and_worker_required\"}");
      }
      assertThat(f.call("{\"action\":\"release\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"worker_required\"}");
      assertThat(f.call("{\"action\":\"release\",\"workerId\":\"nobody\"}"))
          .isEqualTo("{\"ok\":true,\"released\":false}");
    }

    @Test
    void leaseTtlIsValidated() {
      assertThat(f.call("{\"action\":\"lease\",\"key\":\"a\",\"workerId\":\"w\",\"ttl\":-5}"))
          .isEqualTo("{\"ok\":false,\"error\":\"invalid_ttl\"}");
    }
  }

  @Test
  void unknownOrMissingActionIsUnknownAction() {
    assertThat(f.call("{\"action\":\"frobnicate\"}"))
        .isEqualTo("{\"ok\":false,\"error\":\"unknown_action\"}");
    assertThat(f.call("{\"key\":\"k\"}")).isEqualTo("{\"ok\":false,\"error\":\"unknown_action\"}");
    assertThat(f.call("{\"action\":7}")).isEqualTo("{\"ok\":false,\"error\":\"unknown_action\"}");
  }

  @Test
  void malformedJsonIsInvalidJson() {
    for (String bad :
        List.of(
            "{", "{\"action\":}", "not json", "{\"a\":1}{\"b\":2}", "{'action':'ping'}", "   ")) {
      assertThat(f.call(bad)).as(bad).isEqualTo("{\"ok\":false,\"error\":\"invalid_json\"}");
    }
  }

  @Test
  void linesJsonParseRefusesAreInvalidJsonWhateverEncodingTheyLookLike() throws Exception {
    // JSON.parse refuses a byte order mark and NUL bytes; a byte parser that guesses the
    // encoding from the first bytes would take each of these as {"action":"ping"}.
    String ping = "{\"action\":\"ping\"}";
    assertThat(f.call("\uFEFF" + ping)).isEqualTo("{\"ok\":false,\"error\":\"invalid_json\"}");
    try (WireClient c = f.client()) {
      assertThat(c.call(ping))
          .startsWith("{\"ok\":true"); // a line first: this connection speaks lines
      for (String charset : List.of("UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32LE", "UTF-32BE")) {
        byte[] encoded = ping.getBytes(java.nio.charset.Charset.forName(charset));
        byte[] line = java.util.Arrays.copyOf(encoded, encoded.length + 1);
        line[encoded.length] = '\n';
        c.send(line);
        assertThat(c.readLine()).as(charset).isEqualTo("{\"ok\":false,\"error\":\"invalid_json\"}");
      }
      assertThat(c.call(ping)).startsWith("{\"ok\":true");
    }
  }

  @Test
  void requestIdIsEchoedInTheResponse() {
    assertThat(f.call("{\"action\":\"get\",\"key\":\"nope\",\"id\":\"req-1\"}"))
        .isEqualTo("{\"ok\":false,\"error\":\"not_found\",\"id\":\"req-1\"}");
    assertThat(f.call("{\"id\":{\"trace\":[1,2]},\"action\":\"del\",\"key\":\"x\"}"))
        .isEqualTo("{\"ok\":true,\"deleted\":false,\"id\":{\"trace\":[1,2]}}");
  }
}
