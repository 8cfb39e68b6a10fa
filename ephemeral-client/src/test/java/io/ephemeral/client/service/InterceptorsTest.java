package io.ephemeral.client.service;

import static io.ephemeral.client.service.ScriptedGateway.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Call and serve interceptors, and the W3C trace context they carry, through the real gateway. */
class InterceptorsTest {
  @RegisterExtension final Gateways gateways = Gateways.real();

  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void interceptorsRunInOrderAroundTheCallAndTheHandler() {
    List<String> log = new CopyOnWriteArrayList<>();
    ServiceClient callee =
        gateways.build(
            gateways
                .client("B")
                .serveInterceptor(
                    chain -> {
                      log.add("serve1>" + chain.call().method());
                      Object r = chain.proceed(chain.call());
                      log.add("<serve1");
                      return r;
                    })
                .serveInterceptor(
                    chain -> {
                      log.add("serve2>");
                      return chain.proceed(chain.call().withParams(Params.json("{\"n\":2}")));
                    }));
    callee.serve(
        "m",
        (params, ctx) -> {
          log.add("handler " + params);
          return "done";
        });
    callee.connect();
    ServiceClient caller =
        gateways.build(
            gateways
                .client("A")
                .interceptor(
                    chain -> {
                      log.add("call1>" + chain.call().service() + "." + chain.call().method());
                      return chain
                          .proceed(chain.call().withParams(Map.of("n", 1)))
                          .whenComplete((r, e) -> log.add("<call1 " + r));
                    })
                .interceptor(
                    chain -> {
                      log.add("call2> " + chain.call().params());
                      return chain.proceed(chain.call());
                    }));
    caller.connect();

    assertThat(caller.call("B", "m", Map.of("n", 0), String.class)).isEqualTo("done");
    assertThat(log)
        .containsExactly(
            "call1>B.m",
            "call2> {n=1}",
            "serve1>m",
            "serve2>",
            "handler {\"n\":2}",
            "<serve1",
            "<call1 \"done\"");
  }

  @Test
  void aCallInterceptorMayAnswerWithoutCallingAndMayRetry() {
    AtomicInteger served = new AtomicInteger();
    ServiceClient callee = gateways.build(gateways.client("B"));
    callee.serve(
        "flaky",
        (params, ctx) -> {
          if (served.incrementAndGet() == 1) {
            throw new ServiceException("E_BUSY", "try again");
          }
          return "second time";
        });
    callee.connect();
    ServiceClient caller =
        gateways.build(
            gateways
                .client("A")
                .interceptor(
                    chain ->
                        chain.call().method().equals("cached")
                            ? CompletableFuture.completedFuture(Params.json("\"from cache\""))
                            : chain
                                .proceed(chain.call())
                                .exceptionallyCompose(e -> chain.proceed(chain.call()))));
    caller.connect();

    assertThat(caller.call("B", "cached", null, String.class)).isEqualTo("from cache");
    assertThat(caller.call("B", "flaky", null, String.class)).isEqualTo("second time");
    assertThat(served).hasValue(2);
  }

  @Test
  void interceptorFailuresFailTheCallWithAClearError() {
    ServiceClient callee =
        gateways.build(
            gateways
                .client("B")
                .serveInterceptor(
                    chain -> {
                      if (chain.call().context().caller().equals("A")) {
                        throw new ServiceException("E_DENIED", "A may not call B");
                      }
                      return chain.proceed(chain.call());
                    }));
    callee.serve("m", (params, ctx) -> "ok");
    callee.connect();
    ServiceClient a = gateways.build(gateways.client("A"));
    a.connect();
    assertThatThrownBy(() -> a.call("B", "m", null, String.class))
        .isInstanceOf(ServiceException.class)
        .hasMessage("A may not call B");

    CallInterceptor broken =
        new CallInterceptor() {
          @Override
          public CompletableFuture<Params> intercept(Chain chain) {
            throw new IllegalStateException("oops");
          }

          @Override
          public String toString() {
            return "broken";
          }
        };
    ServiceClient c = gateways.build(gateways.client("C").interceptor(broken));
    c.connect();
    assertThatThrownBy(() -> c.call("B", "m", null, String.class))
        .isInstanceOf(ServiceException.class)
        .hasMessage("Call interceptor broken failed: oops")
        .satisfies(
            e ->
                assertThat(((ServiceException) e).code())
                    .isEqualTo(ServiceException.INTERNAL_ERROR));
    ServiceClient d =
        gateways.build(
            gateways
                .client("D")
                .interceptor(
                    chain ->
                        chain.proceed(
                            new OutgoingCall(
                                "elsewhere", "m", null, null, 1000, Long.MAX_VALUE, null, null))));
    d.connect();
    assertThatThrownBy(() -> d.call("B", "m", null, String.class))
        .hasMessageContaining("may not change a call's target");
  }

  @Test
  void aTraceStartedByTheCallerReachesEveryServiceOfTheRequest() {
    AtomicReference<CallContext> atB = new AtomicReference<>();
    AtomicReference<CallContext> atC = new AtomicReference<>();
    ServiceClient c = gateways.build(gateways.client("C"));
    c.serve(
        "leaf",
        (params, ctx) -> {
          atC.set(ctx);
          return "leaf";
        });
    c.connect();
    ServiceClient b = gateways.build(gateways.client("B")); // no interceptor: copies the trace
    b.serve(
        "mid",
        (params, ctx) -> {
          atB.set(ctx);
          return ctx.call("C", "leaf", null, String.class);
        });
    b.connect();
    ServiceClient a = gateways.build(gateways.client("A").interceptor(TraceContext.propagator()));
    a.connect();

    assertThat(a.call("B", "mid", null, String.class)).isEqualTo("leaf");
    assertThat(TraceContext.isValid(atB.get().traceparent())).isTrue();
    assertThat(atB.get().traceId()).hasSize(32);
    assertThat(atC.get().traceparent()).isEqualTo(atB.get().traceparent());

    // With the propagator, each hop gets a new parent id under the same trace id.
    ServiceClient b2 = gateways.build(gateways.client("B2").interceptor(TraceContext.propagator()));
    b2.serve("mid", (params, ctx) -> ctx.call("C", "leaf", null, String.class));
    b2.connect();
    a.call("B2", "mid", null, String.class);
    assertThat(atC.get().traceId()).isNotEqualTo(atB.get().traceId()); // a new request
    String hop = atC.get().traceparent();
    assertThat(hop.substring(36, 52)).isNotEqualTo("0000000000000000");
  }

  @Test
  void theTraceContextTravelsInTheCallsContextAndABadOneIsIgnored() throws Exception {
    try (ScriptedGateway scripted = new ScriptedGateway()) {
      ServiceClient a = gateways.build(scripted.client("A"));
      AtomicReference<CallContext> seen = new AtomicReference<>();
      a.serve(
          "m",
          (params, ctx) -> {
            seen.set(ctx);
            return null;
          });
      Peer p = scripted.connect(a, WAIT);
      String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      CallContext parent =
          CallContext.of("root-1", List.of("X"), 1, System.currentTimeMillis() + 60_000)
              .withTrace(tp, "vendor=1");
      a.callAsync("B", "m", null, Object.class, parent);
      var context = p.read("CALL", WAIT).message().get("context");
      assertThat(context.get("traceparent").asText()).isEqualTo(tp);
      assertThat(context.get("tracestate").asText()).isEqualTo("vendor=1");

      for (String bad : new String[] {"garbage", tp.toUpperCase(), "ff" + tp.substring(2)}) {
        p.send(
            obj(
                "type",
                "CALL",
                "id",
                "c-" + bad,
                "from",
                "X",
                "to",
                "A",
                "method",
                "m",
                "params",
                Map.of(),
                "context",
                Map.of(
                    "root",
                    "r",
                    "chain",
                    List.of("X"),
                    "depth",
                    2,
                    "deadline",
                    System.currentTimeMillis() + 60_000,
                    "traceparent",
                    bad,
                    "tracestate",
                    "x=1")));
        p.read("RESPONSE", WAIT);
        assertThat(seen.get().traceparent()).as(bad).isNull();
        assertThat(seen.get().tracestate()).as(bad).isNull();
      }
    }
  }

  @Test
  void traceparentsAreCheckedAsW3cSays() {
    assertThat(TraceContext.isValid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        .isTrue();
    assertThat(TraceContext.isValid("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"))
        .as("a later version may append fields")
        .isTrue();
    assertThat(TraceContext.isValid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"))
        .as("version 00 may not")
        .isFalse();
    assertThat(TraceContext.isValid("00-00000000000000000000000000000000-00f067aa0ba902b7-01"))
        .isFalse();
    assertThat(TraceContext.isValid("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"))
        .isFalse();
    assertThat(TraceContext.isValid(TraceContext.newTraceparent())).isTrue();
    String child = TraceContext.childOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    assertThat(child).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").endsWith("-01");
    assertThatThrownBy(() -> TraceContext.childOf("nope"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
