package io.ephemeral.client.service;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Executors of the service client's defaults.
 *
 * <p>Not {@code ForkJoinPool.commonPool()}: with a parallelism of 1 (two cores), CompletableFuture
 * starts a new thread per task instead.
 */
final class CallbackExecutor {
  private CallbackExecutor() {}

  /** Completes the async calls' futures; shared by all service clients. */
  static Executor shared() {
    return Holder.POOL;
  }

  /** The default handler executor of one client: {@code threads} daemon threads, idle ones die. */
  static ThreadPoolExecutor handlers(String serviceName, int threads) {
    return pool("ephemeral-service-" + serviceName + "-handler-", threads);
  }

  private static ThreadPoolExecutor pool(String prefix, int threads) {
    AtomicInteger ids = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, prefix + ids.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  private static final class Holder {
    static final ThreadPoolExecutor POOL =
        pool(
            "ephemeral-service-callback-", Math.max(2, Runtime.getRuntime().availableProcessors()));
  }
}
