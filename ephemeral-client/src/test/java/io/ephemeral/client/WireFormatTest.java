package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The exact bytes on the wire, and response handling, against a scripted peer. */
class WireFormatTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final ObjectMapper JSON = new ObjectMapper();

  private FakeBroker fake;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeBroker();
  }

  @AfterEach
  void stop() throws Exception {
    fake.close();
  }

  /** Runs {@code call}, answers its single request with {@code reply}, returns the request. */
  private static String exchange(FakeBroker.Conn conn, CompletableFuture<?> call, String reply)
      throws Exception {
    String line = conn.readLine();
    conn.write(reply);
    call.get(5, TimeUnit.SECONDS);
    return line;
  }

  @Test
  void requestsUseTheNodeClientMemberOrder() throws Exception {
    try (BrokerClient c = fake.client().allowNoTtl(true).build()) {
      CompletableFuture<Void> first = c.setAsync("k", Map.of("a", 1), MINUTE);
      FakeBroker.Conn conn = fake.accept();
      String ok = "{\"ok\":true}";
      assertThat(exchange(conn, first, ok))
          .isEqualTo(
              "{\"action\":\"set\",\"key\":\"k\",\"value\":{\"a\":1},\"ttl\":60000,"
                  + "\"compressed\":false,\"beforeSize\":0,\"afterSize\":0}");
      assertThat(exchange(conn, c.setAsync("k", 1), ok))
          .isEqualTo(
              "{\"action\":\"set\",\"key\":\"k\",\"value\":1,"
                  + "\"compressed\":false,\"beforeSize\":0,\"afterSize\":0}");
      assertThat(exchange(conn, c.setRawAsync("k", " [ 1 , 2 ] ", Duration.ofMillis(1)), ok))
          .isEqualTo(
              "{\"action\":\"set\",\"key\":\"k\",\"value\": [ 1 , 2 ] ,\"ttl\":1,"
                  + "\"compressed\":false,\"beforeSize\":0,\"afterSize\":0}");
      assertThat(
              exchange(conn, c.getRawAsync("k"), "{\"ok\":true,\"value\":1,\"compressed\":false}"))
          .isEqualTo("{\"action\":\"get\",\"key\":\"k\"}");
      assertThat(exchange(conn, c.delAsync("k"), ok))
          .isEqualTo("{\"action\":\"del\",\"key\":\"k\"}");
      assertThat(
              exchange(
                  conn, c.leaseAsync("p", "w", Duration.ofSeconds(2)), "{\"ok\":true,\"value\":3}"))
          .isEqualTo("{\"action\":\"lease\",\"key\":\"p\",\"workerId\":\"w\",\"ttl\":2000}");
      assertThat(exchange(conn, c.leaseAsync("p", "w"), "{\"ok\":true,\"value\":3}"))
          .isEqualTo("{\"action\":\"lease\",\"key\":\"p\",\"workerId\":\"w\"}");
      assertThat(exchange(conn, c.releaseAsync("w"), "{\"ok\":true,\"released\":true}"))
          .isEqualTo("{\"action\":\"release\",\"workerId\":\"w\"}");
      assertThat(exchange(conn, c.listAsync(), "{\"ok\":true,\"items\":{}}"))
          .isEqualTo("{\"action\":\"list\"}");
      assertThat(exchange(conn, c.pingAsync(), "{\"ok\":true,\"pong\":5}"))
          .isEqualTo("{\"action\":\"ping\"}");
      assertThat(exchange(conn, c.statsAsync(), "{\"ok\":true,\"stats\":{}}"))
          .isEqualTo("{\"action\":\"stats\"}");
      assertThat(exchange(conn, c.healthAsync(), "{\"ok\":true,\"status\":\"healthy\"}"))
          .isEqualTo("{\"action\":\"health\"}");
      assertThat(
              exchange(
                  conn,
                  c.metricsAsync(),
                  "{\"ok\":true,\"metrics\":\"\",\"format\":\"prometheus\"}"))
          .isEqualTo("{\"action\":\"metrics\"}");
    }
  }

  @Test
  void stringsAreEscapedLikeJsonStringify() throws Exception {
    try (BrokerClient c = fake.client().build()) {
      CompletableFuture<String> get =
          c.getRawAsync("q\"b\\s\n\u0001\u00e9\u2028\uD83D\uDE00\uD800");
      String line = exchange(fake.accept(), get, "{\"ok\":true,\"value\":1}");
      assertThat(line)
          .isEqualTo(
              "{\"action\":\"get\",\"key\":\"q\\\"b\\\\s\\n\\u0001\u00e9\u2028\uD83D\uDE00\\ud800\"}");
    }
  }

  @Test
  void signedRequestsAppendTheHmacOfTheUnsignedLine() throws Exception {
    try (BrokerClient c = fake.client().secret("s3cret").build()) {
      CompletableFuture<Void> set = c.setAsync("k", List.of(1.5, "\u00e9"), MINUTE);
      String line = exchange(fake.accept(), set, "{\"ok\":true}");
      String payload =
          "{\"action\":\"set\",\"key\":\"k\",\"value\":[1.5,\"\u00e9\"],\"ttl\":60000,"
              + "\"compressed\":false,\"beforeSize\":0,\"afterSize\":0}";
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String hex = HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
      assertThat(line)
          .isEqualTo(payload.substring(0, payload.length() - 1) + ",\"hmac\":\"" + hex + "\"}");
    }
  }

  @Test
  void compressedSetCarriesBase64GzipAndTheSizes() throws Exception {
    try (BrokerClient c = fake.client().build()) {
      List<String> value = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        value.add("item-" + i);
      }
      String json = JSON.writeValueAsString(value);
      CompletableFuture<Void> set = c.setAsync("big", value, MINUTE);
      JsonNode req = JSON.readTree(exchange(fake.accept(), set, "{\"ok\":true}"));
      List<String> names = new ArrayList<>();
      req.fieldNames().forEachRemaining(names::add);
      assertThat(names)
          .containsExactly(
              "action", "key", "value", "ttl", "compressed", "beforeSize", "afterSize");
      String b64 = req.get("value").asText();
      try (GZIPInputStream in =
          new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(b64)))) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(json);
      }
      assertThat(req.get("compressed").asBoolean()).isTrue();
      assertThat(req.get("beforeSize").asInt()).isEqualTo(json.length());
      assertThat(req.get("afterSize").asInt()).isEqualTo(b64.length());
    }
  }

  @Test
  void pipelinedRepliesAreMatchedInOrder() throws Exception {
    try (BrokerClient c = fake.client().build()) {
      List<CompletableFuture<String>> calls = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        calls.add(c.getRawAsync("k" + i));
      }
      FakeBroker.Conn conn = fake.accept();
      for (int i = 0; i < 50; i++) {
        assertThat(conn.readLine()).isEqualTo("{\"action\":\"get\",\"key\":\"k" + i + "\"}");
      }
      StringBuilder all = new StringBuilder();
      for (int i = 0; i < 50; i++) {
        all.append("{\"ok\":true,\"value\":\"v").append(i).append("\",\"compressed\":false}\n");
      }
      conn.write(all.substring(0, all.length() - 1)); // one write, many lines
      for (int i = 0; i < 50; i++) {
        assertThat(calls.get(i).get(5, TimeUnit.SECONDS)).isEqualTo("\"v" + i + "\"");
      }
    }
  }

  @Test
  void aTimedOutRequestKeepsItsSlot() throws Exception {
    try (BrokerClient c = fake.client().timeout(Duration.ofMillis(300)).build()) {
      CompletableFuture<String> slow = c.getRawAsync("slow");
      FakeBroker.Conn conn = fake.accept();
      conn.readLine();
      assertThat(slow)
          .failsWithin(5, TimeUnit.SECONDS)
          .withThrowableThat()
          .havingCause()
          .isInstanceOfSatisfying(
              BrokerConnectionException.class, e -> assertThat(e.code()).isEqualTo("ETIMEOUT"));
      CompletableFuture<String> next = c.getRawAsync("next");
      assertThat(conn.readLine()).contains("next");
      conn.write("{\"ok\":true,\"value\":\"for slow\",\"compressed\":false}");
      conn.write("{\"ok\":true,\"value\":\"for next\",\"compressed\":false}");
      assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("\"for next\"");
    }
  }

  @Test
  void anUnsolicitedLineDropsTheConnection() throws Exception {
    try (BrokerClient c = fake.client().build()) {
      CompletableFuture<Long> ping = c.pingAsync();
      FakeBroker.Conn first = fake.accept();
      exchange(first, ping, "{\"ok\":true,\"pong\":1}");
      first.write("{\"ok\":true,\"pong\":2}"); // answers nothing
      first.awaitClosedByClient();
      CompletableFuture<Long> again = c.pingAsync();
      FakeBroker.Conn second = fake.accept();
      exchange(second, again, "{\"ok\":true,\"pong\":3}");
      assertThat(again.get()).isEqualTo(3);
    }
  }

  @Test
  void responseValuesAreReturnedAsTheBrokerWroteThem() throws Exception {
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("{\"ok\":true,\"value\":12.5e3,\"compressed\":false}", "12.5e3");
    cases.put("{\"ok\":true,\"value\":-7}", "-7");
    cases.put("{\"ok\":true,\"value\":true,\"compressed\":false}", "true");
    cases.put("{\"ok\":true,\"value\":null,\"compressed\":false}", "null");
    cases.put(
        "{\"ok\":true, \"value\" : [1, {\"a\":\"}\"}] , \"compressed\":false}",
        "[1, {\"a\":\"}\"}]");
    cases.put("{\"value\":\"\\u00e9\\\"\",\"ok\":true}", "\"\\u00e9\\\"\"");
    cases.put("{\"ok\":true,\"compressed\":false}", null);
    try (BrokerClient c = fake.client().build()) {
      CompletableFuture<String> first = c.getRawAsync("k");
      FakeBroker.Conn conn = fake.accept();
      boolean firstCall = true;
      for (Map.Entry<String, String> e : cases.entrySet()) {
        CompletableFuture<String> call = firstCall ? first : c.getRawAsync("k");
        firstCall = false;
        exchange(conn, call, e.getKey());
        assertThat(call.get()).as(e.getKey()).isEqualTo(e.getValue());
      }
    }
  }

  @Test
  void invalidResponsesAndErrorsWithoutCode() throws Exception {
    try (BrokerClient c = fake.client().build()) {
      CompletableFuture<Long> bad = c.pingAsync();
      FakeBroker.Conn conn = fake.accept();
      conn.readLine();
      conn.write("this is not json");
      assertThat(bad)
          .failsWithin(5, TimeUnit.SECONDS)
          .withThrowableThat()
          .havingCause()
          .isInstanceOfSatisfying(
              BrokerConnectionException.class, e -> assertThat(e.code()).isEqualTo("EPROTO"))
          .withMessageContaining("this is not json");
      assertThat(conn.pollLine(Duration.ofMillis(200))).as("not retried").isNull();

      CompletableFuture<Long> failed = c.pingAsync();
      conn.readLine();
      conn.write("{\"ok\":false}");
      assertThat(failed)
          .failsWithin(5, TimeUnit.SECONDS)
          .withThrowableThat()
          .havingCause()
          .isInstanceOfSatisfying(
              BrokerException.class, e -> assertThat(e.code()).isEqualTo("request_failed"));

      CompletableFuture<Long> described = c.pingAsync();
      conn.readLine();
      conn.write(
          "{\"ok\":false,\"error\":\"invalid_request\",\"message\":\"ttl must be a number\"}");
      assertThat(described)
          .failsWithin(5, TimeUnit.SECONDS)
          .withThrowableThat()
          .havingCause()
          .isExactlyInstanceOf(BrokerException.class)
          .withMessage("ping failed: invalid_request (ttl must be a number)");
    }
  }
}
