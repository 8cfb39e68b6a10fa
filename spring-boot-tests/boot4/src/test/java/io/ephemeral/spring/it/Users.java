package io.ephemeral.spring.it;

import io.ephemeral.client.service.ServiceInterface;

/** The contract of the test application's own service. */
@ServiceInterface("users")
public interface Users {
  User get(UserId userId);

  /** Places an order through the "orders" service (a nested call). */
  String order(String item);

  /** Fails with the code E_NO_SUCH_THING. */
  void fail();

  /** What the handler saw: the trace id in the logging MDC and in its context. */
  Trace trace();

  record UserId(long userId) {}

  record User(long userId, String displayName) {}

  record Trace(String mdcTraceId, String contextTraceId) {}
}
