package io.ephemeral.broker;

import static io.ephemeral.broker.FrameClient.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Nothing a request, a timer or a loop task runs into stops the broker, errors such as {@link
 * OutOfMemoryError} included: the request is answered with an error, the connection stays usable,
 * and the loop goes on. Before, a request continued after a lease wait ran outside the
 * per-connection guard, and a failure there (an OutOfMemoryError with a full heap, in the issue)
 * ended the event loop and with it the broker; timers and loop tasks had the same exposure.
 */
class LoopSurvivalTest {

  /** Thrown where the heap would run out: the broker must treat it as any other failure. */
  private static OutOfMemoryError heapFull() {
    return new OutOfMemoryError("Java heap space (thrown by the test)");
  }

  @Test
  void aRequestContinuedAfterALeaseWaitThatFailsIsAnsweredAndTheLoopGoesOn() throws IOException {
    try (BrokerFixture f =
        new BrokerFixture(
            b ->
                b.action(
                    "boom",
                    request -> {
                      throw heapFull();
                    }))) {
      WireClient holder = f.client();
      assertThat(
              holder.call(
                  "{\"action\":\"lease\",\"key\":\"p\",\"workerId\":\"w1\",\"size\":1,\"ttl\":60000}"))
          .startsWith("{\"ok\":true,\"value\":0");
      WireClient waiter = f.client();
      // The lease waits for the slot; "boom" waits behind it and runs when the slot is granted.
      waiter.send(
          "{\"action\":\"lease\",\"key\":\"p\",\"workerId\":\"w2\",\"size\":1,\"ttl\":60000,\"wait\":30000}\n"
              + "{\"action\":\"boom\",\"id\":\"b1\"}\n");
      Awaits.until(
          "the lease to wait",
          () -> f.callJson("{\"action\":\"stats\"}").get("stats").get("leaseWaiters").asInt() == 1);
      assertThat(holder.call("{\"action\":\"release\",\"workerId\":\"w1\"}")).contains("true");

      assertThat(waiter.readLine()).startsWith("{\"ok\":true,\"value\":0");
      String failed = waiter.readLine();
      assertThat(failed)
          .startsWith("{\"ok\":false,\"error\":\"internal_error\"")
          .contains("\"id\":\"b1\"");
      assertThat(waiter.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      assertThat(f.broker.isRunning()).isTrue();
      assertThat(f.client().call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void aRequestThatFailsWithAnErrorIsAnsweredOnAConnectionThatStaysUsable() throws IOException {
    try (BrokerFixture f =
        new BrokerFixture(
            b ->
                b.action(
                        "deep",
                        request -> {
                          throw new StackOverflowError();
                        })
                    .intercept(
                        request -> {
                          if ("oom".equals(request.key())) {
                            throw heapFull();
                          }
                          return null;
                        }))) {
      WireClient c = f.client();
      assertThat(c.call("{\"action\":\"deep\"}"))
          .startsWith("{\"ok\":false,\"error\":\"internal_error\"");
      assertThat(c.call("{\"action\":\"get\",\"key\":\"oom\"}"))
          .startsWith("{\"ok\":false,\"error\":\"internal_error\"")
          .contains("out of memory");
      assertThat(c.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void aLoopTaskThatFailsDoesNotStopTheBroker() throws IOException {
    GatewayListener failing =
        new GatewayListener() {
          @Override
          public void started(java.nio.file.Path socket) {
            throw heapFull(); // runs as a task on the loop, right after start
          }

          @Override
          public void serviceRegistered(String service, java.util.List<String> methods) {
            throw heapFull();
          }
        };
    try (BrokerFixture f = new BrokerFixture(b -> b.gatewayListener(failing))) {
      assertThat(f.client().call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      try (FrameClient svc = new FrameClient(f.socket)) {
        svc.registerAs("svc", "m");
      }
      assertThat(f.client().call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void aTimerThatFailsDoesNotStopTheBroker() throws IOException {
    GatewayListener failing =
        new GatewayListener() {
          @Override
          public void responseRouted(String from, String to, String status, String requestId) {
            throw heapFull(); // the gateway's deadline timer reports the expired call
          }
        };
    try (BrokerFixture f = new BrokerFixture(b -> b.gatewayListener(failing));
        FrameClient callee = new FrameClient(f.socket);
        FrameClient caller = new FrameClient(f.socket)) {
      callee.registerAs("callee", "m");
      caller.registerAs("caller");
      caller.sendJson(call("slow", "caller", "callee", "m", "{}", f.clock.millis() + 1_000, 2));
      assertThat(callee.read().get("id").asText()).isEqualTo("slow");
      f.clock.advance(Duration.ofSeconds(5));
      JsonNode expired = caller.read();
      assertThat(expired.get("error").get("code").asText()).isEqualTo("DEADLINE_EXCEEDED");
      f.clock.advance(Duration.ofMinutes(1)); // every periodic check runs again
      f.sync();
      assertThat(f.client().call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      assertThat(f.broker.isRunning()).isTrue();
    }
  }
}
