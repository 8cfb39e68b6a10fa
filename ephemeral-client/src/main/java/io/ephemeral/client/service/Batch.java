package io.ephemeral.client.service;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One {@link ServiceClient#callAll} batch: at most {@code concurrency} calls in flight, the next
 * started as one completes (on the callback executor), every outcome kept in input order.
 */
final class Batch {
  private final List<CallRequest> requests;
  private final Function<CallRequest, CompletableFuture<Params>> start;
  private final Values values;
  private final Executor callbackExecutor;
  private final CallResult[] results;
  private final AtomicInteger next = new AtomicInteger();
  private final CountDownLatch done;

  Batch(
      List<CallRequest> requests,
      Function<CallRequest, CompletableFuture<Params>> start,
      Values values,
      Executor callbackExecutor) {
    this.requests = requests;
    this.start = start;
    this.values = values;
    this.callbackExecutor = callbackExecutor;
    this.results = new CallResult[requests.size()];
    this.done = new CountDownLatch(requests.size());
  }

  /** Starts the first {@code concurrency} calls; true if all calls are already done. */
  boolean startAll(int concurrency) {
    for (int k = 0; k < Math.min(concurrency, requests.size()); k++) {
      startNext();
    }
    return done.getCount() == 0;
  }

  private void startNext() {
    int i = next.getAndIncrement();
    if (i >= requests.size()) {
      return;
    }
    CallRequest r = requests.get(i);
    start
        .apply(r)
        .whenCompleteAsync(
            (value, error) -> {
              results[i] =
                  error == null
                      ? new CallResult(r, value, null, values)
                      : new CallResult(r, null, ServiceException.unwrap(error), values);
              done.countDown();
              startNext();
            },
            callbackExecutor);
  }

  /** Waits for every call; the results in input order. */
  List<CallResult> await() {
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ServiceException.of(
          ServiceException.INTERNAL_ERROR, "Interrupted while waiting for a batch of calls", e);
    }
    return List.of(results);
  }
}
