package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Params and results as raw bytes ({@link Params}, {@link CallHandler}) through the real gateway.
 */
class RawValuesTest {
  @RegisterExtension final Gateways gateways = Gateways.real();

  record Sum(int a, int b) {}

  private ServiceClient connected(String name, Serializer serializer) {
    return gateways.build(gateways.client(name).serializer(serializer));
  }

  @Test
  void jsonParamsTravelAsTheirBytesBothWays() {
    // Spacing, member order and "1.50" would not survive a tree: what arrives is what was sent.
    String text = "{ \"b\" : 1.50 ,\"a\":[ true,null ], \"s\":\"\\u00e9\\n\" }";
    AtomicReference<byte[]> seen = new AtomicReference<>();
    ServiceClient callee = connected("callee", Serializer.JSON);
    callee.serve(
        "echo",
        (params, ctx) -> {
          seen.set(params.bytes());
          return params;
        });
    callee.connect();
    ServiceClient caller = connected("caller", Serializer.JSON);
    caller.connect();

    Params result = caller.call("callee", "echo", Params.json(text), Params.class);

    assertThat(new String(seen.get(), StandardCharsets.UTF_8)).isEqualTo(text);
    assertThat(result.isMessagePack()).isFalse();
    assertThat(new String(result.bytes(), StandardCharsets.UTF_8)).isEqualTo(text);
    assertThat(result.as(Map.class)).containsEntry("b", 1.5).containsEntry("s", "\u00e9\n");
  }

  @Test
  void aMessagePackCalleeGetsMessagePackBytesAndCanAskForJson() {
    AtomicReference<Params> seen = new AtomicReference<>();
    ServiceClient callee = connected("callee", Serializer.MSGPACK);
    callee.serve(
        "add",
        (params, ctx) -> {
          seen.set(params);
          Sum s = params.as(Sum.class);
          return Map.of("total", s.a() + s.b());
        });
    callee.connect();
    ServiceClient caller = connected("caller", Serializer.JSON);
    caller.connect();

    Map<?, ?> total = caller.call("callee", "add", Params.json("{\"a\":2,\"b\":40}"), Map.class);

    assertThat(total).isEqualTo(Map.of("total", 42));
    assertThat(seen.get().isMessagePack()).isTrue();
    assertThat(new String(seen.get().json(), StandardCharsets.UTF_8))
        .isEqualTo("{\"a\":2,\"b\":40}");
  }

  @Test
  void aMessagePackResultIsHandedOnUndecoded() {
    ServiceClient callee = connected("callee", Serializer.MSGPACK);
    callee.serve("sum", (params, ctx) -> new Sum(1, 2));
    callee.connect();
    ServiceClient caller = connected("caller", Serializer.MSGPACK);
    caller.connect();

    Params result = caller.call("callee", "sum", null, Params.class);

    assertThat(result.isMessagePack()).isTrue();
    assertThat(result.as(Sum.class)).isEqualTo(new Sum(1, 2));
    assertThat(result.toString()).isEqualTo("{\"a\":1,\"b\":2}");
  }

  @Test
  void aHandlerWithoutParamsGetsNullAndACallWithoutParamsSendsAnEmptyObject() {
    AtomicReference<Params> seen = new AtomicReference<>();
    ServiceClient callee = connected("callee", Serializer.JSON);
    callee.serve(
        "m",
        (params, ctx) -> {
          seen.set(params);
          return null;
        });
    callee.connect();
    ServiceClient caller = connected("caller", Serializer.JSON);
    caller.connect();

    Params result = caller.call("callee", "m", null, Params.class);

    assertThat(seen.get().toString()).isEqualTo("{}");
    assertThat(result.isNull()).isTrue();
    assertThat(caller.call("callee", "m", null, Sum.class)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "{", "{\"a\":1} {}", "[1,]", "nul", "{\"a\":\u0000}"})
  void jsonTextThatIsNotExactlyOneValueIsRefused(String text) {
    assertThatThrownBy(() -> Params.json(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Not JSON: ");
  }

  @Test
  void paramsThatDoNotFitTheTypeFailWithDeserializationFailed() {
    assertThatThrownBy(() -> Params.json("{\"a\":\"x\"}").as(Sum.class))
        .isInstanceOf(ServiceException.class)
        .satisfies(
            e ->
                assertThat(((ServiceException) e).code())
                    .isEqualTo(ServiceException.DESERIALIZATION_FAILED))
        .hasMessageContaining(Sum.class.getName());
  }

  @Test
  void callTimeoutsStillApplyToRawCalls() {
    ServiceClient callee = connected("callee", Serializer.JSON);
    callee.serve("slow", (params, ctx) -> new java.util.concurrent.CompletableFuture<>());
    callee.connect();
    ServiceClient caller = connected("caller", Serializer.JSON);
    caller.connect();

    assertThatThrownBy(
            () ->
                caller.call(
                    CallRequest.of("callee", "slow", Params.emptyObject())
                        .withTimeout(Duration.ofMillis(200)),
                    Params.class))
        .isInstanceOf(ServiceException.class)
        .hasMessageContaining("Request timeout after 200ms");
  }
}
