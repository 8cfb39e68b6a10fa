package io.ephemeral.client.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The context of one call chain, as it travels with every CALL: the chain's {@link #root() root}
 * id, the {@link #chain() chain} of callers, the {@link #depth() depth} and the absolute {@link
 * #deadline() deadline} (epoch milliseconds).
 *
 * <p>A handler receives the context of the call it serves. Nested calls made through it ({@link
 * #call call}, {@link #callAsync callAsync}, {@link #callAll callAll}, or the client's methods that
 * take a parent context) keep the root and the deadline and extend the chain. The rule is that of
 * the Node {@code ipc-bro} client: the caller appends its <em>own</em> name and adds one to the
 * depth, and a top-level call starts from {@code chain [self], depth 1}. So a top-level call from A
 * carries {@code chain ["A","A"], depth 2}; A calling B calling C gives C {@code chain
 * ["A","A","B"], depth 3}. The callee's name is never in the chain it receives, and the immediate
 * caller is the last element ({@link #caller()}).
 *
 * <p>Contexts are immutable and belong to one call: many handlers can run at once, each with its
 * own context. A client call made without a context always starts a new chain, also from inside a
 * handler; {@linkplain ServiceClient#proxy typed proxies} are the exception: they nest their calls
 * in {@link #current()}.
 *
 * <p><b>Cancellation.</b> When the caller gives a call up (a cancelled future, an interrupted wait,
 * its timeout) or the gateway fails it at its deadline, the callee is told: {@link #isCancelled()}
 * becomes true, a handler blocked on a handler thread is interrupted, a pending {@code
 * CompletableFuture} it returned is cancelled, and the calls nested in this context are cancelled
 * in turn (and their callees told). Calls started from a cancelled context fail at once with {@code
 * CANCELLED}.
 *
 * <p><b>Trace context.</b> A context may carry a W3C {@code traceparent} and {@code tracestate};
 * they travel in the CALL's context (Node peers ignore them) and are copied to nested calls. A
 * {@link CallInterceptor} can set them to join a tracing system's trace; {@link #traceId()} is the
 * trace id for logs.
 */
public final class CallContext {
  /** Calls deeper than this are refused with {@code MAX_DEPTH_EXCEEDED}. */
  public static final int MAX_DEPTH = 100;

  private final String root;
  private final List<String> chain;
  private final int depth;
  private final long deadline;
  private final ServiceClient client;
  private final String traceparent;
  private final String tracestate;
  private final Cancellation cancellation;

  private static final ThreadLocal<CallContext> CURRENT = new ThreadLocal<>();

  CallContext(String root, List<String> chain, int depth, long deadline, ServiceClient client) {
    this(root, chain, depth, deadline, client, null, null, null);
  }

  CallContext(
      String root,
      List<String> chain,
      int depth,
      long deadline,
      ServiceClient client,
      String traceparent,
      String tracestate,
      Cancellation cancellation) {
    this.root = root;
    this.chain = chain;
    this.depth = depth;
    this.deadline = deadline;
    this.client = client;
    this.traceparent = traceparent;
    this.tracestate = traceparent == null ? null : tracestate;
    this.cancellation = cancellation;
  }

  /**
   * The context of the call the current thread is serving, while a handler runs on it (its
   * synchronous part); {@code null} elsewhere. Typed proxies nest their calls in it.
   */
  public static CallContext current() {
    return CURRENT.get();
  }

  /** Makes {@code context} the current one; returns the one to restore. */
  static CallContext enter(CallContext context) {
    CallContext previous = CURRENT.get();
    CURRENT.set(context);
    return previous;
  }

  static void restore(CallContext previous) {
    if (previous == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(previous);
    }
  }

  /**
   * A context with the given values, e.g. to continue a chain that arrived by other means. Calls
   * made with it as parent extend it like any other context.
   *
   * @throws IllegalArgumentException if root is empty or chain is empty
   */
  public static CallContext of(String root, List<String> chain, int depth, long deadline) {
    Objects.requireNonNull(root, "root");
    if (root.isEmpty()) {
      throw new IllegalArgumentException("root must not be empty");
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("chain must not be empty");
    }
    return new CallContext(root, List.copyOf(chain), depth, deadline, null);
  }

  /** The id shared by every call of the chain, {@code root-<ms>-<random>} when made here. */
  public String root() {
    return root;
  }

  /** The callers, outermost first; unmodifiable. */
  public List<String> chain() {
    return chain;
  }

  /** The number of names in the chain, as sent by the caller. */
  public int depth() {
    return depth;
  }

  /** The chain's deadline, epoch milliseconds. */
  public long deadline() {
    return deadline;
  }

  /** The immediate caller: the last name of the chain, or {@code null} if the chain is empty. */
  public String caller() {
    return chain.isEmpty() ? null : chain.get(chain.size() - 1);
  }

  /** Time left until the deadline; zero or negative once it has passed. */
  public Duration remaining() {
    return Duration.ofMillis(deadline - System.currentTimeMillis());
  }

  /** Whether the deadline has passed. */
  public boolean isExpired() {
    return System.currentTimeMillis() > deadline;
  }

  /**
   * Whether the call this context belongs to was cancelled: its caller gave it up or the gateway
   * failed it at its deadline. Always false for a context not received by a handler.
   */
  public boolean isCancelled() {
    return cancellation != null && cancellation.isCancelled();
  }

  /**
   * Runs {@code hook} once if the call is cancelled (at once if it already is), on the thread that
   * learns it; for handlers that do their work asynchronously. Ignored for a context not received
   * by a handler.
   */
  public void onCancel(Runnable hook) {
    Objects.requireNonNull(hook, "hook");
    if (cancellation != null) {
      cancellation.onCancel(hook);
    }
  }

  /** The W3C {@code traceparent} of the call, or {@code null}. */
  public String traceparent() {
    return traceparent;
  }

  /** The W3C {@code tracestate} of the call, or {@code null}. */
  public String tracestate() {
    return tracestate;
  }

  /** The trace id of the {@code traceparent} (32 hex digits), or {@code null}. */
  public String traceId() {
    return traceparent == null ? null : traceparent.substring(3, 35);
  }

  /**
   * This context with another trace context (for a call made under it).
   *
   * @param traceparent a W3C traceparent ({@code 00-<trace id>-<parent id>-<flags>}), or {@code
   *     null} for none
   * @param tracestate a W3C tracestate, or {@code null}
   * @throws IllegalArgumentException if traceparent is not a valid W3C traceparent
   */
  public CallContext withTrace(String traceparent, String tracestate) {
    if (traceparent != null && !TraceContext.isValid(traceparent)) {
      throw new IllegalArgumentException("not a W3C traceparent: " + traceparent);
    }
    return new CallContext(
        root, chain, depth, deadline, client, traceparent, tracestate, cancellation);
  }

  Cancellation cancellation() {
    return cancellation;
  }

  /**
   * A nested call in this chain, through the client that received this context.
   *
   * @see ServiceClient#call(String, String, Object, Class, CallContext)
   * @throws IllegalStateException if this context was not given to a handler by a client
   */
  public <T> T call(String service, String method, Object params, Class<T> resultType) {
    return client().call(service, method, params, resultType, this);
  }

  /**
   * An asynchronous nested call in this chain.
   *
   * @see ServiceClient#callAsync(String, String, Object, Class, CallContext)
   * @throws IllegalStateException if this context was not given to a handler by a client
   */
  public <T> CompletableFuture<T> callAsync(
      String service, String method, Object params, Class<T> resultType) {
    return client().callAsync(service, method, params, resultType, this);
  }

  /**
   * Nested calls in this chain, at most {@code concurrency} at a time. Requests without a parent
   * get this context as parent.
   *
   * @see ServiceClient#callAll(List, int)
   * @throws IllegalStateException if this context was not given to a handler by a client
   */
  public List<CallResult> callAll(List<CallRequest> calls, int concurrency) {
    List<CallRequest> withParent = new ArrayList<>(calls.size());
    for (CallRequest c : calls) {
      withParent.add(c.parent() == null ? c.withParent(this) : c);
    }
    return client().callAll(withParent, concurrency);
  }

  private ServiceClient client() {
    if (client == null) {
      throw new IllegalStateException(
          "this context was not received by a handler; use ServiceClient.call(..., context)");
    }
    return client;
  }

  /**
   * The context sent with a call made by {@code self} under this one, with the given trace context.
   */
  CallContext extend(String self, String traceparent, String tracestate) {
    List<String> next = new ArrayList<>(chain.size() + 1);
    next.addAll(chain);
    next.add(self);
    return new CallContext(
        root,
        Collections.unmodifiableList(next),
        depth + 1,
        deadline,
        null,
        traceparent,
        tracestate,
        null);
  }

  /** Equal when root, chain, depth, deadline and the trace context are. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CallContext)) {
      return false;
    }
    CallContext c = (CallContext) o;
    return depth == c.depth
        && deadline == c.deadline
        && root.equals(c.root)
        && chain.equals(c.chain)
        && Objects.equals(traceparent, c.traceparent)
        && Objects.equals(tracestate, c.tracestate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(root, chain, depth, deadline, traceparent);
  }

  @Override
  public String toString() {
    return "CallContext{root="
        + root
        + ", chain="
        + chain
        + ", depth="
        + depth
        + ", deadline="
        + deadline
        + (traceparent == null ? "" : ", traceparent=" + traceparent)
        + "}";
  }
}
