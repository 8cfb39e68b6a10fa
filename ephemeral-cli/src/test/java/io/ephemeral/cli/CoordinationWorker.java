package io.ephemeral.cli;

import io.ephemeral.client.BrokerClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A worker process for the coordination fault tests:
 *
 * <ul>
 *   <li>{@code CoordinationWorker SOCKET compute KEY VALUE hang|now}: getOrCompute of KEY; prints
 *       {@code computing} when its computation starts, which then hangs until the process is killed
 *       or returns VALUE;
 *   <li>{@code CoordinationWorker SOCKET barrier NAME PARTIES WAIT_MS}: awaits the barrier.
 * </ul>
 *
 * Prints {@code result=...} or {@code error=<exception's message>} at the end.
 */
public final class CoordinationWorker {
  private CoordinationWorker() {}

  public static void main(String[] args) throws Exception {
    try (BrokerClient client =
        BrokerClient.builder()
            .environment(Map.of())
            .pipe(Path.of(args[0]))
            .timeout(Duration.ofSeconds(30))
            .build()) {
      String result;
      try {
        result =
            switch (args[1]) {
              case "compute" ->
                  client.getOrCompute(
                      args[2],
                      Duration.ofMinutes(5),
                      String.class,
                      () -> {
                        System.out.println("computing");
                        System.out.flush();
                        if (args[4].equals("hang")) {
                          Thread.sleep(Long.MAX_VALUE);
                        }
                        return args[3];
                      });
              case "barrier" ->
                  Integer.toString(
                      client.awaitBarrier(
                          args[2],
                          Integer.parseInt(args[3]),
                          Duration.ofMillis(Long.parseLong(args[4]))));
              default -> throw new IllegalArgumentException(args[1]);
            };
      } catch (RuntimeException e) {
        System.out.println("error=" + e.getMessage());
        return;
      }
      System.out.println("result=" + result);
    }
  }
}
