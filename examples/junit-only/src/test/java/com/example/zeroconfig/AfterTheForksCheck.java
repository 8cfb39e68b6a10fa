package com.example.zeroconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs after the four forks and checks what they recorded (it uses no broker itself). */
class AfterTheForksCheck {
  static final List<String[]> RECORDS = new ArrayList<>();

  @BeforeAll
  static void read() throws IOException {
    try (Stream<Path> files = Files.list(Records.dir())) {
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

  static Set<String> forks() {
    return RECORDS.stream().map(r -> r[1]).collect(Collectors.toSet());
  }

  @Test
  void fourForksTookPart() {
    assertEquals(AbstractFork.FORKS, forks().size(), "forks that recorded something");
  }

  @Test
  void theBarrierReleasedNoForkBeforeTheLastOneArrived() {
    List<String[]> b = of("barrier");
    assertEquals(AbstractFork.FORKS, b.size());
    Set<String> indexes = b.stream().map(r -> r[2]).collect(Collectors.toSet());
    assertEquals(Set.of("0", "1", "2", "3"), indexes, "arrival indexes");
    long lastArrival = b.stream().mapToLong(r -> Long.parseLong(r[3])).max().orElseThrow();
    for (String[] r : b) {
      assertTrue(Long.parseLong(r[4]) >= lastArrival, "fork " + r[1] + " released before the last arrived");
    }
  }

  @Test
  void theTokenAndTheFixtureWereComputedOnce() {
    assertEquals(1, of("login").size(), "logins");
    assertEquals(1, of("fixture-built").size(), "fixture builds");
    Set<String> tokens = of("token").stream().map(r -> r[2]).collect(Collectors.toSet());
    assertEquals(1, tokens.size(), "tokens seen: " + tokens);
    assertEquals(AbstractFork.FORKS, of("token").size());
    assertEquals(AbstractFork.FORKS, of("fixture").size());
  }

  @Test
  void orderNumbersAreUnique() {
    List<Long> ids = of("id").stream().map(r -> Long.parseLong(r[2])).sorted().toList();
    int n = AbstractFork.FORKS * AbstractFork.IDS_PER_FORK;
    assertEquals(n, ids.size());
    for (int i = 0; i < n; i++) {
      assertEquals(i + 1, ids.get(i), "ids " + ids);
    }
  }

  @Test
  void noAccountWasUsedByTwoForksAtOnce() {
    List<String[]> holds = new ArrayList<>(of("account"));
    assertEquals(AbstractFork.FORKS * AbstractFork.ROUNDS, holds.size());
    holds.sort(Comparator.comparingLong(r -> Long.parseLong(r[4])));
    Set<String> tokens = new HashSet<>();
    for (int i = 0; i < holds.size(); i++) {
      String[] a = holds.get(i);
      assertTrue(tokens.add(a[3]), "fencing token " + a[3] + " granted twice");
      for (int j = i + 1; j < holds.size(); j++) {
        String[] b = holds.get(j);
        boolean overlap = Long.parseLong(b[4]) < Long.parseLong(a[5]);
        assertTrue(!a[2].equals(b[2]) || !overlap, "account " + a[2] + " used by forks " + a[1] + " and " + b[1] + " at once");
      }
    }
  }

  @Test
  void thePartnerApiGotAtMostThreeCallsInAnySecond() {
    List<Long> at = of("call").stream().map(r -> Long.parseLong(r[2])).sorted().toList();
    assertEquals(AbstractFork.FORKS * AbstractFork.CALLS_PER_FORK, at.size());
    for (int i = 0; i + 3 < at.size(); i++) {
      assertTrue(at.get(i + 3) - at.get(i) >= 1000, "4 calls within a second: " + at.subList(i, i + 4));
    }
  }
}
