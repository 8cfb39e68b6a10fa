package io.ephemeral.client.service;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;

/**
 * A client of the broker's service gateway, wire compatible with the Node {@code ipc-bro} {@code
 * IPCClient}: as a named service it serves methods to other processes and calls theirs; without a
 * name it is an anonymous caller.
 *
 * <pre>{@code
 * try (ServiceClient orders = ServiceClient.builder().serviceName("order-service").build()) {
 *   orders.registerService(new OrdersImpl());              // an @ServiceInterface contract
 *   orders.registerMethod("getOrder", (params, ctx) -> {   // or a method at a time
 *     User user = ctx.call("user-service", "getUser", Map.of("id", 7), User.class); // nested
 *     return new Order(params.get("orderId").asText(), user);
 *   });
 *   orders.connect();
 *   Stock stock = orders.proxy(Inventory.class).check("A-1");
 * }
 * }</pre>
 *
 * <p>Thread-safe; share one client per service name. Calls fail with a {@link ServiceException}
 * whose {@link ServiceException#code() code} says why. See the package documentation for typed
 * interfaces, values, interceptors, cancellation, the threading model, reconnection and the context
 * rules.
 */
public final class ServiceClient implements AutoCloseable {
  /*
   * Implementation notes.
   *
   * This class is the API; the work is done beside it by LinkPool (connections, registration,
   * reconnects, heartbeats), PendingCalls (calls in flight, their timers and failures) and
   * Handlers (the methods served, running them, responding). Each owns its own state; this class
   * builds the CALLs and routes what the connections read to the one that handles it.
   *
   * Threads: one reader thread per pool connection (Link), one scheduler thread per client
   * (timeouts, heartbeats, reconnect attempts, registration timeouts), the handler executor
   * (incoming CALLs) and the callback executor (completes the futures
   * of the async API, so user code never runs on a reader or on the scheduler). The one
   * exception: methods registered non-blocking run on the reader, which saves the hand-off. With
   * the default handler pool, a CALL may also run on the thread that read it once that thread has
   * handed reading to its connection's spare thread (Handlers, Link): the same guarantees as the
   * pool, one thread wake-up fewer on the call's path. A
   * reader never waits on a write (Link queues what the socket cannot take), so it can never
   * block on a peer that waits for us to read; a blocking call from a reader of this client is
   * refused for the same reason.
   *
   * Context: never kept in a field. A handler gets its CallContext as an argument; nested calls
   * get it as their parent and extend it (append own name, depth + 1, same root and deadline).
   */

  private final String serviceName;
  private final Path gateway;
  private final long timeoutMs;
  private final int poolSize;
  private final ExecutorService ownedHandlerExecutor;
  private final Executor callbackExecutor;
  private final Values values;
  private final long busyPollNanos;

  private final ScheduledThreadPoolExecutor scheduler;
  private final Listeners listeners;
  private final Frames frames;
  private final PendingCalls calls;
  private final Handlers handlers;
  private final LinkPool links;
  private final Interceptors interceptors;

  private ServiceClient(Builder b, Path gateway, String secret) {
    this.serviceName = b.serviceName;
    this.gateway = gateway;
    this.timeoutMs = b.timeout.toMillis();
    this.poolSize = b.poolSize;
    this.values =
        new Values(
            b.valueMapper == null ? ValueMapper.forClassPath() : b.valueMapper, b.serializer);
    this.busyPollNanos = b.busyPoll.toNanos();
    Executor handlerExecutor;
    if (b.handlerExecutor == null) {
      this.ownedHandlerExecutor =
          CallbackExecutor.handlers(threadName(serviceName), b.handlerThreads);
      handlerExecutor = ownedHandlerExecutor;
    } else {
      this.ownedHandlerExecutor = null;
      handlerExecutor = b.handlerExecutor;
    }
    this.callbackExecutor =
        b.callbackExecutor == null ? CallbackExecutor.shared() : b.callbackExecutor;
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "ephemeral-service-" + threadName(serviceName) + "-timer");
              t.setDaemon(true);
              return t;
            });
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.listeners = new Listeners(serviceName, callbackExecutor, b.listeners);
    this.frames = new Frames(b.serializer, b.maxFrameSize);
    this.calls = new PendingCalls(serviceName, scheduler, listeners, values, frames);
    this.interceptors = new Interceptors(b.callInterceptors, b.serveInterceptors);
    this.handlers =
        new Handlers(
            this,
            serviceName,
            handlerExecutor,
            ownedHandlerExecutor == null ? null : new Semaphore(b.handlerThreads),
            scheduler,
            frames,
            values,
            interceptors,
            b.debug,
            listeners);
    this.links = new LinkPool(b, gateway, secret, frames, scheduler, listeners, calls, handlers);
    handlers.sendOn(links);
    calls.sendOn(links);
  }

  /**
   * A builder. With {@link Builder#serviceName(String)}, the client registers that service: it can
   * serve methods and call. Without one it is an anonymous caller: the gateway gives it a private
   * caller identity, it is not listed as a service nor in the call graph, and it cannot be called.
   */
  public static Builder builder() {
    return new Builder();
  }

  static String threadName(String serviceName) {
    return serviceName == null ? "anonymous" : serviceName;
  }

  /** Whether this client calls without a service name (see {@link #builder()}). */
  public boolean isAnonymous() {
    return serviceName == null;
  }

  private void requireName(String what) {
    if (serviceName == null) {
      throw new IllegalStateException(
          "An anonymous client cannot " + what + ": give the builder a serviceName");
    }
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
    Objects.requireNonNull(handler, "handler");
    requireName("serve methods");
    handlers.register(name, adapt(handler));
  }

  /**
   * Serves {@code name} with a handler that gets the params as they came ({@link Params}: raw
   * bytes, mapped to a type on demand), with no JSON library in its signature. Otherwise as {@link
   * #registerMethod(String, MethodHandler)}, which it replaces for that name.
   *
   * @throws IllegalArgumentException if the name is empty
   */
  public void serve(String name, CallHandler handler) {
    requireName("serve methods");
    handlers.register(name, handler);
  }

  /**
   * {@link #serve(String, CallHandler)} for a handler that never blocks: as {@link
   * #registerNonBlockingMethod(String, MethodHandler)}, run on the connection's reader thread.
   *
   * @throws IllegalArgumentException if the name is empty
   */
  public void serveNonBlocking(String name, CallHandler handler) {
    requireName("serve methods");
    handlers.registerNonBlocking(name, handler);
  }

  private static CallHandler adapt(MethodHandler handler) {
    return (params, ctx) -> handler.handle(params.tree(), ctx);
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
    requireName("serve methods");
    handlers.registerNonBlocking(name, adapt(handler));
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
    serve(
        name,
        (params, ctx) -> {
          P typed;
          try {
            typed = params.as(paramsType);
          } catch (ServiceException e) {
            throw ServiceException.of(
                ServiceException.DESERIALIZATION_FAILED,
                "Invalid params for '" + name + "': " + Values.rootMessage(e),
                e);
          }
          return handler.handle(typed, ctx);
        });
  }

  /**
   * Serves every method of the {@link ServiceInterface} interfaces {@code implementation}
   * implements, each under its name; the params are mapped to the method's arguments as the
   * interface's documentation says, and what it returns (or its {@code CompletableFuture} completes
   * with) is the result. While a method runs, {@link CallContext#current()} is its call's context,
   * so proxies used in it nest their calls.
   *
   * @throws IllegalArgumentException if it implements no such interface, one names another service
   *     than this client's, or two name the same method
   * @throws IllegalStateException if this client is anonymous (it cannot be called)
   */
  public void registerService(Object implementation) {
    Objects.requireNonNull(implementation, "implementation");
    requireName("serve a service");
    for (ServiceContract.Operation op : ServiceContract.servedBy(implementation, serviceName)) {
      serve(op.name, (params, ctx) -> op.invoke(implementation, params, values));
    }
  }

  /**
   * A proxy of the {@link ServiceInterface} {@code type}: its methods call the service the
   * interface names, through this client. Thread-safe; make one and share it.
   *
   * @throws IllegalArgumentException if {@code type} is not an interface annotated
   *     {@code @ServiceInterface}, or a method cannot be mapped (see there)
   */
  public <T> T proxy(Class<T> type) {
    return ServiceProxy.create(this, type, values);
  }

  /**
   * Stops serving {@code name}; later calls get {@code METHOD_NOT_FOUND}.
   *
   * @return whether the method was registered
   */
  public boolean unregisterMethod(String name) {
    return handlers.unregister(name);
  }

  /** The methods this service serves, in registration order. */
  public List<String> getRegisteredMethods() {
    return handlers.names();
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
    links.connect();
  }

  /**
   * Closes the connections, fails pending calls with {@code NOT_CONNECTED} and stops heartbeats.
   * Does <em>not</em> reconnect afterwards (the Node client did); {@link #connect()} may be called
   * again.
   */
  public void disconnect() {
    links.disconnect();
  }

  /**
   * Disconnects and releases the client's threads (and its default handler executor). The client
   * cannot be connected again.
   */
  @Override
  public void close() {
    links.close();
    scheduler.shutdownNow();
    if (ownedHandlerExecutor != null) {
      ownedHandlerExecutor.shutdown();
    }
  }

  /** Whether at least one connection is registered with the gateway. */
  public boolean isConnected() {
    return links.isConnected();
  }

  /** A snapshot of this client's state. */
  public ServiceStatus getStatus() {
    int reconnectAttempts = links.reconnectAttempts();
    int live = links.liveCount();
    return new ServiceStatus(
        serviceName,
        live > 0,
        gateway,
        getRegisteredMethods(),
        calls.size(),
        poolSize,
        live,
        reconnectAttempts);
  }

  /** Timers and scheduled tasks still queued (tests check that none leaks). */
  int scheduledTasks() {
    return scheduler.getQueue().size();
  }

  @Override
  public String toString() {
    return "ServiceClient[" + threadName(serviceName) + " at " + gateway + "]";
  }

  /** This service's name; {@code null} for an anonymous client. */
  public String serviceName() {
    return serviceName;
  }

  /** Adds a listener; listeners given to the builder are already added. */
  public void addListener(ServiceListener listener) {
    listeners.add(listener);
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
        start(new CallRequest(service, method, params, null, parent)), resultType.getType());
  }

  /**
   * The call described by {@code request} (its own timeout, its parent), waiting for the result.
   */
  public <T> T call(CallRequest request, Class<T> resultType) {
    return await(start(request), resultType);
  }

  /** {@link #call(CallRequest, Class)} for a result type worked out before (typed proxies). */
  <T> T callForType(CallRequest request, Values.Target result) {
    return await(start(request), result);
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
    return callAsyncForType(request, values.target(resultType));
  }

  /** {@link #callAsync(CallRequest, Class)} for a result type worked out before (typed proxies). */
  <T> CompletableFuture<T> callAsyncForType(CallRequest request, Values.Target resultType) {
    CompletableFuture<T> out = new CompletableFuture<>();
    CompletableFuture<Params> call = start(request);
    out.whenComplete(
        (v, e) -> {
          if (e instanceof CancellationException) {
            call.cancel(false);
          }
        });
    call.whenCompleteAsync(
        (value, error) -> {
          if (error != null) {
            out.completeExceptionally(ServiceException.unwrap(error));
            return;
          }
          try {
            out.complete(values.incoming(value, resultType));
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
    Batch batch = new Batch(List.copyOf(calls), this::start, values, callbackExecutor);
    if (!batch.startAll(concurrency)) {
      refuseBlockingOnReader();
    }
    return batch.await();
  }

  private <T> T await(CompletableFuture<Params> future, Type type) {
    return await(future, values.target(type));
  }

  private <T> T await(CompletableFuture<Params> future, Values.Target type) {
    Params value;
    if (!future.isDone()) {
      refuseBlockingOnReader();
      spinUntilDone(future);
    }
    try {
      value = future.get();
    } catch (ExecutionException e) {
      throw ServiceException.unwrap(e).rethrown();
    } catch (CancellationException e) {
      // cancelled with the call it is nested in, maybe before an interrupt of this thread landed
      throw ServiceException.unwrap(e);
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw ServiceException.of(
          ServiceException.INTERNAL_ERROR, "Interrupted while waiting for a response", e);
    }
    return values.incoming(value, type);
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
    if (links.isReaderThread()) {
      throw ServiceException.of(
          ServiceException.INTERNAL_ERROR,
          "A blocking call from a non-blocking handler would wait for its own connection's"
              + " reader; use callAsync");
    }
  }

  /**
   * Starts a call: checks its chain, runs it through the call interceptors and sends it. Never
   * throws for protocol failures: the returned future carries them. A call nested in a context is
   * cancelled with it.
   */
  private CompletableFuture<Params> start(CallRequest request) {
    long now = System.currentTimeMillis();
    long limit = request.timeout() == null ? timeoutMs : request.timeout().toMillis();
    CallContext parent = request.parent();
    long deadline = parent != null ? parent.deadline() : now + limit;
    if (now > deadline) {
      return PendingCalls.failed(ServiceException.DEADLINE_EXCEEDED, "Request deadline exceeded");
    }
    if ((parent != null ? parent.depth() + 1 : 2) > CallContext.MAX_DEPTH) {
      return PendingCalls.failed(
          ServiceException.MAX_DEPTH_EXCEEDED, "Maximum call depth exceeded");
    }
    if (parent != null && parent.isCancelled()) {
      return PendingCalls.failed(
          ServiceException.CANCELLED, "The call this one is nested in was cancelled");
    }
    OutgoingCall call =
        new OutgoingCall(
            request.service(),
            request.method(),
            request.params(),
            parent,
            Math.max(1, Math.min(deadline - now, limit)),
            deadline,
            parent == null ? null : parent.traceparent(),
            parent == null ? null : parent.tracestate());
    CompletableFuture<Params> result =
        interceptors.interceptsCalls() ? interceptors.call(call, calls::send) : calls.send(call);
    Cancellation scope = parent == null ? null : parent.cancellation();
    if (scope != null && !result.isDone()) {
      Runnable cancel = () -> result.cancel(false);
      scope.onCancel(cancel);
      result.whenComplete((v, e) -> scope.remove(cancel));
    }
    return result;
  }

  // ======================================================================== builder

  /** Options of a {@link ServiceClient}; all optional, but see {@link #serviceName(String)}. */
  public static final class Builder {
    String serviceName;
    Path gateway;
    Map<String, String> environment = System.getenv();
    boolean autoReconnect = true;
    Duration reconnectDelay = Duration.ofSeconds(1);
    Duration maxReconnectDelay = Duration.ofSeconds(30);
    Duration timeout = Duration.ofSeconds(30);
    Duration heartbeatInterval = Duration.ofSeconds(30);
    Serializer serializer = Serializer.JSON;
    int poolSize = 1;
    Executor handlerExecutor;
    int handlerThreads = 64;
    Executor callbackExecutor;
    ValueMapper valueMapper;
    int maxFrameSize = 16 * 1024 * 1024;
    Duration busyPoll = Duration.ZERO;
    boolean debug;
    String secret;
    boolean secretSet;
    final List<ServiceListener> listeners = new ArrayList<>();
    final List<CallInterceptor> callInterceptors = new ArrayList<>();
    final List<ServeInterceptor> serveInterceptors = new ArrayList<>();

    private Builder() {}

    /**
     * The service's name, unique at the gateway. Without one the client is an anonymous caller (see
     * {@link ServiceClient#builder()}).
     */
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
     * threads owned (and shut down) by the client; with it, a handler may also run on the
     * connection thread that read its call, after that thread has passed its reading on to the
     * connection's other thread (a handler may block there as on the pool). An executor given here
     * runs every handler.
     */
    public Builder handlerExecutor(Executor executor) {
      this.handlerExecutor = Objects.requireNonNull(executor, "handlerExecutor");
      return this;
    }

    /**
     * The size of the default handler pool, and the most handlers that run at once with it (whether
     * on the pool or on a connection's thread). Default 64.
     */
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

    /**
     * Maps params and results with this Jackson 2 mapper: {@code
     * valueMapper(Jackson2Values.of(mapper))}.
     */
    public Builder objectMapper(ObjectMapper mapper) {
      return valueMapper(Jackson2Values.of(mapper));
    }

    /**
     * Maps params and results (see {@link ValueMapper}); e.g. {@code Jackson3Values.of(jsonMapper)}
     * for an application's Jackson 3 mapper. Default: {@link ValueMapper#forClassPath()}.
     */
    public Builder valueMapper(ValueMapper mapper) {
      this.valueMapper = Objects.requireNonNull(mapper, "valueMapper");
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

    /**
     * Adds an interceptor of the calls this client makes; interceptors run in the order added, the
     * first one outermost.
     */
    public Builder interceptor(CallInterceptor interceptor) {
      callInterceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * Adds an interceptor of the calls this client serves; interceptors run in the order added, the
     * first one outermost, the handler last.
     */
    public Builder serveInterceptor(ServeInterceptor interceptor) {
      serveInterceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
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
     * @throws IllegalStateException if no gateway is set and {@code EPHEMERAL_PIPE} is unset
     * @throws IllegalArgumentException if maxReconnectDelay is below reconnectDelay
     */
    public ServiceClient build() {
      if (serviceName != null && serviceName.isEmpty()) {
        throw new IllegalStateException(
            "serviceName must not be empty (leave it out to call anonymously)");
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
