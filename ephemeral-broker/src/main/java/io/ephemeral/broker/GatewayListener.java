package io.ephemeral.broker;

import java.nio.file.Path;
import java.util.List;

/**
 * Gateway events. Every method has an empty default, so implement only what you need. Listeners run
 * on the broker's event-loop thread: keep them short and never block in them. An exception thrown
 * by a listener is logged and otherwise ignored.
 */
public interface GatewayListener {
  /** The socket is bound and serving. */
  default void started(Path socket) {}

  /** The broker stopped; every connection is closed. */
  default void stopped() {}

  /** A service registered its first connection. */
  default void serviceRegistered(String service, List<String> methods) {}

  /** A service's last connection closed (or it was evicted as stale). */
  default void serviceDisconnected(String service) {}

  /** A CALL was delivered to its target service. */
  default void callRouted(String from, String to, String method, String requestId) {}

  /** A RESPONSE was delivered to its caller ({@code status} is "success" or "error"). */
  default void responseRouted(String from, String to, String status, String requestId) {}

  /** Something went wrong that no single peer caused (or a peer sent garbage). */
  default void error(String message) {}

  /** A debug line for every gateway message; only with debug logging on. */
  default void log(String message) {}
}
