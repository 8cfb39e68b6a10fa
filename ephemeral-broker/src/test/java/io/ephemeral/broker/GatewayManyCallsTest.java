package io.ephemeral.broker;

import static io.ephemeral.broker.FrameClient.call;
import static io.ephemeral.broker.FrameClient.response;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With the default options one connection may have 100,000 calls in flight at once, as in {@code
 * ipc-bro}'s own performance test: the memory budget bounds what calls in flight hold, so no count
 * limit of its own refuses them (the former 10,000 per connection did).
 */
class GatewayManyCallsTest {
  private static final int CALLS = 100_000;

  private static String id(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    int at = text.indexOf("\"id\":\"") + 6;
    return text.substring(at, text.indexOf('"', at));
  }

  @Test
  void oneConnectionCarries100000CallsInFlightWithTheDefaults() throws Exception {
    try (BrokerFixture f = new BrokerFixture();
        FrameClient callee = new FrameClient(f.socket);
        FrameClient caller = new FrameClient(f.socket)) {
      callee.registerAs("callee", "echo");
      caller.registerAs("caller");
      long deadline = f.clock.millis() + 600_000;

      // The callee takes every call before it answers any: all 100,000 are in flight together.
      java.util.concurrent.atomic.AtomicInteger got =
          new java.util.concurrent.atomic.AtomicInteger();
      CompletableFuture<List<String>> received =
          CompletableFuture.supplyAsync(
              () -> {
                List<String> ids = new ArrayList<>(CALLS);
                for (int i = 0; i < CALLS; i++) {
                  ids.add(id(callee.readBody()));
                  got.incrementAndGet();
                }
                return ids;
              });
      for (int i = 0; i < CALLS; i++) {
        caller.sendJson(call("c" + i, "caller", "callee", "echo", "{}", deadline, 2));
        if (i % 10_000 == 9_999) {
          // No faster than the callee takes them: a service that lets 16 MiB of calls pile up
          // unread gets no more (that limit is not the one under test).
          int sent = i + 1;
          Awaits.until("the callee to take " + sent + " calls", () -> got.get() >= sent - 2_000);
        }
      }
      List<String> ids = received.get(2, TimeUnit.MINUTES);
      assertThat(ids).hasSize(CALLS);
      assertThat(f.broker.gateway().getService("callee").orElseThrow().pendingCalls())
          .isEqualTo(CALLS);
      // The caller reads its answers while the callee sends them (no answer comes before).
      CompletableFuture<Integer> answered =
          CompletableFuture.supplyAsync(
              () -> {
                int ok = 0;
                for (int i = 0; i < CALLS; i++) {
                  String body = new String(caller.readBody(), StandardCharsets.UTF_8);
                  if (body.contains("\"status\":\"success\"")) {
                    ok++;
                  }
                }
                return ok;
              });
      for (String id : ids) {
        callee.sendJson(response(id, "callee", "caller", "1"));
      }
      assertThat(answered.get(2, TimeUnit.MINUTES)).isEqualTo(CALLS);
    }
  }
}
