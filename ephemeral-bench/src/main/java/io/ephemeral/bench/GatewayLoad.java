package io.ephemeral.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One measured run of a gateway cell, whatever carries the calls: our gateway or a peer. Sequential
 * cells call in a loop; cells with more calls in flight keep that many lanes of asynchronous calls,
 * each answer starting its lane's next call. Every answer is checked by the caller before it
 * counts.
 */
final class GatewayLoad {
  /** The caller's side of one system: a call of the echo with call number {@code n}. */
  interface EchoCaller {
    /** Calls and checks the answer; throws {@link BenchException} for a wrong one. */
    void call(long n);

    /**
     * Starts a call; the future completes once the answer was checked, or with the failure. It may
     * complete on any thread of the system's client.
     */
    CompletableFuture<?> callAsync(long n);
  }

  /** How long each run warms up and measures. */
  static final class Timing {
    final long warmupNanos;
    final long measureNanos;

    Timing(double warmupSeconds, double measureSeconds) {
      this.warmupNanos = (long) (warmupSeconds * 1e9);
      this.measureNanos = (long) (measureSeconds * 1e9);
    }
  }

  /** The CPU clock ticks of every process of a system, read right around the measured phase. */
  interface CpuMeter {
    long[] read();
  }

  /** What a run measured: the latencies, its length, and the CPU ticks before and after. */
  record Run(Histogram latencies, long nanos, long[] cpuBefore, long[] cpuAfter) {
    long calls() {
      return latencies.getTotalCount();
    }
  }

  private GatewayLoad() {}

  static Run run(EchoCaller caller, int inFlight, Timing timing, CpuMeter cpu, Runnable atStart) {
    return inFlight == 1
        ? sequential(caller, timing, cpu, atStart)
        : window(caller, inFlight, timing, cpu, atStart);
  }

  private static Run sequential(EchoCaller caller, Timing timing, CpuMeter cpu, Runnable atStart) {
    long n = 0;
    long warmEnd = System.nanoTime() + timing.warmupNanos;
    while (System.nanoTime() < warmEnd) {
      caller.call(n++);
    }
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    atStart.run();
    long[] cpu0 = cpu.read();
    long t0 = System.nanoTime();
    long end = t0 + timing.measureNanos;
    long t1;
    while (true) {
      long s = System.nanoTime();
      caller.call(n++);
      t1 = System.nanoTime();
      h.recordValue(Math.min(t1 - s, TimeUnit.SECONDS.toNanos(60)));
      if (t1 >= end) {
        break;
      }
    }
    return new Run(h, t1 - t0, cpu0, cpu.read());
  }

  private static Run window(
      EchoCaller caller, int inFlight, Timing timing, CpuMeter cpu, Runnable atStart) {
    Window w = new Window(caller, inFlight);
    for (int i = 0; i < inFlight; i++) {
      w.launch();
    }
    sleepNanos(timing.warmupNanos);
    w.failIfFailed();
    atStart.run();
    w.recorder.reset();
    long[] cpu0 = cpu.read();
    long t0 = System.nanoTime();
    sleepNanos(timing.measureNanos);
    Histogram h = w.recorder.getIntervalHistogram();
    long t1 = System.nanoTime();
    long[] cpu1 = cpu.read();
    w.stop = true;
    try {
      if (!w.drained.await(60, TimeUnit.SECONDS)) {
        throw new BenchException(
            w.drained.getCount()
                + " of "
                + inFlight
                + " calls still unanswered 60 s after the run");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
    w.failIfFailed();
    return new Run(h, t1 - t0, cpu0, cpu1);
  }

  /**
   * {@code inFlight} lanes: each completed call records its latency and starts the lane's next.
   * Calls that complete between the two histogram swaps are the measured ones.
   */
  private static final class Window {
    final EchoCaller caller;
    final Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    final AtomicLong next = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final CountDownLatch drained;
    volatile boolean stop;

    Window(EchoCaller caller, int inFlight) {
      this.caller = caller;
      this.drained = new CountDownLatch(inFlight);
    }

    void launch() {
      long n = next.getAndIncrement();
      long s = System.nanoTime();
      caller.callAsync(n).whenComplete((answer, error) -> done(n, s, error));
    }

    private void done(long n, long started, Throwable error) {
      long now = System.nanoTime();
      if (error != null) {
        Throwable cause = error.getCause() != null ? error.getCause() : error;
        failure.compareAndSet(
            null,
            cause instanceof BenchException
                ? cause
                : new BenchException("call n=" + n + " failed: " + cause, cause));
      } else {
        recorder.recordValue(Math.min(now - started, TimeUnit.SECONDS.toNanos(60)));
      }
      if (stop || failure.get() != null) {
        drained.countDown();
        return;
      }
      try {
        launch();
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
        drained.countDown();
      }
    }

    void failIfFailed() {
      Throwable t = failure.get();
      if (t instanceof BenchException) {
        throw (BenchException) t;
      }
      if (t != null) {
        throw new BenchException(t.toString(), t);
      }
    }
  }

  /** CPU ticks of some processes (a supplier per process; 0 for a process the system lacks). */
  static CpuMeter meter(LongSupplier... processes) {
    return () -> {
      long[] t = new long[processes.length];
      for (int i = 0; i < t.length; i++) {
        t[i] = processes[i].getAsLong();
      }
      return t;
    };
  }

  private static void sleepNanos(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }
}
