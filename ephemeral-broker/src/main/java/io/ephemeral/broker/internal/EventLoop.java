package io.ephemeral.broker.internal;

import io.ephemeral.broker.Clock;
import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The broker's single thread, as Redis's {@code ae.c}: a {@link Selector}, tasks from other
 * threads, timers and a before-sleep hook. It knows no client, protocol or store: its {@link Owner}
 * ({@link BrokerServer}) handles the ready keys and says what else a turn does. Everything the
 * owner holds is touched by this thread only, so none of it needs locks.
 *
 * <p>Implementation notes.
 *
 * <ul>
 *   <li>Each turn: select until the next timer or deadline is due (or a task/wakeup arrives),
 *       handle ready keys, run queued tasks from other threads, expire the owner's deadlines, run
 *       due timers, then the owner's end of turn ({@link Owner#beforeSleep}: the batched writes).
 *       After a turn that did work, the next one first polls without blocking for up to {@code
 *       busyPollMicros} ({@link BusyPoll}, which stops polling while the host is busy), so a
 *       client's next request usually finds the thread awake instead of paying a wake-up.
 *   <li>Ready keys go straight to the key handler ({@code select(Consumer)}: no selected-key set to
 *       fill, iterate and clear).
 *   <li>Time comes from the injected clock; a clock that jumps (tests) wakes the selector. Requests
 *       read it through {@link TurnClock}: once per turn, not once per request.
 *   <li>A turn that fails (the selector, the clock; requests, tasks and timers have guards of their
 *       own) is logged and the loop goes on, unless it fails {@link #MAX_FAILED_TURNS} turns in a
 *       row: then it stops the broker, whose failure says why.
 * </ul>
 */
final class EventLoop {
  /**
   * Turns in a row that may fail before the loop gives up: a failure that repeats every turn (a
   * broken selector or clock) would otherwise spin, one that passes costs nothing.
   */
  static final int MAX_FAILED_TURNS = 100;

  /** What a turn does besides handling ready keys, running tasks and timers. */
  interface Owner {
    /** Work is waiting that a turn must do without sleeping (continued requests, store calls). */
    boolean hasWorkNow();

    /** Clock time of the owner's earliest deadline (calls, lease waits), or Long.MAX_VALUE. */
    long nextDeadline();

    /** Expires what is due by {@code now}; runs before the timers. */
    void expireDeadlines(long now);

    /** The end of every turn, before the loop may sleep. */
    void beforeSleep();

    /** The loop has stopped: close everything. Runs on the loop thread, once. */
    void stopped();
  }

  private final BrokerLog log;
  private final Clock clock;

  /** What requests see as now: {@link #clock} read once per turn. */
  private final TurnClock time;

  private final Selector selector;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final Runnable wakeup;
  private final BusyPoll busyPoll;

  private Owner owner;
  private Consumer<SelectionKey> keyHandler;

  /** The last turn handled a channel or a task: the next one may busy-poll before sleeping. */
  private boolean busy;

  private volatile boolean shutdownRequested;

  /** Set by the loop thread before it stops itself on a failure it cannot get past. */
  private volatile Throwable failure;

  private Thread thread;
  private Runnable onSelfStop;

  /** A task due at a clock time. */
  private static final class Timer implements Comparable<Timer> {
    final long due;
    final Runnable task;
    final long retryMillis;

    Timer(long due, Runnable task, long retryMillis) {
      this.due = due;
      this.task = task;
      this.retryMillis = retryMillis;
    }

    @Override
    public int compareTo(Timer o) {
      return Long.compare(due, o.due);
    }
  }

  EventLoop(BrokerLog log, Clock clock, TurnClock time, long busyPollMicros) throws IOException {
    this.log = log;
    this.clock = clock;
    this.time = time;
    this.selector = Selector.open();
    this.wakeup = selector::wakeup;
    this.busyPoll = BusyPoll.of(TimeUnit.MICROSECONDS.toNanos(busyPollMicros));
  }

  Selector selector() {
    return selector;
  }

  /**
   * Starts the loop's thread: ready keys go to {@code keys}, the rest of each turn to {@code
   * owner}; {@code onSelfStop} runs when the loop stops by itself ({@link #stopItself}, or a
   * failure).
   */
  void start(Owner owner, Consumer<SelectionKey> keys, Runnable onSelfStop) {
    this.owner = owner;
    this.keyHandler = keys;
    this.onSelfStop = onSelfStop;
    clock.addJumpListener(wakeup);
    thread = new Thread(this::run, "ephemeral-broker-loop");
    thread.setDaemon(true);
    thread.start();
  }

  /** Runs a task on the loop thread. */
  void execute(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  /**
   * Computes something on the loop thread and waits for it. Fails at once (IllegalStateException)
   * if the loop is stopping or stops while waiting, so no caller waits for a loop that is gone.
   */
  <T> T call(Supplier<T> work, Duration timeout) {
    if (shutdownRequested) {
      throw new IllegalStateException("the broker is stopping");
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    execute(
        () -> {
          try {
            result.complete(work.get());
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        return result.get(20, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the broker", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      } catch (TimeoutException e) {
        if (shutdownRequested || !thread.isAlive()) {
          throw new IllegalStateException("the broker stopped");
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("the broker did not answer within " + timeout);
        }
      }
    }
  }

  /**
   * Ends the loop and waits for its thread, which closes everything ({@link Owner#stopped}), for up
   * to {@code wait}; a loop never started runs {@code neverStarted} instead, on the calling thread.
   */
  void shutdown(Runnable neverStarted, Duration wait) {
    if (thread == null) {
      neverStarted.run(); // nothing else would release the selector
      return;
    }
    shutdownRequested = true;
    selector.wakeup();
    clock.removeJumpListener(wakeup);
    if (Thread.currentThread() != thread) {
      try {
        thread.join(Math.max(1, wait.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The loop stops at the end of this turn, as if asked to, and tells its starter (loop thread).
   */
  void stopItself() {
    shutdownRequested = true;
    onSelfStop.run();
  }

  /** Why the loop stopped by itself, or null (still running, stopped on request, idle timeout). */
  Throwable failure() {
    return failure;
  }

  /** Closes the selector (best effort), once every channel registered with it is closed. */
  void closeSelector() {
    try {
      selector.close();
    } catch (IOException ignored) {
      // The channels are closed either way.
    }
  }

  private void run() {
    int failedTurns = 0;
    try {
      while (!shutdownRequested) {
        try {
          turn();
          failedTurns = 0;
        } catch (ClosedSelectorException e) {
          throw e;
        } catch (Throwable t) {
          // Requests, tasks and timers have guards of their own: only the loop's own work gets
          // here (the selector, the clock). Go on unless it keeps failing turn after turn.
          if (++failedTurns < MAX_FAILED_TURNS) {
            log.error("Event loop turn failed; going on", t);
            continue;
          }
          log.error("Event loop failed " + failedTurns + " turns in a row; stopping the broker", t);
          failure = t;
          onSelfStop.run();
          return;
        }
      }
    } catch (ClosedSelectorException e) {
      // shutdown raced with select; fall through to cleanup
    } finally {
      owner.stopped();
    }
  }

  private void turn() throws IOException {
    time.tick();
    long delay = millisUntilNextTimer();
    int ready;
    if (!tasks.isEmpty() || delay == 0 || owner.hasWorkNow()) {
      ready = selector.selectNow(keyHandler);
    } else {
      ready = busy ? busyPoll.run(this::pollOnce) : 0;
      // The busy poll's selectNow() takes any wake-up for itself, a stop's too: look at the flag
      // after it, or the loop would sleep until its next timer.
      if (ready == 0 && tasks.isEmpty() && !shutdownRequested) {
        // select(0) blocks without limit, which is what "no timer" means.
        long sleptFrom = System.nanoTime();
        ready = selector.select(keyHandler, delay < 0 ? 0 : delay);
        if (ready > 0) {
          busyPoll.sleptFor(System.nanoTime() - sleptFrom);
        }
      }
    }
    busy = ready > 0;
    // Tasks and timers read the time afresh: a task may come from a thread that has just moved a
    // manual clock, and a timer is due by the clock itself.
    time.tick();
    Runnable task;
    while ((task = tasks.poll()) != null) {
      busy = true;
      runSafely(task);
    }
    time.tick();
    runDueTimers();
    owner.beforeSleep();
  }

  /**
   * One poll of the busy-poll window ({@link BusyPoll}, only after a turn that did work, so a quiet
   * broker sleeps in select): ready channels are handled; a queued task counts as ready.
   */
  private int pollOnce() throws IOException {
    int ready = selector.selectNow(keyHandler);
    return ready > 0 || tasks.isEmpty() ? ready : 1;
  }

  /** Forgets every timer and task; lets tests reuse a loop they never started. */
  void clear() {
    timers.clear();
    tasks.clear();
  }

  // ---- timers ----

  /**
   * Runs {@code task} on the loop thread at clock time {@code due}. A periodic task schedules its
   * next run itself; if it fails, it runs again after {@code retryMillis} (0: never).
   */
  void schedule(long due, Runnable task, long retryMillis) {
    timers.add(new Timer(due, task, retryMillis));
  }

  /** -1: no timer; 0: one is due; otherwise milliseconds until the next one. */
  private long millisUntilNextTimer() {
    Timer next = timers.peek();
    long due = Math.min(next == null ? Long.MAX_VALUE : next.due, owner.nextDeadline());
    if (due == Long.MAX_VALUE) {
      return -1;
    }
    return Math.max(0, due - clock.millis());
  }

  private void runDueTimers() {
    long now = clock.millis();
    owner.expireDeadlines(now);
    Timer t;
    while ((t = timers.peek()) != null && t.due <= now) {
      timers.poll();
      if (!runSafely(t.task) && t.retryMillis > 0) {
        // A periodic check schedules its next run as it ends; one that failed did not.
        schedule(now + t.retryMillis, t.task, t.retryMillis);
      }
    }
  }

  /** Runs a task or timer; a failure of any kind is logged, never thrown into the loop. */
  private boolean runSafely(Runnable task) {
    try {
      task.run();
      return true;
    } catch (Throwable e) {
      log.error("Broker task failed", e);
      return false;
    }
  }
}
