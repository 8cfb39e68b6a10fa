package io.ephemeral.spring;

import io.ephemeral.client.service.ServeInterceptor;
import org.slf4j.MDC;

/**
 * Puts the served call's trace id into the logging MDC as {@code traceId} while its handler runs
 * (its synchronous part), and restores what was there before.
 */
final class TraceIdLogging implements ServeInterceptor {
  static final String KEY = "traceId";

  @Override
  public Object intercept(Chain chain) throws Exception {
    String traceId = chain.call().context().traceId();
    if (traceId == null) {
      return chain.proceed(chain.call());
    }
    String previous = MDC.get(KEY);
    MDC.put(KEY, traceId);
    try {
      return chain.proceed(chain.call());
    } finally {
      if (previous == null) {
        MDC.remove(KEY);
      } else {
        MDC.put(KEY, previous);
      }
    }
  }
}
