package io.ephemeral.client.service;

import static io.ephemeral.client.service.GatewayFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cancellation and deadlines end to end, through the real gateway. */
class CancellationTest {
  @RegisterExtension final Gateways gateways = Gateways.real();

  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Connects service {@code name} serving {@code method} with {@code handler}. */
  private void serve(String name, String method, CallHandler handler) {
    ServiceClient c = gateways.build(gateways.client(name));
    c.serve(method, handler);
    c.connect();
  }

  /** A service whose "block" handler sleeps until interrupted, recording what it saw. */
  private static final class Blocker {
    final CountDownLatch running = new CountDownLatch(1);
    final CountDownLatch interrupted = new CountDownLatch(1);
    final AtomicBoolean sawCancelled = new AtomicBoolean();

    CallHandler handler() {
      return (params, ctx) -> {
        running.countDown();
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          sawCancelled.set(ctx.isCancelled());
          interrupted.countDown();
          throw e;
        }
        return "finished";
      };
    }
  }

  @Test
  void cancellingAFutureInterruptsTheBlockedHandlerOfTheCallee() throws Exception {
    Blocker blocker = new Blocker();
    serve("B", "block", blocker.handler());
    ServiceClient a = gateways.connected(gateways.client("A"));

    CompletableFuture<String> f = a.callAsync("B", "block", null, String.class);
    assertThat(blocker.running.await(10, TimeUnit.SECONDS)).isTrue();
    f.cancel(true);

    assertThat(blocker.interrupted.await(10, TimeUnit.SECONDS))
        .as("the handler's thread is interrupted")
        .isTrue();
    assertThat(blocker.sawCancelled).isTrue();
    await("the gateway to forget the call", WAIT, () -> gateways.fixture().pendingCalls() == 0);
  }

  @Test
  void aCallerTimeoutStopsTheCalleesHandler() throws Exception {
    Blocker blocker = new Blocker();
    serve("B", "block", blocker.handler());
    ServiceClient a = gateways.connected(gateways.client("A"));

    assertThatThrownBy(
            () ->
                a.call(
                    CallRequest.of("B", "block", null).withTimeout(Duration.ofMillis(300)),
                    String.class))
        .isInstanceOf(CallTimeoutException.class);
    assertThat(blocker.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aCancelledCallCancelsTheCallsNestedInIt() throws Exception {
    Blocker leaf = new Blocker();
    serve("C", "block", leaf.handler());
    Blocker middle = new Blocker();
    serve(
        "B",
        "relay",
        (params, ctx) -> {
          middle.running.countDown();
          try {
            return ctx.call("C", "block", null, String.class); // blocks in the nested call
          } catch (ServiceException e) {
            middle.sawCancelled.set(ctx.isCancelled());
            middle.interrupted.countDown();
            throw e;
          }
        });
    ServiceClient a = gateways.connected(gateways.client("A"));

    CompletableFuture<String> f = a.callAsync("B", "relay", null, String.class);
    assertThat(leaf.running.await(10, TimeUnit.SECONDS)).isTrue();
    f.cancel(true);

    assertThat(middle.interrupted.await(10, TimeUnit.SECONDS))
        .as("B's nested call gave up")
        .isTrue();
    assertThat(middle.sawCancelled).isTrue();
    assertThat(leaf.interrupted.await(10, TimeUnit.SECONDS))
        .as("C, two hops away, was told too")
        .isTrue();
    assertThat(leaf.sawCancelled).isTrue();
    await("the gateway to forget both calls", WAIT, () -> gateways.fixture().pendingCalls() == 0);
  }

  @Test
  void aProxyCallInterruptedWhileWaitingCancelsTheCall() throws Exception {
    Blocker blocker = new Blocker();
    serve("B", "block", blocker.handler());
    ServiceClient a = gateways.connected(gateways.client("A"));
    Thread caller =
        new Thread(
            () -> {
              try {
                a.call("B", "block", null, JsonNode.class);
              } catch (ServiceException expected) {
                // interrupted
              }
            });
    caller.start();
    assertThat(blocker.running.await(10, TimeUnit.SECONDS)).isTrue();
    caller.interrupt();
    assertThat(blocker.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
    caller.join(10_000);
  }
}
