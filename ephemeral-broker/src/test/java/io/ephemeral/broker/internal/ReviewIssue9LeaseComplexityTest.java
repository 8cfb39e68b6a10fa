package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.WireClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Review issue #9: lease values were found by a linear scan (O(n²) for n workers). The pools now
 * keep a heap of freed slots; here 10,000 holders churn and every grant must still be the lowest
 * free slot, checked against a reference model. (Speed is measured by the benchmark tool.)
 */
class ReviewIssue9LeaseComplexityTest {
  @Test
  void tenThousandHoldersAlwaysGetTheLowestFreeSlot() {
    Leases leases = new Leases(new Metrics(false));
    TreeSet<Integer> free = new TreeSet<>();
    int next = 0;
    List<String> holders = new ArrayList<>();
    java.util.Map<String, Integer> held = new java.util.HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      String w = "w" + i;
      assertThat(leases.acquire("pool", w, 60_000, 0, 0)).isEqualTo(i);
      holders.add(w);
      held.put(w, i);
    }
    next = 10_000;
    Random random = new Random(42);
    for (int round = 0; round < 50_000; round++) {
      if (random.nextBoolean() && !holders.isEmpty()) {
        int idx = random.nextInt(holders.size());
        Collections.swap(holders, idx, holders.size() - 1);
        String w = holders.remove(holders.size() - 1);
        assertThat(leases.release(w, 0)).isTrue();
        free.add(held.remove(w));
      } else {
        String w = "n" + round;
        int expected = free.isEmpty() ? next++ : free.pollFirst();
        assertThat(leases.acquire("pool", w, 60_000, 0, 0)).isEqualTo(expected);
        holders.add(w);
        held.put(w, expected);
      }
    }
    assertThat(leases.size()).isEqualTo(holders.size());
  }

  @Test
  void tenThousandHoldersOverTheWire() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      WireClient c = f.client();
      StringBuilder batch = new StringBuilder();
      for (int i = 0; i < 10_000; i++) {
        batch
            .append("{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\"w")
            .append(i)
            .append("\",\"ttl\":60000}\n");
      }
      c.send(batch.toString());
      for (int i = 0; i < 10_000; i++) {
        assertThat(c.readLine())
            .isEqualTo("{\"ok\":true,\"value\":" + i + ",\"token\":" + (i + 1) + "}");
      }
      assertThat(c.call("{\"action\":\"release\",\"workerId\":\"w4321\"}"))
          .isEqualTo("{\"ok\":true,\"released\":true}");
      assertThat(c.call("{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\"late\"}"))
          .isEqualTo("{\"ok\":true,\"value\":4321,\"token\":10001}");
    }
  }
}
