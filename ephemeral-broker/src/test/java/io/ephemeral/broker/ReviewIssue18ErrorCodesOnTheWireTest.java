package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.protocol.ErrorCodes;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Review issue #18: error codes followed no stated convention. Every code the broker puts on the
 * wire, including its own refusals, must be one of {@link ErrorCodes} (whose convention is checked
 * in the protocol module), never an ad-hoc string.
 */
class ReviewIssue18ErrorCodesOnTheWireTest {

  private static Set<String> known() throws IllegalAccessException {
    Set<String> codes = new HashSet<>();
    for (Field f : ErrorCodes.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        codes.add((String) f.get(null));
      }
    }
    return codes;
  }

  private static String code(String line) {
    return BrokerFixture.JSON.valueToTree(parse(line)).get("error").asText();
  }

  private static Object parse(String line) {
    try {
      return BrokerFixture.JSON.readValue(line, Object.class);
    } catch (java.io.IOException e) {
      throw new AssertionError(line, e);
    }
  }

  @Test
  void everyErrorOnTheWireIsAKnownSnakeCaseCode() throws Exception {
    Set<String> known = known();
    Set<String> seen = new HashSet<>();
    try (BrokerFixture f =
        new BrokerFixture(b -> b.maxValueSize(8).maxItems(1).maxConnections(2))) {
      for (String request :
          List.of(
              "{nope",
              "[1]",
              "{\"action\":\"fly\"}",
              "{\"action\":\"get\",\"key\":\"none\"}",
              "{\"action\":\"set\",\"key\":\"k\",\"value\":1}",
              "{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":-1}",
              "{\"action\":\"set\",\"key\":\"k\",\"value\":\"far too long\",\"ttl\":1000}",
              "{\"action\":\"set\",\"key\":\"a\",\"value\":1,\"ttl\":1000}",
              "{\"action\":\"set\",\"key\":\"b\",\"value\":1,\"ttl\":1000}",
              "{\"action\":\"lease\",\"key\":\"pool\"}",
              "{\"action\":\"release\"}",
              "{\"action\":\"lease\",\"key\":\"p\",\"workerId\":\"w\",\"size\":0}",
              "{\"action\":\"lease\",\"key\":\"p\",\"workerId\":\"w\",\"wait\":-5}")) {
        String line = f.call(request);
        if (line.startsWith("{\"ok\":false")) {
          seen.add(code(line));
        }
      }
      // The broker's own refusals of a connection: over the limit (the fixture's two are open)...
      f.client().call("{\"action\":\"ping\"}");
      try (WireClient extra = new WireClient(f.socket)) {
        seen.add(code(extra.call("{\"action\":\"ping\"}")));
      }
    }
    try (BrokerFixture f = new BrokerFixture(b -> b)) {
      // ... and while draining.
      f.broker.drain(Duration.ofSeconds(5));
      try (WireClient late = new WireClient(f.socket)) {
        seen.add(code(late.call("{\"action\":\"ping\"}")));
      }
    }
    assertThat(seen)
        .contains(
            ErrorCodes.INVALID_JSON,
            ErrorCodes.INVALID_REQUEST,
            ErrorCodes.UNKNOWN_ACTION,
            ErrorCodes.NOT_FOUND,
            ErrorCodes.TTL_REQUIRED,
            ErrorCodes.INVALID_TTL,
            ErrorCodes.TOO_LARGE,
            ErrorCodes.MAX_ITEMS,
            ErrorCodes.KEY_AND_WORKER_REQUIRED,
            ErrorCodes.WORKER_REQUIRED,
            ErrorCodes.TOO_MANY_CONNECTIONS,
            ErrorCodes.DRAINING);
    assertThat(known).containsAll(seen);
    assertThat(seen).allMatch(c -> c.matches("[a-z]+(_[a-z]+)*"));
  }
}
