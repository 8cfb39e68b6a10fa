package io.ephemeral.spring.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.ServicesReport;
import io.ephemeral.client.service.CallContext;
import io.ephemeral.client.service.CallTimeoutException;
import io.ephemeral.client.service.Params;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceException;
import io.ephemeral.client.service.TraceContext;
import io.ephemeral.client.service.ValueMapper;
import io.ephemeral.spring.BrokerPipe;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;

/**
 * The starter in a real Spring Boot application (run on Boot 4 with Jackson 3 and on Boot 3.5 with
 * Jackson 2): an embedded broker, the application's {@code @BrokerService} served, an injected
 * proxy, the application's own mapper, meters, health and trace ids. A plain ServiceClient plays
 * the other services.
 */
@SpringBootTest(
    classes = UsersApplication.class,
    properties = {
      "ephemeral.embedded=true",
      "ephemeral.timeout=3s",
      "spring.jackson.property-naming-strategy=SNAKE_CASE"
    })
class UsersApplicationTest {
  @Autowired ApplicationContext context;
  @Autowired BrokerPipe pipe;
  @Autowired BrokerClient broker;
  @Autowired ServiceClient service;
  @Autowired Orders orders;
  @Autowired MeterRegistry meters;

  private ServiceClient peer;
  private final AtomicReference<CallContext> orderContext = new AtomicReference<>();

  @BeforeEach
  void peer() {
    peer =
        ServiceClient.builder()
            .serviceName("orders")
            .gateway(pipe.path())
            .environment(Map.of())
            .timeout(Duration.ofSeconds(10))
            .interceptor(TraceContext.propagator()) // a caller that starts traces
            .valueMapper(context.getBean(ValueMapper.class)) // and names members as the app does
            .build();
    peer.serve(
        "place",
        (params, ctx) -> {
          orderContext.set(ctx);
          Map<?, ?> p = params.as(Map.class);
          return "order of " + p.get("item") + " for " + p.get("forService");
        });
    peer.serve("count", (params, ctx) -> 7);
    peer.serve("hang", (params, ctx) -> new CompletableFuture<>());
    peer.connect();
  }

  @AfterEach
  void closePeer() {
    peer.close();
  }

  @Test
  void theApplicationIsTheServiceItsBeanImplements() {
    assertThat(service.serviceName()).isEqualTo("users");
    ServicesReport report = broker.services();
    assertThat(report.services())
        .anySatisfy(
            s -> {
              assertThat(s.name()).isEqualTo("users");
              assertThat(s.methods()).contains("get", "order", "fail", "trace");
            });
  }

  @Test
  void valuesAreMappedByTheApplicationsOwnMapperOnItsJacksonLine() {
    ValueMapper mapper = context.getBean(ValueMapper.class);
    String expected =
        "3".equals(System.getProperty("expected.jackson")) ? "Jackson3Values" : "Jackson2Values";
    assertThat(mapper.getClass().getSimpleName()).isEqualTo(expected);
    // SNAKE_CASE is the application's setting: it shapes what the service reads and writes.
    Params user = peer.call("users", "get", Params.json("{\"user_id\":3}"), Params.class);
    assertThat(new String(user.json(), StandardCharsets.UTF_8))
        .isEqualTo("{\"user_id\":3,\"display_name\":\"user 3\"}");
  }

  @Test
  void theInjectedProxyCallsTheOtherServiceNestedInTheCurrentCall() throws Exception {
    assertThat(orders.count().get(10, TimeUnit.SECONDS)).isEqualTo(7);
    String placed = peer.call("users", "order", "book", String.class);
    assertThat(placed).isEqualTo("order of book for users");
    assertThat(orderContext.get().chain()).containsExactly("orders", "orders", "users");
  }

  @Test
  void callsTimeOutAfterEphemeralTimeout() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> orders.hang())
        .isInstanceOf(CallTimeoutException.class)
        .hasMessageContaining("3000ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
  }

  @Test
  void callsMadeAndServedAreMetered() {
    peer.call("users", "get", Map.of("user_id", 1), Object.class);
    assertThatThrownBy(() -> peer.call("users", "fail", null, Object.class))
        .isInstanceOf(ServiceException.class)
        .hasMessage("there is no such thing");
    orders.count().join();

    assertThat(
            meters
                .get("ephemeral.calls.served")
                .tags("service", "users", "method", "get")
                .timer()
                .count())
        .isPositive();
    assertThat(
            meters
                .get("ephemeral.call.errors")
                .tags("side", "served", "method", "fail", "code", "E_NO_SUCH_THING")
                .counter()
                .count())
        .isPositive();
    assertThat(
            meters
                .get("ephemeral.calls.made")
                .tags("service", "orders", "method", "count")
                .timer()
                .count())
        .isPositive();
    assertThat(meters.get("ephemeral.broker.services").gauge().value()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void theHealthIndicatorReportsTheBrokerAndTheService() throws Exception {
    Object indicator = context.getBean("ephemeralHealthIndicator");
    Method healthMethod = indicator.getClass().getMethod("health");
    healthMethod.setAccessible(true);
    Object health = healthMethod.invoke(indicator);
    Object status = health.getClass().getMethod("getStatus").invoke(health);
    Map<?, ?> details = (Map<?, ?>) health.getClass().getMethod("getDetails").invoke(health);
    assertThat(status.getClass().getMethod("getCode").invoke(status)).isEqualTo("UP");
    assertThat(details.get("pipe")).isEqualTo(pipe.path().toString());
    assertThat(details.get("service")).isEqualTo("users");
    assertThat(indicator.getClass().getSimpleName())
        .isEqualTo("Boot" + System.getProperty("expected.boot") + "Health");
  }

  @Test
  void aServedCallHasItsTraceIdInTheLoggingMdc() {
    Users.Trace trace = peer.proxy(Users.class).trace();
    assertThat(trace.contextTraceId()).hasSize(32);
    assertThat(trace.mdcTraceId()).isEqualTo(trace.contextTraceId());
  }
}
