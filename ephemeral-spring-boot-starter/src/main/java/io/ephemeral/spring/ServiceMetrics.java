package io.ephemeral.spring;

import io.ephemeral.client.service.CallInterceptor;
import io.ephemeral.client.service.Params;
import io.ephemeral.client.service.ServeInterceptor;
import io.ephemeral.client.service.ServiceException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters of the calls the application makes and serves, as interceptors:
 *
 * <ul>
 *   <li>{@code ephemeral.calls.made} and {@code ephemeral.calls.served}: timers tagged {@code
 *       service}, {@code method} and {@code outcome} ({@code success} or {@code error});
 *   <li>{@code ephemeral.call.errors}: a counter tagged {@code side} ({@code made}, {@code
 *       served}), {@code service}, {@code method} and {@code code} (the error's code).
 * </ul>
 *
 * Served calls are timed from the handler's start to its result (an asynchronous result: to its
 * completion); made calls from the call to its answer.
 */
final class ServiceMetrics implements CallInterceptor, ServeInterceptor {
  static final String MADE = "ephemeral.calls.made";
  static final String SERVED = "ephemeral.calls.served";
  static final String ERRORS = "ephemeral.call.errors";

  private final MeterRegistry registry;
  private final String serviceName;

  ServiceMetrics(MeterRegistry registry, String serviceName) {
    this.registry = registry;
    this.serviceName = serviceName;
  }

  @Override
  public CompletableFuture<Params> intercept(CallInterceptor.Chain chain) {
    long start = System.nanoTime();
    String service = chain.call().service();
    String method = chain.call().method();
    return chain
        .proceed(chain.call())
        .whenComplete((result, error) -> record(MADE, "made", service, method, start, error));
  }

  @Override
  public Object intercept(ServeInterceptor.Chain chain) throws Exception {
    long start = System.nanoTime();
    String method = chain.call().method();
    Object result;
    try {
      result = chain.proceed(chain.call());
    } catch (Exception | Error e) {
      record(SERVED, "served", serviceName, method, start, e);
      throw e;
    }
    if (result instanceof CompletionStage) {
      return ((CompletionStage<?>) result)
          .whenComplete((v, error) -> record(SERVED, "served", serviceName, method, start, error));
    }
    record(SERVED, "served", serviceName, method, start, null);
    return result;
  }

  private void record(
      String timer, String side, String service, String method, long start, Throwable error) {
    Timer.builder(timer)
        .description("Calls through the broker's gateway, " + side)
        .tag("service", service)
        .tag("method", method)
        .tag("outcome", error == null ? "success" : "error")
        .register(registry)
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    if (error != null) {
      Counter.builder(ERRORS)
          .description("Failed calls through the broker's gateway, by error code")
          .tag("side", side)
          .tag("service", service)
          .tag("method", method)
          .tag("code", ServiceException.codeOf(error))
          .register(registry)
          .increment();
    }
  }
}
