package io.ephemeral.client;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default executor of the async methods, shared by all clients: at least two daemon threads
 * (one per processor), created on first use, gone after 30 s without work.
 *
 * <p>Not {@code ForkJoinPool.commonPool()}: on a machine where its parallelism is 1,
 * CompletableFuture replaces it with a new thread per task, even when it is passed explicitly, and
 * that thread would be started on the client's reader thread for every reply.
 */
final class AsyncExecutor {
  private AsyncExecutor() {}

  /**
   * The shared executor; its pool is made when the first task arrives, so a process that only makes
   * blocking calls (brokerctl) never makes it.
   */
  static Executor get() {
    return Deferred.INSTANCE;
  }

  private static final class Deferred implements Executor {
    static final Deferred INSTANCE = new Deferred();

    @Override
    public void execute(Runnable task) {
      Holder.POOL.execute(task);
    }
  }

  private static final class Holder {
    static final ThreadPoolExecutor POOL = create();

    private static ThreadPoolExecutor create() {
      int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
      AtomicInteger ids = new AtomicInteger();
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              threads,
              threads,
              30,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              r -> {
                Thread t = new Thread(r, "ephemeral-client-async-" + ids.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      pool.allowCoreThreadTimeOut(true);
      return pool;
    }
  }
}
