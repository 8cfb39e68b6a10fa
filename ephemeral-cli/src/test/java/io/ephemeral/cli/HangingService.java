package io.ephemeral.cli;

import io.ephemeral.client.service.ServiceClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A callee process for fault tests: {@code HangingService SOCKET NAME} registers the gateway
 * service NAME whose method {@code hang} never answers. Prints {@code READY} once registered and
 * {@code CALLS n} as calls arrive, then waits to be killed with its calls in flight.
 */
public final class HangingService {

  private HangingService() {}

  public static void main(String[] args) throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ServiceClient service =
        ServiceClient.builder()
            .serviceName(args[1])
            .gateway(Path.of(args[0]))
            .timeout(Duration.ofSeconds(30))
            .build();
    service.registerMethod(
        "hang",
        (params, context) -> {
          int n = calls.incrementAndGet();
          synchronized (System.out) {
            System.out.println("CALLS " + n);
            System.out.flush();
          }
          return new CompletableFuture<>(); // never completed: the call stays in flight
        });
    service.connect();
    synchronized (System.out) {
      System.out.println("READY");
      System.out.flush();
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
