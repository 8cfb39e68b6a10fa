package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls one {@link ServiceClient} has sent and not yet seen answered: their futures, timers and
 * every way they can end.
 */
final class PendingCalls {
  /*
   * Implementation notes.
   *
   * `pending` maps request id -> Pending. Exactly one of response / error / timeout / connection
   * loss / disconnect removes the entry (ConcurrentHashMap.remove(id, p)), and whoever removes it
   * completes the future and cancels the timer. The timer is armed after the entry is added and
   * disarmed if the call already finished, so no timer outlives its call; a send failure removes
   * the entry and the timer at once.
   *
   * The gateway enforces context deadlines as well, so for a call that runs out of time its
   * DEADLINE_EXCEEDED response and our timer race; a DEADLINE_EXCEEDED arriving once the call's
   * own time is up is reported as TIMEOUT, so the outcome does not depend on who was first.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ServiceClient.class);

  private final String serviceName;
  private final ScheduledExecutorService scheduler;
  private final Listeners listeners;
  private final Values values;
  private final Frames frames;
  private final Ids ids = new Ids();
  private LinkPool links;
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();

  PendingCalls(
      String serviceName,
      ScheduledExecutorService scheduler,
      Listeners listeners,
      Values values,
      Frames frames) {
    this.serviceName = serviceName;
    this.scheduler = scheduler;
    this.listeners = listeners;
    this.values = values;
    this.frames = frames;
  }

  /** The connections calls go out on (set once, before any connection opens). */
  void sendOn(LinkPool links) {
    this.links = links;
  }

  /** Calls awaiting an answer. */
  int size() {
    return pending.size();
  }

  /** Sends the CALL (the end of the interceptor chain). */
  CompletableFuture<Params> send(OutgoingCall call) {
    long now = System.currentTimeMillis();
    Link link = links.pick();
    if (link == null) {
      return PendingCalls.failed(ServiceException.NOT_CONNECTED, "Not connected to Gateway");
    }
    String self = link.callerName();
    CallContext parent = call.parent();
    CallContext base =
        parent != null
            ? parent
            : new CallContext(Ids.root(), List.of(self), 1, call.deadline(), null);
    CallContext context = base.extend(self, call.traceparent(), call.tracestate());
    String id = ids.request();
    byte[] body;
    try {
      Object params =
          call.params() == null
              ? JsonNodeFactory.instance.objectNode()
              : values.outgoing(call.params());
      try {
        body =
            frames.checkSize(
                WireCodec.encodeCall(
                    frames.serializer, id, self, call.service(), call.method(), params, context));
      } catch (IOException | RuntimeException e) {
        throw Frames.serializationFailed(e);
      }
    } catch (ServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
    // The timer fires at the deadline or after the timeout, whichever comes first; a call that
    // runs out of time reports the timeout it was given.
    long delay = Math.max(1, Math.min(call.deadline() - now, call.timeoutMillis()));
    return send(id, call.service(), link, body, delay, call.timeoutMillis(), now);
  }

  /**
   * Records the call to {@code target}, arms its timer of {@code delay} ms (a timeout reported as
   * {@code wait} ms) and sends {@code body} on {@code link}. Never throws: the future carries every
   * failure. A call given up before its answer (the future cancelled, or its time up) is cancelled
   * at the gateway too, which tells the callee.
   */
  private CompletableFuture<Params> send(
      String id, String target, Link link, byte[] body, long delay, long wait, long now) {
    Pending p = new Pending(id, target, link, wait, now + delay);
    pending.put(id, p);
    p.future.whenComplete(
        (v, e) -> {
          if (e instanceof CancellationException && pending.remove(id, p)) {
            p.disarm();
            cancelAtGateway(p);
          }
        });
    try {
      p.arm(
          scheduler.schedule(
              () -> {
                if (pending.remove(id, p)) {
                  p.fail(timeout(wait));
                  cancelAtGateway(p);
                }
              },
              delay,
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
            ServiceException.of(
                ServiceException.CONNECTION_LOST, "Connection closed: " + e.getMessage(), e));
      }
    }
    return p.future;
  }

  /**
   * Sends {@code {type: "CANCEL", id, from, to}} for a call given up, on the connection that sent
   * it (the gateway knows the call by that connection). Best effort: a closed connection has
   * cancelled its calls anyway.
   */
  private void cancelAtGateway(Pending p) {
    if (p.link.isClosed()) {
      return;
    }
    ObjectNode cancel = JsonNodeFactory.instance.objectNode();
    cancel.put("type", "CANCEL");
    cancel.put("id", p.id);
    cancel.put("from", p.link.callerName());
    cancel.put("to", p.target);
    try {
      p.link.send(frames.encode(cancel));
    } catch (IOException | ServiceException e) {
      LOG.debug("service '{}': could not cancel {}: {}", serviceName, p.id, e.toString());
    }
  }

  /** Settles the call a RESPONSE answers; a response for no pending call is dropped. */
  void onResponse(WireMessage message) {
    String id = message.id;
    Pending p = id == null ? null : pending.remove(id);
    if (p == null) {
      LOG.debug("service '{}': dropped a response for unknown request {}", serviceName, id);
      return;
    }
    if ("success".equals(message.status)) {
      byte[] data = message.data;
      p.complete(
          data == null ? Params.nullValue(values) : new Params(data, message.msgpack, values));
      listeners.emit(
          l -> l.onResponseReceived(new ServiceListener.ResponseReceived(id, true, null)));
    } else {
      ServiceException e = Handlers.remoteError(message.error, ServiceException.EXECUTION_FAILED);
      if (ServiceException.DEADLINE_EXCEEDED.equals(e.code())
          && System.currentTimeMillis() >= p.expiresAt - 2) {
        // The gateway enforces deadlines too and may notice the expiry just before our timer:
        // a call that ran out of its time is a TIMEOUT whoever saw it first.
        e = timeout(p.wait);
      }
      p.fail(e);
      String error = e.getMessage();
      listeners.emit(
          l -> l.onResponseReceived(new ServiceListener.ResponseReceived(id, false, error)));
    }
  }

  /** Fails the call {@code id} with {@code error}; false if no such call is pending. */
  boolean fail(String id, ServiceException error) {
    Pending p = pending.remove(id);
    if (p == null) {
      return false;
    }
    p.fail(error);
    return true;
  }

  /** Fails every call sent on {@code link}. */
  void failSentOn(Link link, String code, String message) {
    failAll(p -> p.link == link, code, message);
  }

  /** Fails every pending call. */
  void failAll(String code, String message) {
    failAll(p -> true, code, message);
  }

  private void failAll(Predicate<Pending> which, String code, String message) {
    for (Pending p : pending.values()) {
      if (which.test(p) && pending.remove(p.id, p)) {
        p.fail(ServiceException.of(code, message));
      }
    }
  }

  static ServiceException timeout(long waitMillis) {
    return ServiceException.of(
        ServiceException.TIMEOUT, "Request timeout after " + waitMillis + "ms");
  }

  static CompletableFuture<Params> failed(String code, String message) {
    return CompletableFuture.failedFuture(ServiceException.of(code, message));
  }

  /** One call in flight. */
  private static final class Pending {
    final String id;
    final String target;
    final Link link;
    final long wait;
    final long expiresAt;
    final CompletableFuture<Params> future = new CompletableFuture<>();
    private volatile ScheduledFuture<?> timer;

    Pending(String id, String target, Link link, long wait, long expiresAt) {
      this.id = id;
      this.target = target;
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

    void complete(Params value) {
      disarm();
      future.complete(value);
    }

    void fail(ServiceException e) {
      disarm();
      future.completeExceptionally(e);
    }
  }
}
