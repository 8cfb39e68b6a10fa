package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The default handler executor: no task waits behind a busy thread while threads are left. */
class HandlerPoolTest {
  private static final long SPIN = TimeUnit.MICROSECONDS.toNanos(50);

  @Test
  void blockedHandlersDelayNoOtherTaskUpToTheThreadLimit() throws Exception {
    for (long spin : new long[] {0, SPIN}) {
      HandlerPool pool = new HandlerPool("test-pool-", 8, spin, TimeUnit.SECONDS.toNanos(30));
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch blocked = new CountDownLatch(7);
      for (int i = 0; i < 7; i++) {
        pool.execute(
            () -> {
              blocked.countDown();
              awaitQuietly(release);
            });
      }
      assertThat(blocked.await(5, TimeUnit.SECONDS)).as("seven blocked at once").isTrue();
      CountDownLatch ran = new CountDownLatch(100);
      for (int i = 0; i < 100; i++) {
        pool.execute(ran::countDown);
      }
      assertThat(ran.await(5, TimeUnit.SECONDS)).as("the eighth thread serves the rest").isTrue();
      release.countDown();
      pool.shutdown();
    }
  }

  @Test
  void burstsFromManyThreadsAllRunAndThreadsStayWithinTheLimit() throws Exception {
    HandlerPool pool = new HandlerPool("test-pool-", 4, SPIN, TimeUnit.MILLISECONDS.toNanos(50));
    Set<Thread> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger count = new AtomicInteger();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostRunning = new AtomicInteger();
    int producers = 4;
    int each = 20_000;
    CountDownLatch done = new CountDownLatch(producers * each);
    Thread[] ts = new Thread[producers];
    for (int p = 0; p < producers; p++) {
      ts[p] =
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  pool.execute(
                      () -> {
                        int now = running.incrementAndGet();
                        mostRunning.accumulateAndGet(now, Math::max);
                        seen.add(Thread.currentThread());
                        count.incrementAndGet();
                        running.decrementAndGet();
                        done.countDown();
                      });
                  if (i % 1000 == 0) {
                    sleepQuietly(1); // let the workers go idle now and then
                  }
                }
              });
      ts[p].start();
    }
    assertThat(done.await(30, TimeUnit.SECONDS)).as("every task ran").isTrue();
    assertThat(count.get()).isEqualTo(producers * each);
    assertThat(mostRunning.get()).as("at most four at a time").isBetween(1, 4);
    // Idle threads end after the keep-alive; a task after that starts a new one.
    Thread.sleep(300);
    assertThat(seen.stream().filter(Thread::isAlive)).isEmpty();
    CountDownLatch late = new CountDownLatch(1);
    pool.execute(late::countDown);
    assertThat(late.await(5, TimeUnit.SECONDS)).isTrue();
    pool.shutdown();
    assertThatThrownBy(() -> pool.execute(() -> {})).isInstanceOf(RejectedExecutionException.class);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
