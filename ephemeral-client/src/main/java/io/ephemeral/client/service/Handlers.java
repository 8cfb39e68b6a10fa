package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The methods one {@link ServiceClient} serves: the registry, running a handler for each incoming
 * CALL, and sending its RESPONSE.
 */
final class Handlers {
  /*
   * Implementation notes.
   *
   * `methods` is an immutable map replaced under `methodsLock` on every change, so an incoming
   * CALL looks its handler up without a lock. A CALL is served on the handler executor, or on the
   * reader thread that read it for methods registered non-blocking; if the executor refuses it,
   * the refusal is answered from the timer thread, never from the reader.
   *
   * With the client's own handler pool, a CALL may instead be served on the thread that read it,
   * once that thread has handed its reading to the connection's spare thread (Link.handOffAndRun):
   * the handler may block as on the pool, and the call's path loses a thread wake-up (the
   * hand-off to a pool thread), which is most of what a sequential call costs beyond the wire.
   * `permits` (as many as the pool has threads) keeps the handlers running at once, on the pool
   * or handed over, within handlerThreads. A handler that returns
   * a CompletionStage is answered when it completes, without holding a thread.
   *
   * The response goes out on the connection the CALL came in on, or on any other registered one
   * if that closed (the gateway accepts a service's answer on any of its connections).
   *
   * Cancellation: every CALL with an id gets a Cancellation in `inFlight` as soon as it is read
   * (so a CANCEL that overtakes a call still queued for a handler thread is not lost) until its
   * response is sent. A CANCEL runs its hooks: interrupt the handler thread while the handler runs
   * on one (never a reader thread), cancel a CompletableFuture the handler returned, cancel the
   * calls nested in the context. The interrupt is sent and cleared under the Runner's lock, so it
   * can never reach the thread's next task.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ServiceClient.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ServiceClient client;
  private final String serviceName;
  private final Executor handlerExecutor;

  /** Null with an executor of the user's: then every CALL goes to it. */
  private final Semaphore permits;

  private final ScheduledExecutorService scheduler;
  private final Frames frames;
  private final Values values;
  private final Interceptors interceptors;
  private final boolean debug;
  private final Listeners listeners;
  private LinkPool links;

  private final Object methodsLock = new Object();
  private volatile Map<String, CallHandler> methods = Map.of();
  private final ConcurrentHashMap<String, Cancellation> inFlight = new ConcurrentHashMap<>();

  Handlers(
      ServiceClient client,
      String serviceName,
      Executor handlerExecutor,
      Semaphore permits,
      ScheduledExecutorService scheduler,
      Frames frames,
      Values values,
      Interceptors interceptors,
      boolean debug,
      Listeners listeners) {
    this.client = client;
    this.serviceName = serviceName;
    this.handlerExecutor = handlerExecutor;
    this.permits = permits;
    this.scheduler = scheduler;
    this.frames = frames;
    this.values = values;
    this.interceptors = interceptors;
    this.debug = debug;
    this.listeners = listeners;
  }

  /** The connections responses go out on (set once, before any connection opens). */
  void sendOn(LinkPool links) {
    this.links = links;
  }

  // ---------------------------------------------------------------------- the registry

  void register(String name, CallHandler handler) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(handler, "handler");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("method name must not be empty");
    }
    synchronized (methodsLock) {
      Map<String, CallHandler> next = new LinkedHashMap<>(methods);
      next.put(name, handler);
      methods = Collections.unmodifiableMap(next);
    }
  }

  void registerNonBlocking(String name, CallHandler handler) {
    Objects.requireNonNull(handler, "handler");
    register(name, new NonBlocking(handler));
  }

  boolean unregister(String name) {
    synchronized (methodsLock) {
      if (!methods.containsKey(name)) {
        return false;
      }
      Map<String, CallHandler> next = new LinkedHashMap<>(methods);
      next.remove(name);
      methods = Collections.unmodifiableMap(next);
      return true;
    }
  }

  List<String> names() {
    return List.copyOf(methods.keySet());
  }

  /** Marks a handler to run on the reader thread. */
  private static final class NonBlocking implements CallHandler {
    private final CallHandler handler;

    NonBlocking(CallHandler handler) {
      this.handler = handler;
    }

    @Override
    public Object handle(Params params, CallContext context) throws Exception {
      return handler.handle(params, context);
    }
  }

  // ---------------------------------------------------------------------- serving

  /** A CALL arrived on {@code link} (on its reader thread). */
  void onCall(Link link, WireMessage message) {
    Cancellation cancellation = new Cancellation();
    if (message.id != null) {
      inFlight.put(message.id, cancellation);
    }
    if (message.method != null && methods.get(message.method) instanceof NonBlocking) {
      serve(link, message, cancellation, false); // on this reader thread, as the method asked
      return;
    }
    if (permits != null && permits.tryAcquire()) {
      if (link.handOffAndRun(() -> serveWithPermit(link, message, cancellation))) {
        return; // on this thread, once the connection's spare thread reads
      }
      permits.release();
    }
    try {
      handlerExecutor.execute(
          permits == null
              ? () -> serve(link, message, cancellation, true)
              : () -> {
                permits.acquireUninterruptibly();
                serveWithPermit(link, message, cancellation);
              });
    } catch (RejectedExecutionException e) {
      // The handler pool refused: answer from the timer thread, never from this reader.
      try {
        scheduler.execute(
            () ->
                respond(
                    link,
                    message,
                    null,
                    ServiceException.of(
                        ServiceException.INTERNAL_ERROR,
                        "Service '" + serviceName + "' cannot accept calls now")));
      } catch (RejectedExecutionException closing) {
        LOG.debug("service '{}': dropped a call while closing", serviceName);
      }
    }
  }

  /** The gateway says the caller gave the call {@code id} up. */
  void onCancel(String id) {
    Cancellation c = id == null ? null : inFlight.remove(id);
    if (c != null) {
      LOG.debug("service '{}': call {} cancelled", serviceName, id);
      c.cancel();
    }
  }

  /** Serves a call that may block, holding one of the permits, and gives the permit back. */
  private void serveWithPermit(Link link, WireMessage message, Cancellation cancellation) {
    try {
      serve(link, message, cancellation, true);
    } finally {
      permits.release();
    }
  }

  private void serve(Link link, WireMessage message, Cancellation cancellation, boolean mayBlock) {
    String method = message.method;
    CallContext context = parseContext(message.context, cancellation);
    if (context == null) {
      respond(
          link,
          message,
          null,
          ServiceException.of(ServiceException.INVALID_CONTEXT, "Invalid context"));
      return;
    }
    CallHandler handler = method == null ? null : methods.get(method);
    if (handler == null) {
      respond(
          link,
          message,
          null,
          ServiceException.of(
              ServiceException.METHOD_NOT_FOUND, "Method '" + method + "' not found"));
      return;
    }
    if (System.currentTimeMillis() > context.deadline()) {
      respond(
          link,
          message,
          null,
          ServiceException.of(ServiceException.DEADLINE_EXCEEDED, "Request deadline exceeded"));
      return;
    }
    if (cancellation.isCancelled()) {
      respond(
          link,
          message,
          null,
          ServiceException.of(ServiceException.CANCELLED, "Call cancelled before it started"));
      return;
    }
    Params params =
        message.params == null
            ? Params.nullValue(values)
            : new Params(message.params, message.msgpack, values);
    Runner runner = mayBlock ? new Runner() : null;
    if (runner != null) {
      cancellation.onCancel(runner);
    }
    CallContext previous = CallContext.enter(context);
    Object result;
    try {
      result = interceptors.serve(new IncomingCall(method, params, context), handler);
    } catch (Throwable t) {
      respond(link, message, null, t);
      rethrowFatal(t);
      return;
    } finally {
      CallContext.restore(previous);
      if (runner != null) {
        runner.finished();
        cancellation.remove(runner);
      }
    }
    if (result instanceof CompletionStage) {
      if (result instanceof Future) {
        cancellation.onCancel(() -> ((Future<?>) result).cancel(true));
      }
      ((CompletionStage<?>) result)
          .whenComplete((value, error) -> respond(link, message, value, error));
    } else {
      respond(link, message, result, null);
    }
  }

  /**
   * Interrupts the thread running a blocking handler when its call is cancelled, only while the
   * handler runs; {@link #finished} clears an interrupt it sent.
   */
  private static final class Runner implements Runnable {
    private Thread thread = Thread.currentThread();
    private boolean interrupted;

    @Override
    public synchronized void run() {
      if (thread != null) {
        interrupted = true;
        thread.interrupt();
      }
    }

    /** On the handler's thread, when the handler returned. */
    synchronized void finished() {
      thread = null;
      if (interrupted) {
        Thread.interrupted();
      }
    }
  }

  private static void rethrowFatal(Throwable t) {
    if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
      throw (VirtualMachineError) t;
    }
  }

  private CallContext parseContext(JsonNode c, Cancellation cancellation) {
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
    // A malformed traceparent is ignored, with its tracestate (W3C Trace Context, 4.3).
    JsonNode traceparent = c.get("traceparent");
    JsonNode tracestate = c.get("tracestate");
    boolean traced =
        traceparent != null
            && traceparent.isTextual()
            && TraceContext.isValid(traceparent.textValue());
    return new CallContext(
        root.textValue(),
        Collections.unmodifiableList(names),
        depth.asInt(),
        deadline.asLong(),
        client,
        traced ? traceparent.textValue() : null,
        traced && tracestate != null && tracestate.isTextual() ? tracestate.textValue() : null,
        cancellation);
  }

  /** Sends the RESPONSE for {@code call}: success with {@code value}, or {@code error}. */
  private void respond(Link link, WireMessage call, Object value, Throwable error) {
    String id = call.id;
    String method = call.method;
    if (id != null) {
      inFlight.remove(id);
    }
    if (id == null) {
      listeners.emit(
          l -> l.onError(ServiceException.of(ServiceException.INVALID_MESSAGE, "CALL without id")));
      return;
    }
    JsonNode to =
        call.from != null
            ? NODES.textNode(call.from)
            : call.fromOther != null ? call.fromOther : NODES.nullNode();
    Throwable failure = error;
    Object data = null;
    if (failure == null) {
      try {
        data = values.outgoing(value);
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
              frames.checkSize(
                  WireCodec.encodeResponse(
                      frames.serializer,
                      id,
                      serviceName,
                      to,
                      "success",
                      "data",
                      data,
                      contextOrNull(call)));
        } catch (IOException | RuntimeException e) {
          throw Frames.serializationFailed(e);
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
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        err.put("stack", trace.toString());
      }
      response.put("status", "error");
      response.set("error", err);
      response.set("context", contextOrNull(call));
      try {
        body = frames.encode(response);
      } catch (ServiceException e) {
        LOG.warn("service '{}': cannot encode the error response to {}", serviceName, id, e);
        return;
      }
    }
    Link out = link.isClosed() ? links.pick() : link;
    boolean sent = false;
    if (out != null) {
      try {
        out.send(body);
        sent = true;
      } catch (IOException e) {
        Link other = links.pick();
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
    listeners.emit(
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
            || e instanceof InvocationTargetException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /** The error a remote side sent ({@code {message, code, stack}}), as an exception. */
  static ServiceException remoteError(JsonNode error, String defaultCode) {
    String message = error == null ? null : text(error, "message");
    String code = error == null ? null : text(error, "code");
    String stack = error == null ? null : text(error, "stack");
    return ServiceException.of(
        code == null || code.isEmpty() ? defaultCode : code,
        message == null ? "Unknown error" : message,
        stack,
        null);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.textValue() : null;
  }
}
