package io.ephemeral.client.service;

import static io.ephemeral.client.service.GatewayFixture.await;
import static io.ephemeral.client.service.ScriptedGateway.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cancellation on the wire, against a scripted gateway: CANCEL frames sent and obeyed. */
class CancellationWireTest {
  @RegisterExtension final Gateways gateways = Gateways.scripted();

  private static final Duration WAIT = Duration.ofSeconds(10);

  private static JsonNode call(String id, String method) {
    return ScriptedGateway.call(id, "X", "A", method, System.currentTimeMillis() + 60_000, 2);
  }

  @Test
  void aCancelledFutureCancelsItsCallAtTheGateway() throws Exception {
    ServiceClient a = gateways.build(gateways.client("A"));
    Peer p = gateways.script().connect(a, WAIT);
    CompletableFuture<JsonNode> f = a.callAsync("B", "slow", null, JsonNode.class);
    JsonNode sent = p.read("CALL", WAIT).message();

    assertThat(f.cancel(true)).isTrue();

    JsonNode cancel = p.read("CANCEL", WAIT).message();
    assertThat(cancel.get("id")).isEqualTo(sent.get("id"));
    assertThat(cancel.get("from").asText()).isEqualTo("A");
    assertThat(cancel.get("to").asText()).isEqualTo("B");
    assertThat(a.getStatus().pendingCalls()).isZero();
  }

  @Test
  void aCallThatTimesOutIsCancelledAtTheGateway() throws Exception {
    ServiceClient a = gateways.build(gateways.client("A"));
    Peer p = gateways.script().connect(a, WAIT);
    CompletableFuture<JsonNode> f =
        a.callAsync(
            CallRequest.of("B", "slow", null).withTimeout(Duration.ofMillis(100)), JsonNode.class);
    JsonNode sent = p.read("CALL", WAIT).message();

    ExecutionException e =
        catchThrowableOfType(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(CallTimeoutException.class);
    assertThat(p.read("CANCEL", WAIT).message().get("id")).isEqualTo(sent.get("id"));
  }

  @Test
  void aCancelInterruptsABlockedHandlerAndOnlyIt() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    AtomicReference<CallContext> context = new AtomicReference<>();
    AtomicBoolean interrupted = new AtomicBoolean();
    AtomicBoolean nextSawInterrupt = new AtomicBoolean(true);
    ServiceClient a = gateways.build(gateways.client("A").handlerThreads(1));
    a.serve(
        "block",
        (params, ctx) -> {
          context.set(ctx);
          running.countDown();
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            interrupted.set(true);
            throw e;
          }
          return null;
        });
    a.serve(
        "next",
        (params, ctx) -> {
          nextSawInterrupt.set(Thread.currentThread().isInterrupted());
          return "ok";
        });
    Peer p = gateways.script().connect(a, WAIT);
    p.send(call("c1", "block"));
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(context.get().isCancelled()).isFalse();

    p.send(obj("type", "CANCEL", "id", "c1", "from", "X", "to", "A"));

    JsonNode response = p.read("RESPONSE", WAIT).message();
    assertThat(response.get("id").asText()).isEqualTo("c1");
    assertThat(response.get("status").asText()).isEqualTo("error");
    assertThat(interrupted).isTrue();
    assertThat(context.get().isCancelled()).isTrue();
    // The same (only) handler thread runs the next call, without a stray interrupt.
    p.send(call("c2", "next"));
    assertThat(p.read("RESPONSE", WAIT).message().get("data").asText()).isEqualTo("ok");
    assertThat(nextSawInterrupt).isFalse();
  }

  /**
   * handlerThreads bounds the handlers running at once, also when a call runs on the connection
   * thread that read it (handed over) while another runs on the pool.
   */
  @Test
  void oneHandlerThreadRunsOneHandlerAtATimeAlsoOnTheConnectionsThreads() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    ServiceClient a = gateways.build(gateways.client("A").handlerThreads(1));
    a.serve(
        "hold",
        (params, ctx) -> {
          most.accumulateAndGet(running.incrementAndGet(), Math::max);
          try {
            release.await();
          } finally {
            running.decrementAndGet();
          }
          return "held";
        });
    a.serve(
        "quick",
        (params, ctx) -> {
          most.accumulateAndGet(running.incrementAndGet(), Math::max);
          running.decrementAndGet();
          return "ok";
        });
    Peer p = gateways.script().connect(a, WAIT);
    // The first call starts the connection's spare thread; later ones may be handed over.
    p.send(call("c0", "quick"));
    assertThat(p.read("RESPONSE", WAIT).message().get("data").asText()).isEqualTo("ok");
    p.send(call("c1", "hold"));
    try {
      await("the first call running", WAIT, () -> running.get() == 1);
      p.send(call("c2", "quick"));
      GatewayFixture.assertNever(
          "a second handler running beside the first",
          Duration.ofMillis(300),
          () -> most.get() > 1);
    } finally {
      release.countDown();
    }
    Set<String> answered = new HashSet<>();
    for (int i = 0; i < 2; i++) {
      answered.add(p.read("RESPONSE", WAIT).message().get("id").asText());
    }
    assertThat(answered).containsExactlyInAnyOrder("c1", "c2");
    assertThat(most).hasValue(1);
  }

  @Test
  void callsNestedInACancelledCallAreCancelledToo() throws Exception {
    CountDownLatch nestedStarted = new CountDownLatch(1);
    AtomicReference<CompletableFuture<JsonNode>> nested = new AtomicReference<>();
    AtomicReference<CallContext> context = new AtomicReference<>();
    CompletableFuture<Object> never = new CompletableFuture<>();
    ServiceClient a = gateways.build(gateways.client("A"));
    a.serve(
        "fanout",
        (params, ctx) -> {
          context.set(ctx);
          nested.set(ctx.callAsync("C", "work", null, JsonNode.class));
          nestedStarted.countDown();
          return never; // answers later, asynchronously
        });
    Peer p = gateways.script().connect(a, WAIT);
    p.send(call("outer", "fanout"));
    assertThat(nestedStarted.await(10, TimeUnit.SECONDS)).isTrue();
    JsonNode nestedCall = p.read("CALL", WAIT).message();
    assertThat(nestedCall.get("to").asText()).isEqualTo("C");

    p.send(obj("type", "CANCEL", "id", "outer", "from", "X", "to", "A"));

    JsonNode cancel = p.read("CANCEL", WAIT).message();
    assertThat(cancel.get("id")).isEqualTo(nestedCall.get("id"));
    assertThat(cancel.get("to").asText()).isEqualTo("C");
    assertThatThrownBy(() -> nested.get().get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(CallCancelledException.class);
    await("the handler's own future to be cancelled", WAIT, never::isCancelled);
    ServiceException late =
        catchThrowableOfType(
            ServiceException.class, () -> context.get().call("C", "more", null, JsonNode.class));
    assertThat(late).isInstanceOf(CallCancelledException.class);
    assertThat(late.code()).isEqualTo(ServiceException.CANCELLED);
  }

  @Test
  void aCancelForAnUnknownCallIsIgnored() throws Exception {
    ServiceClient a = gateways.build(gateways.client("A"));
    a.serve("m", (params, ctx) -> "ok");
    Peer p = gateways.script().connect(a, WAIT);
    p.send(obj("type", "CANCEL", "id", "nothing", "from", "X", "to", "A"));
    p.send(call("c1", "m"));
    assertThat(p.read("RESPONSE", WAIT).message().get("data").asText()).isEqualTo("ok");
  }

  @Test
  void cancellingADoneCallSendsNothing() throws Exception {
    ServiceClient a = gateways.build(gateways.client("A"));
    Peer p = gateways.script().connect(a, WAIT);
    CompletableFuture<JsonNode> f = a.callAsync("B", "m", null, JsonNode.class);
    JsonNode sent = p.read("CALL", WAIT).message();
    p.send(ScriptedGateway.response(sent, "success", 1));
    assertThat(f.get(5, TimeUnit.SECONDS).asInt()).isEqualTo(1);
    f.cancel(true);
    CompletableFuture<JsonNode> g = a.callAsync("B", "m2", null, JsonNode.class);
    // The next frame after the answered call is the next CALL, no CANCEL in between.
    assertThat(p.read(WAIT).message().get("type").asText()).isEqualTo("CALL");
    g.cancel(true);
    assertThat(catchThrowableOfType(CancellationException.class, g::join)).isNotNull();
  }
}
