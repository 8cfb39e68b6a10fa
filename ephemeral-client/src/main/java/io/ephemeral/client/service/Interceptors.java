package io.ephemeral.client.service;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The interceptor chains of one client, index-based as OkHttp's {@code RealInterceptorChain}: each
 * link knows its position and calls the next interceptor, the last one the real work.
 */
final class Interceptors {
  private final List<CallInterceptor> calls;
  private final List<ServeInterceptor> serves;

  Interceptors(List<CallInterceptor> calls, List<ServeInterceptor> serves) {
    this.calls = List.copyOf(calls);
    this.serves = List.copyOf(serves);
  }

  boolean interceptsCalls() {
    return !calls.isEmpty();
  }

  /**
   * Runs {@code call} through the call interceptors, then {@code send}. Cancelling the returned
   * future cancels every call {@code send} started for it (there may be several if an interceptor
   * retried), so the callee hears of it whatever the interceptors did with the futures.
   */
  CompletableFuture<Params> call(
      OutgoingCall call, Function<OutgoingCall, CompletableFuture<Params>> send) {
    List<CompletableFuture<Params>> sent = new ArrayList<>(1);
    Function<OutgoingCall, CompletableFuture<Params>> tracked =
        c -> {
          CompletableFuture<Params> f = send.apply(c);
          synchronized (sent) {
            sent.add(f);
          }
          return f;
        };
    CompletableFuture<Params> out = new CompletableFuture<>();
    out.whenComplete(
        (v, e) -> {
          if (e instanceof CancellationException) {
            List<CompletableFuture<Params>> started;
            synchronized (sent) {
              started = new ArrayList<>(sent);
            }
            started.forEach(f -> f.cancel(false));
          }
        });
    new CallChain(0, call, tracked)
        .proceed(call)
        .whenComplete(
            (v, e) -> {
              if (e == null) {
                out.complete(v);
              } else {
                out.completeExceptionally(e);
              }
            });
    return out;
  }

  private final class CallChain implements CallInterceptor.Chain {
    private final int index;
    private final OutgoingCall call;
    private final Function<OutgoingCall, CompletableFuture<Params>> send;

    CallChain(
        int index, OutgoingCall call, Function<OutgoingCall, CompletableFuture<Params>> send) {
      this.index = index;
      this.call = call;
      this.send = send;
    }

    @Override
    public OutgoingCall call() {
      return call;
    }

    @Override
    public CompletableFuture<Params> proceed(OutgoingCall next) {
      OutgoingCall.requireSame(call, next);
      if (index == calls.size()) {
        return send.apply(next);
      }
      CallInterceptor interceptor = calls.get(index);
      CompletableFuture<Params> result;
      try {
        result = interceptor.intercept(new CallChain(index + 1, next, send));
      } catch (ServiceException e) {
        return CompletableFuture.failedFuture(e);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(
            ServiceException.of(
                ServiceException.INTERNAL_ERROR,
                "Call interceptor " + interceptor + " failed: " + Values.rootMessage(e),
                e));
      }
      if (result == null) {
        return CompletableFuture.failedFuture(
            ServiceException.of(
                ServiceException.INTERNAL_ERROR,
                "Call interceptor " + interceptor + " returned no future"));
      }
      return result;
    }
  }

  /** Runs {@code call} through the serve interceptors, then {@code handler}. */
  Object serve(IncomingCall call, CallHandler handler) throws Exception {
    return serves.isEmpty()
        ? handler.handle(call.params(), call.context())
        : new ServeChain(0, call, handler).proceed(call);
  }

  private final class ServeChain implements ServeInterceptor.Chain {
    private final int index;
    private final IncomingCall call;
    private final CallHandler handler;

    ServeChain(int index, IncomingCall call, CallHandler handler) {
      this.index = index;
      this.call = call;
      this.handler = handler;
    }

    @Override
    public IncomingCall call() {
      return call;
    }

    @Override
    public Object proceed(IncomingCall next) throws Exception {
      if (!next.method().equals(call.method()) || next.context() != call.context()) {
        throw new IllegalStateException("a serve interceptor may change only the params");
      }
      if (index == serves.size()) {
        return handler.handle(next.params(), next.context());
      }
      return serves.get(index).intercept(new ServeChain(index + 1, next, handler));
    }
  }
}
