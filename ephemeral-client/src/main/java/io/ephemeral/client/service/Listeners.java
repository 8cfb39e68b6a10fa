package io.ephemeral.client.service;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The listeners of one {@link ServiceClient} and how its events reach them. */
final class Listeners {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceClient.class);

  private final String serviceName;
  private final Executor callbackExecutor;
  private final CopyOnWriteArrayList<ServiceListener> listeners;

  Listeners(String serviceName, Executor callbackExecutor, List<ServiceListener> initial) {
    this.serviceName = serviceName;
    this.callbackExecutor = callbackExecutor;
    this.listeners = new CopyOnWriteArrayList<>(initial);
  }

  void add(ServiceListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  void remove(ServiceListener listener) {
    listeners.remove(listener);
  }

  /** Tells every listener now, on the calling thread; a listener that throws is logged. */
  void emit(Consumer<ServiceListener> event) {
    for (ServiceListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        LOG.warn("service '{}': a listener threw", serviceName, e);
      }
    }
  }

  /** Emits after the current lock is released: on the callback executor. */
  void emitLater(Consumer<ServiceListener> event) {
    try {
      callbackExecutor.execute(() -> emit(event));
    } catch (RejectedExecutionException e) {
      emit(event);
    }
  }
}
