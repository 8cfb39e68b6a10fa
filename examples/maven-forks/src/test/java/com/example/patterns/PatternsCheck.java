package com.example.patterns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs after all forks (integration-test phase, same broker) and checks what they recorded.
 * Record lines: "WHAT FORK FIELDS...".
 */
class PatternsCheck {
  static final List<String[]> RECORDS = new ArrayList<>();

  @BeforeAll
  static void read() throws IOException {
    try (Stream<Path> files = Files.list(Shared.recordDir())) {
      for (Path f : (Iterable<Path>) files::iterator) {
        for (String line : Files.readAllLines(f)) {
          RECORDS.add(line.split(" "));
        }
      }
    }
  }

  static List<String[]> of(String what) {
    return RECORDS.stream().filter(r -> r[0].equals(what)).toList();
  }

  record Hold(int slot, long token, long enter, long exit, String fork) {}

  @Test
  void accountsWereNeverSharedAtTheSameMoment() {
    Map<Long, Hold> byToken = new TreeMap<>();
    for (String[] r : of("enter")) {
      byToken.put(Long.parseLong(r[3]), new Hold(Integer.parseInt(r[2]), Long.parseLong(r[3]), Long.parseLong(r[4]), -1, r[1]));
    }
    for (String[] r : of("exit")) {
      Hold h = byToken.get(Long.parseLong(r[3]));
      byToken.put(h.token(), new Hold(h.slot(), h.token(), h.enter(), Long.parseLong(r[4]), h.fork()));
    }
    assertEquals(Shared.WORKERS, byToken.size(), "one grant (fencing token) per worker");
    Set<String> forks = new HashSet<>();
    Map<Integer, List<Hold>> bySlot = new TreeMap<>();
    for (Hold h : byToken.values()) {
      assertTrue(h.exit() >= h.enter(), "exit recorded for " + h);
      forks.add(h.fork());
      bySlot.computeIfAbsent(h.slot(), s -> new ArrayList<>()).add(h);
    }
    assertTrue(forks.size() >= 2, "the workers ran in several forks: " + forks);
    int maxInUse = 0;
    for (List<Hold> holds : bySlot.values()) {
      holds.sort(Comparator.comparingLong(Hold::enter));
      for (int i = 1; i < holds.size(); i++) {
        Hold before = holds.get(i - 1);
        Hold after = holds.get(i);
        assertTrue(after.enter() >= before.exit(), "two holders of one account at once: " + before + " and " + after);
        assertTrue(after.token() > before.token(), "fencing tokens grow: " + before + " then " + after);
      }
    }
    for (Hold h : byToken.values()) {
      long inUse = byToken.values().stream().filter(o -> o.enter() <= h.enter() && h.enter() < o.exit()).count();
      maxInUse = Math.max(maxInUse, (int) inUse);
    }
    assertTrue(maxInUse <= Shared.ACCOUNTS, "at most 3 accounts in use at once, saw " + maxInUse);
    System.out.println("accounts: " + byToken.size() + " grants over slots " + bySlot.keySet()
        + " in " + forks.size() + " forks; most in use at once: " + maxInUse);
  }

  @Test
  void theAuthTokenWasFetchedOnce() {
    assertEquals(1, Shared.count("auth-fetches"));
    List<String[]> tokens = of("token");
    assertEquals(Shared.WORKERS, tokens.size());
    assertEquals(1, tokens.stream().map(r -> r[2]).distinct().count(), "every fork saw the same token");
  }

  @Test
  void theRateLimitHeld() {
    long[] calls = of("call").stream().mapToLong(r -> Long.parseLong(r[2])).sorted().toArray();
    assertEquals(Shared.WORKERS * Shared.CALLS_PER_WORKER, calls.length);
    int n = Shared.CALLS_PER_SECOND;
    // Any n+1 calls span at least a second. The times are taken by the clients just after the
    // grant, so they carry a little scheduling jitter: allow 100 ms of it.
    for (int i = 0; i + n < calls.length; i++) {
      long span = calls[i + n] - calls[i];
      assertTrue(span >= 900_000, (n + 1) + " calls within " + span / 1000 + " ms");
    }
  }

  @Test
  void theFixtureWasBuiltOnce() {
    assertEquals(1, Shared.count("fixture-builds"));
    List<String[]> uses = of("fixture");
    assertEquals(Shared.WORKERS, uses.size());
    assertEquals(1, uses.stream().map(r -> r[2] + "/" + r[3]).distinct().count());
  }
}
