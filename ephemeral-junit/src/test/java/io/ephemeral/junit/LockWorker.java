package io.ephemeral.junit;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.Lease;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A child JVM for {@link BrokerLockAcrossJvmsTest}: waits until all workers are ready, then takes
 * the lock {@code iterations} times the way {@link BrokerLock} does and appends {@code
 * enter}/{@code exit} lines with the wall-clock time to the shared file.
 *
 * <p>Arguments: pipe, lock name, file, worker name, number of workers, iterations.
 */
public final class LockWorker {
  private LockWorker() {}

  public static void main(String[] args) throws IOException {
    Path pipe = Paths.get(args[0]);
    String lock = args[1];
    Path file = Paths.get(args[2]);
    String name = args[3];
    int workers = Integer.parseInt(args[4]);
    int iterations = Integer.parseInt(args[5]);
    try (BrokerClient client = BrokerClient.builder().pipe(pipe).environment(Map.of()).build()) {
      client.set("ready:" + lock + ":" + name, true, Duration.ofMinutes(1));
      while (client.list().keySet().stream()
              .filter(k -> k.startsWith("ready:" + lock + ":"))
              .count()
          < workers) {
        Thread.onSpinWait(); // each round is a request to the broker
      }
      for (int i = 0; i < iterations; i++) {
        try (Lease held = Leasing.lock(client, lock, Duration.ofSeconds(30))) {
          append(file, "enter " + name + " " + Instant.now() + " " + held.token());
          // Some work inside the critical section: read back what everyone wrote so far.
          Files.readAllLines(file, StandardCharsets.UTF_8);
          append(file, "exit " + name + " " + Instant.now() + " " + held.token());
        }
      }
    }
  }

  private static void append(Path file, String line) throws IOException {
    Files.writeString(
        file,
        line + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND,
        StandardOpenOption.WRITE,
        StandardOpenOption.SYNC);
  }
}
