package io.ephemeral.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.Broker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerLockAcrossJvmsTest {
  private static final int ITERATIONS = 40;

  @Test
  void twoJvmsNeverHoldTheLockAtTheSameTime(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("critical.log");
    Files.createFile(file);
    try (Broker broker = Broker.builder().environment(Map.of()).build()) {
      Path pipe = broker.start();
      List<Process> children = new ArrayList<>();
      for (String name : List.of("A", "B")) {
        children.add(
            Children.java(
                Map.of(),
                dir.resolve(name + ".out"),
                LockWorker.class,
                pipe.toString(),
                "database",
                file.toString(),
                name,
                "2",
                Integer.toString(ITERATIONS)));
      }
      for (int i = 0; i < children.size(); i++) {
        Process child = children.get(i);
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child finished").isTrue();
        assertThat(child.exitValue())
            .as(Files.readString(dir.resolve((i == 0 ? "A" : "B") + ".out")))
            .isZero();
      }
    }

    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(2 * 2 * ITERATIONS);
    Instant lastExit = Instant.MIN;
    long lastToken = 0;
    int switches = 0;
    String previousHolder = null;
    for (int i = 0; i < lines.size(); i += 2) {
      String[] enter = lines.get(i).split(" ");
      String[] exit = lines.get(i + 1).split(" ");
      // A critical section is an enter immediately followed by the same worker's exit.
      assertThat(enter[0]).as("line %d", i).isEqualTo("enter");
      assertThat(exit[0]).as("line %d", i + 1).isEqualTo("exit");
      assertThat(exit[1]).as("line %d", i + 1).isEqualTo(enter[1]);
      Instant entered = Instant.parse(enter[2]);
      assertThat(entered)
          .as("line %d enters after the previous exit", i)
          .isAfterOrEqualTo(lastExit);
      lastExit = Instant.parse(exit[2]);
      long token = Long.parseLong(enter[3]);
      assertThat(token).as("fencing tokens grow").isGreaterThan(lastToken);
      lastToken = token;
      if (previousHolder != null && !previousHolder.equals(enter[1])) {
        switches++;
      }
      previousHolder = enter[1];
    }
    assertThat(switches).as("the workers contended for the lock").isPositive();
  }
}
