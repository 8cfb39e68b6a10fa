package io.ephemeral.broker;

import io.ephemeral.broker.store.RemoteStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A store that counts how the broker's calls reach the store it wraps: through the store threads
 * (one call, or a batch through {@code inOrder}) or through the event loop's own connection.
 */
final class CountingStore {
  /** Calls through the store threads: single gets and sets, and batches. */
  final AtomicInteger threadCalls = new AtomicInteger();

  /** Batches through the loop's connection. */
  final AtomicInteger loopBatches = new AtomicInteger();

  /** Loop connections made. */
  final AtomicInteger loopConnections = new AtomicInteger();

  /** Batches sent through the loop's connection and not answered yet, and the most at once. */
  final AtomicInteger outstanding = new AtomicInteger();

  final AtomicInteger mostOutstanding = new AtomicInteger();

  /** The size of every batch, either way. */
  final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

  /** {@code store}, counted. */
  RemoteStore wrap(RemoteStore store) {
    return (RemoteStore)
        Proxy.newProxyInstance(
            RemoteStore.class.getClassLoader(),
            new Class<?>[] {RemoteStore.class},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "get", "set" -> threadCalls.incrementAndGet();
                case "inOrder" -> {
                  threadCalls.incrementAndGet();
                  batchSizes.add(((List<?>) args[0]).size());
                }
                default -> {}
              }
              Object result = invoke(method, store, args);
              if (result instanceof RemoteStore.LoopConnection connection) {
                loopConnections.incrementAndGet();
                return counted(connection);
              }
              return result;
            });
  }

  private RemoteStore.LoopConnection counted(RemoteStore.LoopConnection connection) {
    return (RemoteStore.LoopConnection)
        Proxy.newProxyInstance(
            RemoteStore.class.getClassLoader(),
            new Class<?>[] {RemoteStore.LoopConnection.class},
            (proxy, method, args) -> {
              if (!method.getName().equals("send")) {
                return invoke(method, connection, args);
              }
              loopBatches.incrementAndGet();
              batchSizes.add(((List<?>) args[0]).size());
              mostOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
              @SuppressWarnings("unchecked")
              Consumer<List<Object>> done = (Consumer<List<Object>>) args[1];
              Consumer<List<Object>> answered =
                  results -> {
                    outstanding.decrementAndGet();
                    done.accept(results);
                  };
              return invoke(method, connection, new Object[] {args[0], answered});
            });
  }

  private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
