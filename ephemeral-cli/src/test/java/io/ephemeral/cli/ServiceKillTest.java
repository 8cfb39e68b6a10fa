package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway callee (a real ServiceClient JVM) killed with SIGKILL while 100 calls from four callers
 * are in flight at it: every one of the 100 fails with {@code CONNECTION_LOST} within seconds, far
 * inside the callers' 60 s timeout, and the gateway then serves the name anew.
 */
class ServiceKillTest {

  private static final int CALLERS = 4;
  private static final int CALLS_EACH = 25;
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void everyCallInFlightAtAKilledServiceFailsFastWithConnectionLost() throws Exception {
    Path socket = dir.resolve("broker.sock");
    List<ServiceClient> callers = new ArrayList<>();
    try (Cli broker = Cli.start(dir, "start", "--socket", socket.toString())) {
      broker.awaitSocket();
      try (Child callee =
          Child.java(dir, "callee", HangingService.class, socket.toString(), "victim")) {
        callee.await("READY");
        for (int i = 0; i < CALLERS; i++) {
          ServiceClient caller =
              ServiceClient.builder()
                  .serviceName("caller-" + i)
                  .gateway(socket)
                  .environment(Map.of())
                  .timeout(CALL_TIMEOUT)
                  .build();
          callers.add(caller);
          caller.connect();
        }
        List<CompletableFuture<Object>> calls = new ArrayList<>();
        AtomicLong lastFailure = new AtomicLong();
        for (int n = 0; n < CALLERS * CALLS_EACH; n++) {
          CompletableFuture<Object> call =
              callers.get(n % CALLERS).callAsync("victim", "hang", Map.of("n", n), Object.class);
          call.whenComplete((r, e) -> lastFailure.accumulateAndGet(System.nanoTime(), Math::max));
          calls.add(call);
        }
        callee.await("CALLS " + CALLERS * CALLS_EACH);
        assertThat(calls).noneMatch(CompletableFuture::isDone);

        long killedAt = System.nanoTime();
        callee.kill();

        int lost = 0;
        for (CompletableFuture<Object> call : calls) {
          try {
            Object result = call.get(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("a call to the killed service succeeded: " + result);
          } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ServiceException.class);
            assertThat(((ServiceException) e.getCause()).code())
                .as(e.getCause().toString())
                .isEqualTo(ServiceException.CONNECTION_LOST);
            lost++;
          }
        }
        assertThat(lost).isEqualTo(CALLERS * CALLS_EACH);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(lastFailure.get() - killedAt);
        assertThat(tookMs).as("ms from SIGKILL to the last failed call").isLessThan(10_000);

        // The gateway forgot the dead service: the name is free and served by its next owner.
        ServiceClient caller = callers.get(0);
        assertThat(caller.callAsync("victim", "hang", Map.of(), Object.class))
            .failsWithin(Duration.ofSeconds(30))
            .withThrowableOfType(ExecutionException.class)
            .satisfies(
                e ->
                    assertThat(((ServiceException) e.getCause()).code())
                        .isEqualTo(ServiceException.SERVICE_NOT_FOUND));
        try (ServiceClient heir =
            ServiceClient.builder()
                .serviceName("victim")
                .gateway(socket)
                .environment(Map.of())
                .build()) {
          heir.registerMethod("hang", (params, context) -> "answered");
          heir.connect();
          assertThat(caller.call("victim", "hang", Map.of(), String.class)).isEqualTo("answered");
        }
        System.out.printf(
            "Service kill: %d calls in flight failed with CONNECTION_LOST, the last %d ms after"
                + " SIGKILL (call timeout %d s)%n",
            lost, tookMs, CALL_TIMEOUT.toSeconds());
      }
    } finally {
      callers.forEach(ServiceClient::close);
    }
  }
}
