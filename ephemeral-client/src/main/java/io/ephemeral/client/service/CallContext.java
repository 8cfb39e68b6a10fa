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
 * handler.
 */
public final class CallContext {
  /** Calls deeper than this are refused with {@code MAX_DEPTH_EXCEEDED}. */
  public static final int MAX_DEPTH = 100;

  private final String root;
  private final List<String> chain;
  private final int depth;
  private final long deadline;
  private final ServiceClient client;

  CallContext(String root, List<String> chain, int depth, long deadline, ServiceClient client) {
    this.root = root;
    this.chain = chain;
    this.depth = depth;
    this.deadline = deadline;
    this.client = client;
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

  /** The context for a call made by {@code self} under this one. */
  CallContext extend(String self, ServiceClient via) {
    List<String> next = new ArrayList<>(chain.size() + 1);
    next.addAll(chain);
    next.add(self);
    return new CallContext(root, Collections.unmodifiableList(next), depth + 1, deadline, via);
  }

  CallContext withClient(ServiceClient via) {
    return new CallContext(root, chain, depth, deadline, via);
  }

  /** Equal when root, chain, depth and deadline are. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CallContext)) {
      return false;
    }
    CallContext c = (CallContext) o;
    return depth == c.depth
        && deadline == c.deadline
        && root.equals(c.root)
        && chain.equals(c.chain);
  }

  @Override
  public int hashCode() {
    return Objects.hash(root, chain, depth, deadline);
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
        + "}";
  }
}
