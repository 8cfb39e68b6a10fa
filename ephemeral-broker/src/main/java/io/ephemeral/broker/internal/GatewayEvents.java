package io.ephemeral.broker.internal;

import io.ephemeral.broker.GatewayListener;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Delivers gateway events to the registered listeners; a failing listener never hurts the loop. */
final class GatewayEvents {
  private final CopyOnWriteArrayList<GatewayListener> listeners = new CopyOnWriteArrayList<>();
  private final BrokerLog log;
  private final boolean debug;

  GatewayEvents(BrokerLog log, boolean debug) {
    this.log = log;
    this.debug = debug;
  }

  void add(GatewayListener l) {
    listeners.add(l);
  }

  void remove(GatewayListener l) {
    listeners.remove(l);
  }

  /** Whether per-message log lines are worth building (debug on and someone listening). */
  boolean logging() {
    return debug && !listeners.isEmpty();
  }

  private interface Call {
    void on(GatewayListener l);
  }

  private void each(Call call) {
    for (GatewayListener l : listeners) {
      try {
        call.on(l);
      } catch (Throwable e) {
        // A listener's failure, whatever it is, is the listener's: never the gateway's.
        log.warn(
            "A gateway listener failed",
            "listener",
            l.getClass().getName(),
            "error",
            String.valueOf(e));
      }
    }
  }

  void started(Path socket) {
    each(l -> l.started(socket));
  }

  void stopped() {
    each(GatewayListener::stopped);
  }

  void serviceRegistered(String name, List<String> methods) {
    each(l -> l.serviceRegistered(name, methods));
  }

  void serviceDisconnected(String name) {
    each(l -> l.serviceDisconnected(name));
  }

  void callRouted(String from, String to, String method, String id) {
    if (!listeners.isEmpty()) {
      each(l -> l.callRouted(from, to, method, id));
    }
  }

  void responseRouted(String from, String to, String status, String id) {
    if (!listeners.isEmpty()) {
      each(l -> l.responseRouted(from, to, status, id));
    }
  }

  void error(String message) {
    if (!listeners.isEmpty()) {
      each(l -> l.error(message));
    }
  }

  void log(String message) {
    each(l -> l.log(message));
  }
}
