package io.ephemeral.client.service;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ephemeral.protocol.Hmac;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named service on the broker's service gateway: it serves methods to other processes and calls
 * theirs, wire compatible with the Node {@code ipc-bro} {@code IPCClient}.
 *
 * <pre>{@code
 * try (ServiceClient orders = ServiceClient.builder().serviceName("order-service").build()) {
 *   orders.registerMethod("getOrder", (params, ctx) -> {
 *     User user = ctx.call("user-service", "getUser", Map.of("id", 7), User.class); // nested
 *     return new Order(params.get("orderId").asText(), user);
 *   });
 *   orders.connect();
 *   Stock stock = orders.call("inventory", "check", Map.of("sku", "A-1"), Stock.class);
 * }
 * }</pre>
 *
 * <p>Thread-safe; share one client per service name. Calls fail with a {@link ServiceException}
 * whose {@link ServiceException#code() code} says why. See the package documentation for the
 * threading model, reconnection and the context rules.
 */
public final class ServiceClient implements AutoCloseable {
  /*
   * Implementation notes.
   *
   * Threads: one reader thread per pool connection (Link), one scheduler thread per client
   * (timeouts, heartbeats, reconnect attempts, registration timeouts), the handler executor
   * (incoming CALLs) and the callback executor (completes the futures
   * of the async API, so user code never runs on a reader or on the scheduler). The one
   * exception: methods registered non-blocking run on the reader, which saves the hand-off. A
   * reader never waits on a write (Link queues what the socket cannot take), so it can never
   * block on a peer that waits for us to read; a blocking call from a reader of this client is
   * refused for the same reason.
   *
   * State: `state` guards wanted/closed/links/attempts/reconnects/announcedUp. `wanted` is what
   * the user asked for (connect() sets it, disconnect() clears it); reconnect attempts only run
   * while it is set. `links[i]` is the registered connection of pool slot i, or null while it is
   * down; `live` is an immutable snapshot of the non-null ones for lock-free sending. A Link
   * sets its closed flag before it reports the closure (onClosed takes `state`), so installing a
   * link under `state` after checking isClosed() cannot miss its loss.
   *
   * Calls: `pending` maps request id -> Pending. Exactly one of response / error / timeout /
   * connection loss / disconnect removes the entry (ConcurrentHashMap.remove(id, p)), and
   * whoever removes it completes the future and cancels the timer. The timer is armed after the
   * entry is added and disarmed if the call already finished, so no timer outlives its call;
   * a send failure removes the entry and the timer at once.
   *
   * The gateway enforces context deadlines as well, so for a call that runs out of time its
   * DEADLINE_EXCEEDED response and our timer race; a DEADLINE_EXCEEDED arriving once the call's
   * own time is up is reported as TIMEOUT, so the outcome does not depend on who was first.
   *
   * Context: never kept in a field. A handler gets its CallContext as an argument; nested calls
   * get it as their parent and extend it (append own name, depth + 1, same root and deadline).
   */
  private static final Logger LOG = LoggerFactory.getLogger(ServiceClient.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final String PROTOCOL_VERSION = "1.0.0";

  private final String serviceName;
  private final Path gateway;
  private final boolean autoReconnect;
  private final long reconnectDelayMs;
  private final long maxReconnectDelayMs;
  private final long timeoutMs;
  private final long heartbeatMs;
  private final Serializer serializer;
  private final int poolSize;
  private final Executor handlerExecutor;
  private final ExecutorService ownedHandlerExecutor;
  private final Executor callbackExecutor;
  private final ObjectMapper mapper;
  private final int maxFrameSize;
  private final long busyPollNanos;
  private final boolean debug;

  /** REGISTER's proof of the broker's secret ({@code auth}), or null without a secret. */
  private final String registrationProof;

  /** What every connection of this pool presents to join it ({@code metadata.poolKey}). */
  private final String poolKey;

  private final Ids ids = new Ids();
  private final ScheduledThreadPoolExecutor scheduler;
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<ServiceListener> listeners;
  private final Set<Link> openLinks = ConcurrentHashMap.newKeySet();
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final ReentrantLock connectLock = new ReentrantLock();
  private final Object methodsLock = new Object();
  private volatile Map<String, MethodHandler> methods = Map.of();

  private final Object state = new Object();
  private boolean wanted;
  private boolean closed;
  private boolean announcedUp;
  private final Link[] links;
  private final int[] attempts;
  private final ScheduledFuture<?>[] reconnects;
  private ScheduledFuture<?> heartbeat;
  private volatile Link[] live = new Link[0];

  private ServiceClient(Builder b, Path gateway, String secret) {
    this.serviceName = b.serviceName;
    this.registrationProof =
        secret == null ? null : Hmac.withSecret(secret).registrationProof(b.serviceName);
    this.poolKey = b.poolSize > 1 ? Ids.poolKey() : null;
    this.gateway = gateway;
    this.autoReconnect = b.autoReconnect;
    this.reconnectDelayMs = b.reconnectDelay.toMillis();
    this.maxReconnectDelayMs = b.maxReconnectDelay.toMillis();
    this.timeoutMs = b.timeout.toMillis();
    this.heartbeatMs = b.heartbeatInterval.toMillis();
    this.serializer = b.serializer;
    this.poolSize = b.poolSize;
    this.mapper = b.objectMapper == null ? new ObjectMapper() : b.objectMapper;
    this.maxFrameSize = b.maxFrameSize;
    this.busyPollNanos = b.busyPoll.toNanos();
    this.debug = b.debug;
    if (b.handlerExecutor == null) {
      this.ownedHandlerExecutor = CallbackExecutor.handlers(serviceName, b.handlerThreads);
      this.handlerExecutor = ownedHandlerExecutor;
    } else {
      this.ownedHandlerExecutor = null;
      this.handlerExecutor = b.handlerExecutor;
    }
    this.callbackExecutor =
        b.callbackExecutor == null ? CallbackExecutor.shared() : b.callbackExecutor;
    this.listeners = new CopyOnWriteArrayList<>(b.listeners);
    this.links = new Link[poolSize];
    this.attempts = new int[poolSize];
    this.reconnects = new ScheduledFuture<?>[poolSize];
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "ephemeral-service-" + serviceName + "-timer");
              t.setDaemon(true);
              return t;
            });
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** A builder; {@link Builder#serviceName(String)} is required. */
  public static Builder builder() {
    return new Builder();
  }

  // ======================================================================== methods served

  /**
   * Serves {@code name} with {@code handler}, replacing any handler of that name. Allowed before
   * and after {@link #connect()}: the method list sent at registration is informational, so a
   * method added later is callable at once; a re-registration after a reconnect announces the
   * current list.
   *
   * @throws IllegalArgumentException if the name is empty
   */
  public void registerMethod(String name, MethodHandler handler) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(handler, "handler");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("method name must not be empty");
    }
    synchronized (methodsLock) {
      Map<String, MethodHandler> next = new LinkedHashMap<>(methods);
      next.put(name, handler);
      methods = Collections.unmodifiableMap(next);
    }
  }

  /**
   * Serves {@code name} with a handler that never blocks, run on the connection's reader thread as
   * soon as its CALL is read: no hand-off to the handler executor, which saves a thread wake-up per
   * call (tens of microseconds on an idle machine) and most of the client's CPU per call. For
   * handlers that compute their result from the params at once, or that start asynchronous work and
   * return a {@code CompletionStage} (nested calls with {@code ctx.callAsync}). While such a
   * handler runs, its connection reads nothing, so it must not wait for anything: no I/O, no locks
   * held by others, no blocking calls (a blocking {@code call} or {@code callAll} from it fails at
   * once with {@code INTERNAL_ERROR} instead of waiting for a response that only this thread could
   * read). Everything else is as {@link #registerMethod(String, MethodHandler)}, which it replaces
   * for that name.
   *
   * @throws IllegalArgumentException if the name is empty
   */
  public void registerNonBlockingMethod(String name, MethodHandler handler) {
    Objects.requireNonNull(handler, "handler");
    registerMethod(name, new NonBlocking(handler));
  }

  /** Marks a handler to run on the reader thread. */
  private static final class NonBlocking implements MethodHandler {
    private final MethodHandler handler;

    NonBlocking(MethodHandler handler) {
      this.handler = handler;
    }

    @Override
    public Object handle(JsonNode params, CallContext context) throws Exception {
      return handler.handle(params, context);
    }
  }

  /**
   * Serves {@code name} with a handler whose parameters are first mapped to {@code paramsType} by
   * the client's {@code ObjectMapper}; parameters that do not fit are answered with {@code
   * DESERIALIZATION_FAILED}.
   *
   * @throws IllegalArgumentException if the name is empty
   */
  public <P> void registerMethod(String name, Class<P> paramsType, MethodHandler.Typed<P> handler) {
    Objects.requireNonNull(paramsType, "paramsType");
    Objects.requireNonNull(handler, "handler");
    JavaType type = mapper.constructType(paramsType);
    registerMethod(
        name,
        (params, ctx) -> {
          P typed;
          try {
            typed = mapper.treeToValue(params, type);
          } catch (Exception e) {
            throw new ServiceException(
                ServiceException.DESERIALIZATION_FAILED,
                "Invalid params for '" + name + "': " + Mapping.rootMessage(e),
                e);
          }
          return handler.handle(typed, ctx);
        });
  }

  /**
   * Stops serving {@code name}; later calls get {@code METHOD_NOT_FOUND}.
   *
   * @return whether the method was registered
   */
  public boolean unregisterMethod(String name) {
    synchronized (methodsLock) {
      if (!methods.containsKey(name)) {
        return false;
      }
      Map<String, MethodHandler> next = new LinkedHashMap<>(methods);
      next.remove(name);
      methods = Collections.unmodifiableMap(next);
      return true;
    }
  }

  /** The methods this service serves, in registration order. */
  public List<String> getRegisteredMethods() {
    return List.copyOf(methods.keySet());
  }

  // ======================================================================== lifecycle

  /**
   * Connects every pool connection, registers the service and waits for the gateway's
   * acknowledgements (each within the timeout). Returns at once if already connected. After a
   * failure nothing is retried in the background and the client stays disconnected; call {@code
   * connect()} again to retry. Once connected, lost connections are re-established and
   * re-registered in the background when {@code autoReconnect} is on.
   *
   * @throws ServiceException {@code CONNECTION_FAILED} if the gateway cannot be reached, does not
   *     acknowledge in time, or refuses the registration (e.g. "Service 'x' is already
   *     registered"); {@code NOT_CONNECTED} if {@link #disconnect()} was called meanwhile
   * @throws IllegalStateException if the client is closed
   */
  public void connect() {
    connectLock.lock();
    try {
      synchronized (state) {
        if (closed) {
          throw new IllegalStateException("ServiceClient '" + serviceName + "' is closed");
        }
        if (wanted && live.length > 0) {
          return;
        }
        wanted = true;
        cancelReconnectsLocked();
      }
      List<Link> opened = new ArrayList<>(poolSize);
      try {
        opened.add(openAndRegister(0));
        awaitRegistration(opened.get(0));
        for (int i = 1; i < poolSize; i++) {
          opened.add(openAndRegister(i));
        }
        for (int i = 1; i < poolSize; i++) {
          awaitRegistration(opened.get(i));
        }
      } catch (ServiceException e) {
        synchronized (state) {
          wanted = false;
        }
        for (Link l : opened) {
          l.close(null);
        }
        throw e;
      }
      boolean becameUp;
      List<Integer> lost = new ArrayList<>();
      List<Link> redundant = new ArrayList<>();
      synchronized (state) {
        if (!wanted || closed) {
          for (Link l : opened) {
            l.close(null);
          }
          throw new ServiceException(
              ServiceException.NOT_CONNECTED, "Client disconnected while connecting");
        }
        for (Link l : opened) {
          if (l.isClosed()) {
            lost.add(l.index);
          } else if (links[l.index] != null) {
            redundant.add(l); // a background reconnect got there first
          } else {
            links[l.index] = l;
            attempts[l.index] = 0;
          }
        }
        refreshLiveLocked();
        becameUp = !announcedUp && live.length > 0;
        announcedUp |= live.length > 0;
        for (int index : lost) {
          scheduleReconnectLocked(index);
        }
        startHeartbeatLocked();
      }
      for (Link l : redundant) {
        l.close(null);
      }
      if (live.length == 0) {
        throw new ServiceException(
            ServiceException.CONNECTION_FAILED, "Connection closed right after registration");
      }
      for (int i = 0; i < opened.size() - lost.size() - redundant.size(); i++) {
        emit(ServiceListener::onRegistered);
      }
      if (becameUp) {
        emit(ServiceListener::onConnected);
      }
    } finally {
      connectLock.unlock();
    }
  }

  /**
   * Closes the connections, fails pending calls with {@code NOT_CONNECTED} and stops heartbeats.
   * Does <em>not</em> reconnect afterwards (the Node client did); {@link #connect()} may be called
   * again.
   */
  public void disconnect() {
    List<Link> toClose;
    boolean wasUp;
    synchronized (state) {
      wanted = false;
      cancelReconnectsLocked();
      Arrays.fill(links, null);
      Arrays.fill(attempts, 0);
      refreshLiveLocked();
      wasUp = announcedUp;
      announcedUp = false;
      if (heartbeat != null) {
        heartbeat.cancel(false);
        heartbeat = null;
      }
      toClose = new ArrayList<>(openLinks);
    }
    failPending(p -> true, ServiceException.NOT_CONNECTED, "Client disconnected");
    for (Link l : toClose) {
      l.close(null);
    }
    if (wasUp) {
      emit(ServiceListener::onDisconnected);
    }
  }

  /**
   * Disconnects and releases the client's threads (and its default handler executor). The client
   * cannot be connected again.
   */
  @Override
  public void close() {
    disconnect();
    synchronized (state) {
      closed = true;
    }
    scheduler.shutdownNow();
    if (ownedHandlerExecutor != null) {
      ownedHandlerExecutor.shutdown();
    }
  }

  /** Whether at least one connection is registered with the gateway. */
  public boolean isConnected() {
    return live.length > 0;
  }

  /** A snapshot of this client's state. */
  public ServiceStatus getStatus() {
    int reconnectAttempts;
    synchronized (state) {
      reconnectAttempts = Arrays.stream(attempts).sum();
    }
    Link[] now = live;
    return new ServiceStatus(
        serviceName,
        now.length > 0,
        gateway,
        getRegisteredMethods(),
        pending.size(),
        poolSize,
        now.length,
        reconnectAttempts);
  }

  /** Timers and scheduled tasks still queued (tests check that none leaks). */
  int scheduledTasks() {
    return scheduler.getQueue().size();
  }

  /** This service's name. */
  public String serviceName() {
    return serviceName;
  }

  /** Adds a listener; listeners given to the builder are already added. */
  public void addListener(ServiceListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Removes a listener. */
  public void removeListener(ServiceListener listener) {
    listeners.remove(listener);
  }

  // ======================================================================== calls

  /**
   * Calls {@code service.method(params)} in a new call chain and waits for the result.
   *
   * @param params mapped to JSON by the client's {@code ObjectMapper}; {@code null} is sent as
   *     {@code {}}
   * @param resultType the result's type; {@code JsonNode.class} for the raw tree, {@code
   *     Void.class} to ignore it
   * @throws ServiceException with the remote error's code and message, or {@code TIMEOUT}, {@code
   *     NOT_CONNECTED}, {@code CONNECTION_LOST}, {@code SERVICE_NOT_FOUND}, {@code
   *     METHOD_NOT_FOUND}, {@code SERIALIZATION_FAILED}, {@code DESERIALIZATION_FAILED}, {@code
   *     INVALID_MESSAGE} (too large) or {@code INTERNAL_ERROR} (interrupted)
   */
  public <T> T call(String service, String method, Object params, Class<T> resultType) {
    return call(CallRequest.of(service, method, params), resultType);
  }

  /**
   * A call nested in {@code parent} (from a handler: its context), or a new chain if {@code parent}
   * is null. The call's timeout is the smaller of the client's timeout and the time left to the
   * parent's deadline.
   *
   * @throws ServiceException as {@link #call(String, String, Object, Class)}, and {@code
   *     DEADLINE_EXCEEDED} / {@code MAX_DEPTH_EXCEEDED} (nothing sent) when the parent's deadline
   *     has passed or the chain would exceed {@value CallContext#MAX_DEPTH} calls
   */
  public <T> T call(
      String service, String method, Object params, Class<T> resultType, CallContext parent) {
    return call(new CallRequest(service, method, params, null, parent), resultType);
  }

  /** {@link #call(String, String, Object, Class)} for generic result types. */
  public <T> T call(String service, String method, Object params, TypeReference<T> resultType) {
    return call(service, method, params, resultType, null);
  }

  /** {@link #call(String, String, Object, Class, CallContext)} for generic result types. */
  public <T> T call(
      String service,
      String method,
      Object params,
      TypeReference<T> resultType,
      CallContext parent) {
    return await(
        start(new CallRequest(service, method, params, null, parent)),
        mapper.getTypeFactory().constructType(resultType));
  }

  /**
   * The call described by {@code request} (its own timeout, its parent), waiting for the result.
   */
  public <T> T call(CallRequest request, Class<T> resultType) {
    return await(start(request), mapper.constructType(resultType));
  }

  /**
   * Starts a call in a new chain. The future completes on the callback executor, with the result or
   * with a {@link ServiceException} (wrapped by {@code get()}/{@code join()}); it is never
   * completed on the client's internal threads. Pre-send failures ({@code NOT_CONNECTED}, {@code
   * DEADLINE_EXCEEDED}, ...) fail the future too.
   */
  public <T> CompletableFuture<T> callAsync(
      String service, String method, Object params, Class<T> resultType) {
    return callAsync(CallRequest.of(service, method, params), resultType);
  }

  /** Starts a call nested in {@code parent} (or a new chain if null). */
  public <T> CompletableFuture<T> callAsync(
      String service, String method, Object params, Class<T> resultType, CallContext parent) {
    return callAsync(new CallRequest(service, method, params, null, parent), resultType);
  }

  /**
   * Starts the call described by {@code request}. Cancelling the returned future gives the call up:
   * it is no longer pending and its timer is gone; a late response is dropped.
   */
  public <T> CompletableFuture<T> callAsync(CallRequest request, Class<T> resultType) {
    JavaType type = mapper.constructType(resultType);
    CompletableFuture<T> out = new CompletableFuture<>();
    CompletableFuture<JsonNode> call = start(request);
    out.whenComplete(
        (v, e) -> {
          if (e instanceof CancellationException) {
            call.cancel(false);
          }
        });
    call.whenCompleteAsync(
        (tree, error) -> {
          if (error != null) {
            out.completeExceptionally(unwrap(error));
            return;
          }
          try {
            out.complete(Mapping.fromTree(mapper, tree, type));
          } catch (RuntimeException e) {
            out.completeExceptionally(e);
          }
        },
        callbackExecutor);
    return out;
  }

  /**
   * Runs a batch of calls, at most {@code concurrency} in flight at a time, and waits for all of
   * them. Failures are reported per item: one failed call neither stops nor fails the others (the
   * Node BatchHelper failed the whole batch on the first error). Results are in input order.
   *
   * @throws IllegalArgumentException if concurrency is less than 1
   * @throws ServiceException {@code INTERNAL_ERROR} if the waiting thread is interrupted (calls
   *     already started go on)
   */
  public List<CallResult> callAll(List<CallRequest> calls, int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
    }
    List<CallRequest> requests = List.copyOf(calls);
    int n = requests.size();
    if (n == 0) {
      return List.of();
    }
    CallResult[] results = new CallResult[n];
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(n);
    Runnable worker =
        new Runnable() {
          @Override
          public void run() {
            int i = next.getAndIncrement();
            if (i >= n) {
              return;
            }
            CallRequest r = requests.get(i);
            start(r)
                .whenCompleteAsync(
                    (tree, error) -> {
                      results[i] =
                          error == null
                              ? new CallResult(r, tree, null, mapper)
                              : new CallResult(r, null, unwrap(error), mapper);
                      done.countDown();
                      run();
                    },
                    callbackExecutor);
          }
        };
    for (int k = 0; k < Math.min(concurrency, n); k++) {
      worker.run();
    }
    if (done.getCount() > 0) {
      refuseBlockingOnReader();
    }
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServiceException(
          ServiceException.INTERNAL_ERROR, "Interrupted while waiting for a batch of calls", e);
    }
    return List.of(results);
  }

  private <T> T await(CompletableFuture<JsonNode> future, JavaType type) {
    JsonNode tree;
    if (!future.isDone()) {
      refuseBlockingOnReader();
      spinUntilDone(future);
    }
    try {
      tree = future.get();
    } catch (ExecutionException e) {
      throw unwrap(e).rethrown();
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw new ServiceException(
          ServiceException.INTERNAL_ERROR, "Interrupted while waiting for a response", e);
    }
    return Mapping.fromTree(mapper, tree, type);
  }

  /** Polls a call's future for up to busyPoll before the caller parks in get(). */
  private void spinUntilDone(CompletableFuture<?> future) {
    if (busyPollNanos <= 0) {
      return;
    }
    long until = System.nanoTime() + busyPollNanos;
    while (!future.isDone() && System.nanoTime() - until < 0) {
      Thread.onSpinWait();
    }
  }

  /**
   * A non-blocking handler runs on a reader thread of this client; waiting there for a response
   * that thread would have to read can only end in a timeout, so it fails at once.
   */
  private void refuseBlockingOnReader() {
    if (Link.isReaderOf(owner)) {
      throw new ServiceException(
          ServiceException.INTERNAL_ERROR,
          "A blocking call from a non-blocking handler would wait for its own connection's"
              + " reader; use callAsync");
    }
  }

  private static ServiceException unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ServiceException) {
      return (ServiceException) t;
    }
    if (t instanceof CancellationException) {
      return new ServiceException(ServiceException.INTERNAL_ERROR, "Call cancelled", t);
    }
    return new ServiceException(ServiceException.INTERNAL_ERROR, String.valueOf(t.getMessage()), t);
  }

  /** Sends a CALL. Never throws for protocol failures: the returned future carries them. */
  private CompletableFuture<JsonNode> start(CallRequest request) {
    long now = System.currentTimeMillis();
    long limit = request.timeout() == null ? timeoutMs : request.timeout().toMillis();
    CallContext base =
        request.parent() != null
            ? request.parent()
            : new CallContext(Ids.root(), List.of(serviceName), 1, now + limit, null);
    CallContext context = base.extend(serviceName, null);
    if (now > context.deadline()) {
      return failed(ServiceException.DEADLINE_EXCEEDED, "Request deadline exceeded");
    }
    if (context.depth() > CallContext.MAX_DEPTH) {
      return failed(ServiceException.MAX_DEPTH_EXCEEDED, "Maximum call depth exceeded");
    }
    Link link = pickLink();
    if (link == null) {
      return failed(ServiceException.NOT_CONNECTED, "Not connected to Gateway");
    }
    String id = ids.request();
    byte[] body;
    try {
      JsonNode params =
          request.params() == null ? NODES.objectNode() : Mapping.toTree(mapper, request.params());
      try {
        body =
            checkSize(
                WireCodec.encodeCall(
                    serializer,
                    id,
                    serviceName,
                    request.service(),
                    request.method(),
                    params,
                    context));
      } catch (IOException | RuntimeException e) {
        throw serializationFailed(e);
      }
    } catch (ServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
    long wait = Math.max(1, Math.min(context.deadline() - now, limit));
    Pending p = new Pending(id, link, wait, now + wait);
    pending.put(id, p);
    p.future.whenComplete(
        (v, e) -> {
          if (e instanceof CancellationException && pending.remove(id, p)) {
            p.disarm();
          }
        });
    try {
      p.arm(
          scheduler.schedule(
              () -> {
                if (pending.remove(id, p)) {
                  p.fail(timeout(wait));
                }
              },
              wait,
              TimeUnit.MILLISECONDS));
    } catch (RejectedExecutionException e) {
      pending.remove(id, p);
      return failed(ServiceException.NOT_CONNECTED, "Client closed");
    }
    try {
      link.send(body);
    } catch (IOException e) {
      if (pending.remove(id, p)) {
        p.fail(
            new ServiceException(
                ServiceException.CONNECTION_LOST, "Connection closed: " + e.getMessage(), e));
      }
    }
    return p.future;
  }

  private static ServiceException timeout(long waitMillis) {
    return new ServiceException(
        ServiceException.TIMEOUT, "Request timeout after " + waitMillis + "ms");
  }

  private static CompletableFuture<JsonNode> failed(String code, String message) {
    return CompletableFuture.failedFuture(new ServiceException(code, message));
  }

  private Link pickLink() {
    Link[] now = live;
    for (int tries = 0; tries < now.length; tries++) {
      Link l = now[Math.floorMod(roundRobin.getAndIncrement(), now.length)];
      if (!l.isClosed()) {
        return l;
      }
    }
    return null;
  }

  private byte[] encode(ObjectNode message) {
    byte[] body;
    try {
      body = WireCodec.encode(message, serializer);
    } catch (IOException | RuntimeException e) {
      throw serializationFailed(e);
    }
    return checkSize(body);
  }

  private static ServiceException serializationFailed(Exception e) {
    if (e instanceof ServiceException) {
      return (ServiceException) e;
    }
    return new ServiceException(
        ServiceException.SERIALIZATION_FAILED,
        "Failed to serialize message: " + Mapping.rootMessage(e),
        e);
  }

  private byte[] checkSize(byte[] body) {
    if (body.length > maxFrameSize) {
      throw new ServiceException(
          ServiceException.INVALID_MESSAGE,
          "Message of "
              + body.length
              + " bytes exceeds the maximum frame size of "
              + maxFrameSize
              + " bytes");
    }
    return body;
  }

  // ======================================================================== connections

  private Link openAndRegister(int index) {
    Link link;
    try {
      link =
          Link.open(
              gateway,
              index,
              owner,
              maxFrameSize,
              busyPollNanos,
              "ephemeral-service-" + serviceName + "-reader-" + index);
    } catch (IOException | RuntimeException e) {
      throw new ServiceException(
          ServiceException.CONNECTION_FAILED,
          "Cannot connect to the gateway at " + gateway + ": " + e.getMessage(),
          e);
    }
    openLinks.add(link);
    ObjectNode register = NODES.objectNode();
    register.put("type", "REGISTER");
    register.put("serviceName", serviceName);
    ArrayNode list = register.putArray("methods");
    methods.keySet().forEach(list::add);
    register.put("version", PROTOCOL_VERSION);
    ObjectNode metadata = register.putObject("metadata");
    if (poolSize > 1) {
      metadata.put("poolIndex", index);
      metadata.put("poolSize", poolSize);
      metadata.put("poolKey", poolKey);
    }
    if (registrationProof != null) {
      register.put("auth", registrationProof);
    }
    try {
      link.send(encode(register));
      ScheduledFuture<?> timer =
          scheduler.schedule(
              () ->
                  link.registration.completeExceptionally(
                      new ServiceException(
                          ServiceException.CONNECTION_FAILED,
                          "Registration timeout after " + timeoutMs + "ms")),
              timeoutMs,
              TimeUnit.MILLISECONDS);
      link.registration.whenComplete((v, e) -> timer.cancel(false));
    } catch (IOException | RuntimeException e) {
      link.close(e);
      throw new ServiceException(
          ServiceException.CONNECTION_FAILED,
          "Cannot register with the gateway at " + gateway + ": " + e.getMessage(),
          e);
    }
    return link;
  }

  private void awaitRegistration(Link link) {
    try {
      link.registration.get();
    } catch (ExecutionException e) {
      ServiceException se = unwrap(e);
      throw new ServiceException(
          ServiceException.CONNECTION_FAILED.equals(se.code())
              ? se.code()
              : ServiceException.CONNECTION_FAILED,
          se.getMessage(),
          se);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServiceException(
          ServiceException.CONNECTION_FAILED, "Interrupted while registering", e);
    }
  }

  private void refreshLiveLocked() {
    List<Link> up = new ArrayList<>(poolSize);
    for (Link l : links) {
      if (l != null) {
        up.add(l);
      }
    }
    live = up.toArray(new Link[0]);
  }

  private void cancelReconnectsLocked() {
    for (int i = 0; i < reconnects.length; i++) {
      if (reconnects[i] != null) {
        reconnects[i].cancel(false);
        reconnects[i] = null;
      }
    }
  }

  private void scheduleReconnectLocked(int index) {
    if (!wanted || closed || !autoReconnect || reconnects[index] != null) {
      return;
    }
    int attempt = attempts[index] + 1;
    long delay = reconnectDelayMs;
    for (int i = 1; i < attempt && delay < maxReconnectDelayMs; i++) {
      delay *= 2;
    }
    delay = Math.min(delay, maxReconnectDelayMs);
    try {
      reconnects[index] = scheduler.schedule(() -> reconnect(index), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void reconnect(int index) {
    synchronized (state) {
      reconnects[index] = null;
      if (!wanted || closed || links[index] != null) {
        return;
      }
      attempts[index]++;
    }
    Link link;
    try {
      link = openAndRegister(index);
    } catch (ServiceException e) {
      LOG.debug("service '{}': reconnect attempt failed: {}", serviceName, e.getMessage());
      synchronized (state) {
        scheduleReconnectLocked(index);
      }
      return;
    }
    link.registration.whenComplete(
        (v, error) -> {
          if (error != null) {
            link.close(error);
            emit(l -> l.onError(unwrap(error)));
            synchronized (state) {
              scheduleReconnectLocked(index);
            }
            return;
          }
          boolean becameUp;
          synchronized (state) {
            if (!wanted || closed || links[index] != null || link.isClosed()) {
              if (link.isClosed()) {
                scheduleReconnectLocked(index);
              }
              becameUp = false;
            } else {
              links[index] = link;
              attempts[index] = 0;
              refreshLiveLocked();
              becameUp = !announcedUp;
              announcedUp = true;
              emitLater(ServiceListener::onRegistered);
              if (becameUp) {
                emitLater(ServiceListener::onConnected);
              }
              return;
            }
          }
          link.close(null);
        });
  }

  private void startHeartbeatLocked() {
    if (heartbeat != null) {
      return;
    }
    heartbeat =
        scheduler.scheduleAtFixedRate(
            this::sendHeartbeats, heartbeatMs, heartbeatMs, TimeUnit.MILLISECONDS);
  }

  private void sendHeartbeats() {
    ObjectNode hb = NODES.objectNode();
    hb.put("type", "HEARTBEAT");
    hb.put("from", serviceName);
    hb.put("timestamp", System.currentTimeMillis());
    byte[] body = encode(hb);
    for (Link l : live) {
      try {
        l.send(body);
      } catch (IOException e) {
        LOG.debug("service '{}': heartbeat failed: {}", serviceName, e.getMessage());
      }
    }
  }

  private final Link.Owner owner =
      new Link.Owner() {
        @Override
        public void onMessage(Link link, WireMessage message) {
          try {
            dispatch(link, message);
          } catch (RuntimeException e) {
            LOG.warn("service '{}': failed to process a message", serviceName, e);
            emit(l -> l.onError(e));
          }
        }

        @Override
        public void onUndecodable(Link link, Exception error) {
          ServiceException e =
              new ServiceException(
                  ServiceException.DESERIALIZATION_FAILED,
                  "Failed to deserialize message: " + Mapping.rootMessage(error),
                  error);
          LOG.warn("service '{}': {}", serviceName, e.getMessage());
          emit(l -> l.onError(e));
        }

        @Override
        public void onClosed(Link link, Throwable cause) {
          linkClosed(link, cause);
        }
      };

  private void linkClosed(Link link, Throwable cause) {
    openLinks.remove(link);
    boolean lostLast;
    synchronized (state) {
      if (links[link.index] != link) {
        return; // never installed, or already replaced by disconnect()
      }
      links[link.index] = null;
      refreshLiveLocked();
      lostLast = live.length == 0 && announcedUp;
      if (lostLast) {
        announcedUp = false;
      }
      scheduleReconnectLocked(link.index);
    }
    failPending(
        p -> p.link == link,
        ServiceException.CONNECTION_LOST,
        "Connection closed" + (cause == null ? "" : ": " + cause.getMessage()));
    if (cause != null) {
      LOG.debug("service '{}': connection {} lost: {}", serviceName, link.index, cause.toString());
    }
    if (lostLast) {
      emit(ServiceListener::onDisconnected);
    }
  }

  private void failPending(
      java.util.function.Predicate<Pending> which, String code, String message) {
    for (Pending p : pending.values()) {
      if (which.test(p) && pending.remove(p.id, p)) {
        p.fail(new ServiceException(code, message));
      }
    }
  }

  // ======================================================================== incoming messages

  private void dispatch(Link link, WireMessage message) {
    String type = message.type;
    if (type == null) {
      emit(
          l ->
              l.onError(
                  new ServiceException(
                      ServiceException.INVALID_MESSAGE, "Message missing \"type\" field")));
      return;
    }
    switch (type) {
      case "REGISTER_ACK":
        link.registration.complete(null);
        break;
      case "RESPONSE":
        onResponse(message);
        break;
      case "CALL":
        onCall(link, message);
        break;
      case "ERROR":
        onErrorFrame(link, message);
        break;
      case "HEARTBEAT":
        break;
      default:
        emit(
            l ->
                l.onError(
                    new ServiceException(
                        ServiceException.INVALID_MESSAGE, "Unknown message type: " + type)));
    }
  }

  private void onResponse(WireMessage message) {
    String id = message.id;
    Pending p = id == null ? null : pending.remove(id);
    if (p == null) {
      LOG.debug("service '{}': dropped a response for unknown request {}", serviceName, id);
      return;
    }
    if ("success".equals(message.status)) {
      JsonNode data = message.data;
      p.complete(data == null ? NODES.nullNode() : data);
      emit(l -> l.onResponseReceived(new ServiceListener.ResponseReceived(id, true, null)));
    } else {
      ServiceException e = remoteError(message.error, ServiceException.EXECUTION_FAILED);
      if (ServiceException.DEADLINE_EXCEEDED.equals(e.code())
          && System.currentTimeMillis() >= p.expiresAt - 2) {
        // The gateway enforces deadlines too and may notice the expiry just before our timer:
        // a call that ran out of its time is a TIMEOUT whoever saw it first.
        e = timeout(p.wait);
      }
      p.fail(e);
      String error = e.getMessage();
      emit(l -> l.onResponseReceived(new ServiceListener.ResponseReceived(id, false, error)));
    }
  }

  private void onErrorFrame(Link link, WireMessage message) {
    String id = message.id;
    ServiceException e = remoteError(message.error, ServiceException.INTERNAL_ERROR);
    emit(l -> l.onGatewayError(new ServiceListener.GatewayError(e.getMessage(), e.code(), id)));
    if (id != null) {
      Pending p = pending.remove(id);
      if (p != null) {
        p.fail(e);
        return;
      }
    }
    if (!link.registration.isDone()) {
      link.registration.completeExceptionally(
          new ServiceException(ServiceException.CONNECTION_FAILED, e.getMessage(), e));
    }
  }

  private static ServiceException remoteError(JsonNode error, String defaultCode) {
    String message = error == null ? null : text(error, "message");
    String code = error == null ? null : text(error, "code");
    String stack = error == null ? null : text(error, "stack");
    return new ServiceException(
        code == null || code.isEmpty() ? defaultCode : code,
        message == null ? "Unknown error" : message,
        stack,
        null);
  }

  private void onCall(Link link, WireMessage message) {
    if (message.method != null && methods.get(message.method) instanceof NonBlocking) {
      serve(link, message); // on this reader thread, as the method asked
      return;
    }
    try {
      handlerExecutor.execute(() -> serve(link, message));
    } catch (RejectedExecutionException e) {
      // The handler pool refused: answer from the timer thread, never from this reader.
      try {
        scheduler.execute(
            () ->
                respond(
                    link,
                    message,
                    null,
                    new ServiceException(
                        ServiceException.INTERNAL_ERROR,
                        "Service '" + serviceName + "' cannot accept calls now")));
      } catch (RejectedExecutionException closing) {
        LOG.debug("service '{}': dropped a call while closing", serviceName);
      }
    }
  }

  private void serve(Link link, WireMessage message) {
    String method = message.method;
    CallContext context = parseContext(message.context);
    if (context == null) {
      respond(
          link,
          message,
          null,
          new ServiceException(ServiceException.INVALID_CONTEXT, "Invalid context"));
      return;
    }
    MethodHandler handler = method == null ? null : methods.get(method);
    if (handler == null) {
      respond(
          link,
          message,
          null,
          new ServiceException(
              ServiceException.METHOD_NOT_FOUND, "Method '" + method + "' not found"));
      return;
    }
    if (System.currentTimeMillis() > context.deadline()) {
      respond(
          link,
          message,
          null,
          new ServiceException(ServiceException.DEADLINE_EXCEEDED, "Request deadline exceeded"));
      return;
    }
    JsonNode params = message.params;
    Object result;
    try {
      result = handler.handle(params == null ? NODES.nullNode() : params, context);
    } catch (Throwable t) {
      respond(link, message, null, t);
      rethrowFatal(t);
      return;
    }
    if (result instanceof CompletionStage) {
      ((CompletionStage<?>) result)
          .whenComplete((value, error) -> respond(link, message, value, error));
    } else {
      respond(link, message, result, null);
    }
  }

  private static void rethrowFatal(Throwable t) {
    if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
      throw (VirtualMachineError) t;
    }
  }

  private CallContext parseContext(JsonNode c) {
    if (c == null || !c.isObject()) {
      return null;
    }
    JsonNode root = c.get("root");
    JsonNode chain = c.get("chain");
    JsonNode depth = c.get("depth");
    JsonNode deadline = c.get("deadline");
    if (root == null
        || !root.isTextual()
        || chain == null
        || !chain.isArray()
        || depth == null
        || !depth.isNumber()
        || deadline == null
        || !deadline.isNumber()) {
      return null;
    }
    List<String> names = new ArrayList<>(chain.size());
    for (JsonNode n : chain) {
      if (!n.isTextual()) {
        return null;
      }
      names.add(n.textValue());
    }
    return new CallContext(
        root.textValue(),
        Collections.unmodifiableList(names),
        depth.asInt(),
        deadline.asLong(),
        this);
  }

  /** Sends the RESPONSE for {@code call}: success with {@code value}, or {@code error}. */
  private void respond(Link link, WireMessage call, Object value, Throwable error) {
    String id = call.id;
    String method = call.method;
    if (id == null) {
      emit(
          l ->
              l.onError(new ServiceException(ServiceException.INVALID_MESSAGE, "CALL without id")));
      return;
    }
    JsonNode to =
        call.from != null
            ? NODES.textNode(call.from)
            : call.fromOther != null ? call.fromOther : NODES.nullNode();
    Throwable failure = error;
    JsonNode data = null;
    if (failure == null) {
      try {
        data = Mapping.toTree(mapper, value);
      } catch (ServiceException e) {
        failure = e;
      }
    }
    byte[] body = null;
    String errorMessage = null;
    if (failure == null) {
      try {
        try {
          body =
              checkSize(
                  WireCodec.encodeResponse(
                      serializer,
                      id,
                      serviceName,
                      to,
                      "success",
                      "data",
                      data,
                      contextOrNull(call)));
        } catch (IOException | RuntimeException e) {
          throw serializationFailed(e);
        }
      } catch (ServiceException e) {
        failure = e;
      }
    }
    if (body == null) {
      ObjectNode response = NODES.objectNode();
      response.put("type", "RESPONSE");
      response.put("id", id);
      response.put("from", serviceName);
      response.set("to", to);
      failure = rootOf(failure);
      ObjectNode err = NODES.objectNode();
      errorMessage = failure.getMessage() == null ? failure.toString() : failure.getMessage();
      err.put("message", errorMessage);
      err.put(
          "code",
          failure instanceof ServiceException
              ? ((ServiceException) failure).code()
              : ServiceException.EXECUTION_FAILED);
      if (debug) {
        java.io.StringWriter trace = new java.io.StringWriter();
        failure.printStackTrace(new java.io.PrintWriter(trace));
        err.put("stack", trace.toString());
      }
      response.put("status", "error");
      response.set("error", err);
      response.set("context", contextOrNull(call));
      try {
        body = encode(response);
      } catch (ServiceException e) {
        LOG.warn("service '{}': cannot encode the error response to {}", serviceName, id, e);
        return;
      }
    }
    Link out = link.isClosed() ? pickLink() : link;
    boolean sent = false;
    if (out != null) {
      try {
        out.send(body);
        sent = true;
      } catch (IOException e) {
        Link other = pickLink();
        if (other != null) {
          try {
            other.send(body);
            sent = true;
          } catch (IOException ignored) {
            // both gone
          }
        }
      }
    }
    if (!sent) {
      LOG.debug("service '{}': response to {} lost, no connection", serviceName, id);
    }
    boolean success = errorMessage == null;
    String reported = errorMessage;
    emit(
        l -> l.onMethodExecuted(new ServiceListener.MethodExecuted(method, id, success, reported)));
  }

  private static JsonNode contextOrNull(WireMessage call) {
    JsonNode c = call.context;
    return c == null ? NODES.nullNode() : c;
  }

  private static Throwable rootOf(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException
            || e instanceof ExecutionException
            || e instanceof java.lang.reflect.InvocationTargetException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.textValue() : null;
  }

  // ======================================================================== events

  private void emit(java.util.function.Consumer<ServiceListener> event) {
    for (ServiceListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        LOG.warn("service '{}': a listener threw", serviceName, e);
      }
    }
  }

  /** Emits after the current lock is released: on the callback executor. */
  private void emitLater(java.util.function.Consumer<ServiceListener> event) {
    try {
      callbackExecutor.execute(() -> emit(event));
    } catch (RejectedExecutionException e) {
      emit(event);
    }
  }

  // ======================================================================== pending call

  private static final class Pending {
    final String id;
    final Link link;
    final long wait;
    final long expiresAt;
    final CompletableFuture<JsonNode> future = new CompletableFuture<>();
    private volatile ScheduledFuture<?> timer;

    Pending(String id, Link link, long wait, long expiresAt) {
      this.id = id;
      this.link = link;
      this.wait = wait;
      this.expiresAt = expiresAt;
    }

    void arm(ScheduledFuture<?> t) {
      timer = t;
      if (future.isDone()) {
        t.cancel(false);
      }
    }

    void disarm() {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
    }

    void complete(JsonNode value) {
      disarm();
      future.complete(value);
    }

    void fail(ServiceException e) {
      disarm();
      future.completeExceptionally(e);
    }
  }

  // ======================================================================== builder

  /** Options of a {@link ServiceClient}; only {@link #serviceName(String)} is required. */
  public static final class Builder {
    private String serviceName;
    private Path gateway;
    private Map<String, String> environment = System.getenv();
    private boolean autoReconnect = true;
    private Duration reconnectDelay = Duration.ofSeconds(1);
    private Duration maxReconnectDelay = Duration.ofSeconds(30);
    private Duration timeout = Duration.ofSeconds(30);
    private Duration heartbeatInterval = Duration.ofSeconds(30);
    private Serializer serializer = Serializer.JSON;
    private int poolSize = 1;
    private Executor handlerExecutor;
    private int handlerThreads = 64;
    private Executor callbackExecutor;
    private ObjectMapper objectMapper;
    private int maxFrameSize = 16 * 1024 * 1024;
    private Duration busyPoll = Duration.ZERO;
    private boolean debug;
    private String secret;
    private boolean secretSet;
    private final List<ServiceListener> listeners = new ArrayList<>();

    private Builder() {}

    /** The service's name, unique at the gateway. Required. */
    public Builder serviceName(String serviceName) {
      this.serviceName = Objects.requireNonNull(serviceName, "serviceName");
      return this;
    }

    /** The gateway's socket path. Default: the {@code EPHEMERAL_PIPE} environment variable. */
    public Builder gateway(Path gateway) {
      this.gateway = Objects.requireNonNull(gateway, "gateway");
      return this;
    }

    /** The environment to read {@code EPHEMERAL_PIPE} from. Default: the process environment. */
    public Builder environment(Map<String, String> environment) {
      this.environment = Map.copyOf(environment);
      return this;
    }

    /** Re-establish lost connections in the background (not after disconnect()). Default true. */
    public Builder autoReconnect(boolean autoReconnect) {
      this.autoReconnect = autoReconnect;
      return this;
    }

    /**
     * The first reconnect delay; each further attempt doubles it up to {@link #maxReconnectDelay}.
     * Default 1 s (the Node client: 5 s).
     */
    public Builder reconnectDelay(Duration delay) {
      this.reconnectDelay = positive(delay, "reconnectDelay");
      return this;
    }

    /** The cap of the reconnect delay. Default 30 s. */
    public Builder maxReconnectDelay(Duration delay) {
      this.maxReconnectDelay = positive(delay, "maxReconnectDelay");
      return this;
    }

    /**
     * The timeout of a call (and of a registration). A nested call waits at most until its chain's
     * deadline. Default 30 s.
     */
    public Builder timeout(Duration timeout) {
      this.timeout = positive(timeout, "timeout");
      return this;
    }

    /** How often each connection sends a HEARTBEAT. Default 30 s. */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = positive(interval, "heartbeatInterval");
      return this;
    }

    /**
     * The encoding of outgoing frames. Default {@link Serializer#JSON}, as the Node client's
     * documentation says (its code defaulted to MessagePack).
     */
    public Builder serializer(Serializer serializer) {
      this.serializer = Objects.requireNonNull(serializer, "serializer");
      return this;
    }

    /**
     * The number of connections registered under the service's name (each with metadata {@code
     * poolIndex}/{@code poolSize}). Calls are spread round-robin over the live ones. Default 1.
     */
    public Builder poolSize(int poolSize) {
      if (poolSize < 1 || poolSize > 64) {
        throw new IllegalArgumentException("poolSize must be between 1 and 64: " + poolSize);
      }
      this.poolSize = poolSize;
      return this;
    }

    /**
     * Runs the handlers of incoming calls. Default: a pool of {@link #handlerThreads} daemon
     * threads owned (and shut down) by the client.
     */
    public Builder handlerExecutor(Executor executor) {
      this.handlerExecutor = Objects.requireNonNull(executor, "handlerExecutor");
      return this;
    }

    /** The size of the default handler pool. Default 64. */
    public Builder handlerThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("handlerThreads must be at least 1: " + threads);
      }
      this.handlerThreads = threads;
      return this;
    }

    /**
     * Completes the futures of the async calls and runs {@code callAll}'s bookkeeping. Default: a
     * small pool of daemon threads shared by all service clients.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor");
      return this;
    }

    /** Maps params and results. Default: {@code new ObjectMapper()}. */
    public Builder objectMapper(ObjectMapper mapper) {
      this.objectMapper = Objects.requireNonNull(mapper, "objectMapper");
      return this;
    }

    /**
     * The largest frame body sent or accepted. A larger outgoing message fails with {@code
     * INVALID_MESSAGE}; a larger incoming frame closes the connection. Default 16 MiB, the
     * gateway's default.
     */
    public Builder maxFrameSize(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxFrameSize must be at least 1024: " + bytes);
      }
      this.maxFrameSize = bytes;
      return this;
    }

    /**
     * How long a thread that has just done its work keeps polling for more before it sleeps: a
     * connection's reader after a read (non-blocking reads), and a thread waiting in a blocking
     * {@code call} (polling its result). A sleeping thread costs a wake-up, tens of microseconds on
     * an idle virtual machine, so in a conversation whose next frame comes within this time the
     * polling saves that much latency, and CPU when calls are dense. The price: a thread that finds
     * nothing has burnt up to this much CPU for nothing, after every frame, so with sparse calls
     * each call can cost a few times this in CPU. Default zero (no polling); 20 to 100 microseconds
     * suit request/response traffic on a machine with spare cores.
     *
     * @throws IllegalArgumentException if negative or above one second
     */
    public Builder busyPoll(Duration duration) {
      Objects.requireNonNull(duration, "busyPoll");
      if (duration.isNegative() || duration.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException("busyPoll must be between 0 and 1 s: " + duration);
      }
      this.busyPoll = duration;
      return this;
    }

    /**
     * The broker's HMAC secret: with it, each REGISTER carries the proof a broker with a secret
     * requires ({@code auth}); null or empty registers without one. Default: {@code CLIENT_SECRET},
     * then {@code EPHEMERAL_SECRET} from the {@linkplain #environment environment}, else none.
     */
    public Builder secret(String secret) {
      this.secret = secret;
      this.secretSet = true;
      return this;
    }

    /** Send handler stack traces in error responses ({@code error.stack}). Default false. */
    public Builder debug(boolean debug) {
      this.debug = debug;
      return this;
    }

    /** Adds a listener (it hears the events of the first connect too). */
    public Builder listener(ServiceListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Validates the options; does not connect.
     *
     * @throws IllegalStateException if no service name is set, or no gateway is set and {@code
     *     EPHEMERAL_PIPE} is unset
     * @throws IllegalArgumentException if maxReconnectDelay is below reconnectDelay
     */
    public ServiceClient build() {
      if (serviceName == null || serviceName.isEmpty()) {
        throw new IllegalStateException("serviceName is required");
      }
      Path path = gateway;
      if (path == null) {
        String pipe = environment.get("EPHEMERAL_PIPE");
        if (pipe == null || pipe.isEmpty()) {
          throw new IllegalStateException(
              "No gateway: set gateway(Path) or the EPHEMERAL_PIPE environment variable");
        }
        path = Path.of(pipe);
      }
      if (maxReconnectDelay.compareTo(reconnectDelay) < 0) {
        throw new IllegalArgumentException(
            "maxReconnectDelay "
                + maxReconnectDelay
                + " is below reconnectDelay "
                + reconnectDelay);
      }
      String resolvedSecret = secretSet ? secret : environment.get("CLIENT_SECRET");
      if (!secretSet && (resolvedSecret == null || resolvedSecret.isEmpty())) {
        resolvedSecret = environment.get("EPHEMERAL_SECRET");
      }
      if (resolvedSecret != null && resolvedSecret.isEmpty()) {
        resolvedSecret = null;
      }
      return new ServiceClient(this, path, resolvedSecret);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
