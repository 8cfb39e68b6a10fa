package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Lease handles from pools: tryLease, waiting lease, fencing tokens, keep-alive, release on close.
 */
class LeaseHandleTest extends WithBrokerAndClient {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  @Test
  void tryLeaseFillsThePoolThenSaysNo() {
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Lease lease = client.tryLease("accounts", "w" + i, MINUTE, 3).orElseThrow();
      assertThat(lease.slot()).isEqualTo(i);
      held.add(lease);
    }
    assertThat(held.get(0).token()).isLessThan(held.get(1).token());
    assertThat(held.get(1).token()).isLessThan(held.get(2).token());
    assertThat(client.tryLease("accounts", "w3", MINUTE, 3)).isEmpty();
    held.get(1).close();
    Optional<Lease> next = client.tryLease("accounts", "w3", MINUTE, 3);
    assertThat(next).get().extracting(Lease::slot).isEqualTo(1);
    assertThat(next.get().token()).isGreaterThan(held.get(2).token());
  }

  @Test
  void aWaitingLeaseGetsTheFirstFreedSlot() throws Exception {
    Lease holder = client.tryLease("db", "holder", MINUTE, 1).orElseThrow();
    CompletableFuture<Lease> waiting =
        CompletableFuture.supplyAsync(
            () -> client.lease("db", "waiter", MINUTE, 1, Duration.ofMinutes(5)));
    await("the broker has the waiter", () -> client.stats().leaseWaiters() == 1);
    assertThat(waiting).isNotDone();
    assertThat(holder.release()).isTrue();
    Lease granted = waiting.get();
    assertThat(granted.slot()).isZero();
    assertThat(granted.token()).isGreaterThan(holder.token());
  }

  @Test
  void aWaitThatRunsOutIsLeaseTimeout() throws Exception {
    client.tryLease("db", "holder", MINUTE, 1).orElseThrow();
    CompletableFuture<Lease> waiting =
        CompletableFuture.supplyAsync(
            () -> client.lease("db", "waiter", MINUTE, 1, Duration.ofSeconds(2)));
    await("the broker has the waiter", () -> client.stats().leaseWaiters() == 1);
    broker.clock.advance(Duration.ofSeconds(2));
    assertThatThrownBy(waiting::join)
        .cause()
        .isInstanceOf(BrokerException.class)
        .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo("lease_timeout"));
  }

  @Test
  void closingTheHandleReleasesTheSlotEvenWhenTheTestFails() {
    try (Lease lease = client.tryLease("db", "w", MINUTE, 1).orElseThrow()) {
      assertThat(lease.slot()).isZero();
      throw new IllegalStateException("the test failed");
    } catch (IllegalStateException expected) {
      // the lease was released by close()
    }
    assertThat(client.tryLease("db", "other", MINUTE, 1)).isPresent();
  }

  @Test
  void keepAliveRenewsUntilClosed() throws Exception {
    try (BrokerFixture real =
            BrokerFixture.start(b -> b.clock(io.ephemeral.broker.Clock.system()));
        BrokerClient c = real.client().build()) {
      Lease lease = c.tryLease("db", "w", Duration.ofMillis(600), 1).orElseThrow().keepAlive();
      // Renewals show as successful lease operations; wait for several TTLs' worth.
      await(
          "renewals",
          () ->
              c.metrics()
                  .contains(
                      "ephemeral_broker_operations_total{action=\"lease\",result=\"success\"} 8"));
      assertThat(c.tryLease("db", "other", Duration.ofMillis(600), 1)).as("still held").isEmpty();
      lease.close();
      assertThat(c.tryLease("db", "other", Duration.ofMillis(600), 1)).isPresent();
    }
  }

  @Test
  void sixtyFourWorkersNeverShareASlotAndTokensOnlyGrow() throws Exception {
    ConcurrentHashMap<Integer, String> holders = new ConcurrentHashMap<>();
    AtomicLong lastToken = new AtomicLong();
    AtomicInteger grants = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(64);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < 64; w++) {
      String worker = "worker-" + w;
      done.add(
          pool.submit(
              () -> {
                for (int round = 0; round < 10; round++) {
                  try (Lease lease =
                      client.lease("accounts", worker, MINUTE, 3, Duration.ofSeconds(60))) {
                    assertThat(lease.slot()).isBetween(0, 2);
                    assertThat(holders.putIfAbsent(lease.slot(), worker))
                        .as("slot %d held twice", lease.slot())
                        .isNull();
                    lastToken.accumulateAndGet(lease.token(), Math::max);
                    grants.incrementAndGet();
                    holders.remove(lease.slot(), worker);
                  }
                }
                return null;
              }));
    }
    for (Future<?> d : done) {
      d.get();
    }
    pool.shutdown();
    assertThat(grants.get()).isEqualTo(640);
    assertThat(lastToken.get()).isEqualTo(640); // one token per grant, no gaps, no repeats
  }
}
