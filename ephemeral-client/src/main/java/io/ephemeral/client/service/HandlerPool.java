package io.ephemeral.client.service;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/*
 * Implementation notes.
 *
 * The default handler executor: up to `max` daemon threads, each call handed to a free one, so
 * a slow handler delays no other call while threads are left (as a fixed ThreadPoolExecutor
 * over an unbounded queue, which it replaces). What it saves is the wake-up per call: with a
 * ThreadPoolExecutor every call parks one thread and unparks another, a third of a busy
 * callee's CPU. Here a thread that finishes a call looks for the next one for `spinNanos`
 * before it parks, and while such a thread is looking (`spinning` > 0) execute() wakes nobody.
 * Only one thread looks at a time; the others park at once.
 *
 * Wake-ups follow the queue's length (`queued`), as LinkedBlockingQueue's signals do in a
 * ThreadPoolExecutor: execute() wakes a worker only when the queue was empty (a task already
 * queued has a worker on its way), and a worker that takes a task while more are queued wakes
 * the next one, so a burst spreads over threads and no task waits behind a busy one. No call is
 * left behind by the spinner either: execute() queues the task and then reads `spinning`; a
 * spinner that gives up first clears `spinning` and then looks at the queue once more (both
 * volatile, so one of the two sees the other).
 * Parked workers wait on a stack (`idle`); a worker pushes itself, looks at the queue once more
 * and parks, and execute() pops one and unparks it, so a wake-up cannot be lost either.
 * Threads idle for `keepAliveNanos` end.
 */
final class HandlerPool implements Executor {
  private final String prefix;
  private final int max;
  private final long spinNanos;
  private final long keepAliveNanos;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Worker> idle = new ConcurrentLinkedQueue<>();
  private final AtomicInteger threads = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger spinning = new AtomicInteger();
  private final AtomicInteger ids = new AtomicInteger();
  private volatile boolean shutdown;

  HandlerPool(String prefix, int max, long spinNanos, long keepAliveNanos) {
    this.prefix = prefix;
    this.max = max;
    this.spinNanos = spinNanos;
    this.keepAliveNanos = keepAliveNanos;
  }

  @Override
  public void execute(Runnable task) {
    if (shutdown) {
      throw new RejectedExecutionException("handler pool shut down");
    }
    tasks.add(task);
    if (queued.getAndIncrement() == 0 && spinning.get() == 0) {
      wakeOne();
    }
  }

  /** Lets running handlers finish; queued ones still run. No new tasks. */
  void shutdown() {
    shutdown = true;
    for (Worker w; (w = idle.poll()) != null; ) {
      LockSupport.unpark(w.thread);
    }
  }

  private void wakeOne() {
    Worker w = idle.poll();
    if (w != null) {
      w.woken = true;
      LockSupport.unpark(w.thread);
      return;
    }
    while (true) {
      int n = threads.get();
      if (n >= max) {
        return; // all busy: the task waits for the first one free
      }
      if (threads.compareAndSet(n, n + 1)) {
        break;
      }
    }
    Worker fresh = new Worker();
    Thread t = new Thread(fresh::run, prefix + ids.incrementAndGet());
    t.setDaemon(true);
    fresh.thread = t;
    t.start();
  }

  private final class Worker {
    Thread thread;
    volatile boolean woken;

    void run() {
      try {
        while (true) {
          Runnable task = tasks.poll();
          if (task == null) {
            task = await();
            if (task == null) {
              return;
            }
          }
          if (queued.decrementAndGet() > 0 && spinning.get() == 0) {
            wakeOne(); // more queued and nobody looking: another thread takes the next
          }
          try {
            task.run();
          } catch (RuntimeException e) {
            // serve() answers every failure itself; nothing else runs here
          }
        }
      } finally {
        threads.decrementAndGet();
        if (!tasks.isEmpty() && !shutdown) {
          wakeOne(); // do not leave a task behind when this thread ends
        }
      }
    }

    /** The next task after spinning and parking, or null when this thread should end. */
    private Runnable await() {
      if (spinNanos > 0 && spinning.compareAndSet(0, 1)) {
        long until = System.nanoTime() + spinNanos;
        try {
          while (System.nanoTime() - until < 0) {
            Runnable task = tasks.poll();
            if (task != null) {
              return task;
            }
            Thread.onSpinWait();
          }
        } finally {
          spinning.set(0);
        }
        Runnable task = tasks.poll(); // see the notes: execute() may have seen us spinning
        if (task != null) {
          return task;
        }
      }
      long deadline = System.nanoTime() + keepAliveNanos;
      while (true) {
        if (shutdown && tasks.isEmpty()) {
          return null;
        }
        woken = false;
        idle.add(this);
        Runnable task = tasks.poll();
        if (task != null) {
          idle.remove(this); // if popped meanwhile, the wake-up was for this task or run() passes it on
          return task;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          if (idle.remove(this)) {
            return null;
          }
          continue; // popped meanwhile: a task is on its way
        }
        LockSupport.parkNanos(this, left);
        if (!woken) {
          idle.remove(this); // timed out or spurious: go round again
        }
      }
    }
  }
}
