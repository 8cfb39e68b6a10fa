package io.ephemeral.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets each call of a {@link BrokerClient} an answer within its deadline: the shared connection
 * (connect, reconnect), the attempts of a call, the backoff between them, and the deadline timer.
 */
final class Attempts {
  /*
   * Implementation notes.
   *
   * A request is a Call: its signed line, a deadline = start + timeout, and a future completed
   * with the raw response line. The deadline timer (one daemon scheduler thread per client)
   * completes the call exceptionally when the time is up, whatever stage it is in, so no call
   * outlives its timeout.
   *
   * attempt(call) gets the current Connection (connecting under connectLock when there is none
   * or it died; a connect that failed less than 25 ms ago is not repeated, its failure is
   * shared, so a crowd of retrying calls cannot hammer a dead broker) and submits the call. The
   * Connection reports a failure through attemptFailed(): retryable failures schedule the next
   * attempt on the timer thread after the backoff, capped so that a last attempt still happens
   * shortly before the deadline; anything else completes the call. The first attempt runs on the
   * caller's thread (a Unix-socket connect either succeeds or fails at once), retries on the
   * timer thread; the connection's threads only ever complete futures, they never connect or run
   * user code.
   */

  private static final Logger LOG = LoggerFactory.getLogger(BrokerClient.class);

  /** Backoff between attempts; the last entry repeats until the timeout is used up. */
  private static final long[] BACKOFF_MILLIS = {50, 100, 200, 400, 800};

  /** Within this interval after a failed connect, other calls reuse its failure. */
  private static final long CONNECT_COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

  private final Path pipe;
  private final Failures failures;
  private final String name;
  private final Duration timeout;
  private final boolean debug;
  private final ScheduledThreadPoolExecutor timer;
  private final Set<Call> active = ConcurrentHashMap.newKeySet();
  private final Object connectLock = new Object();
  private final AtomicInteger connectionIds = new AtomicInteger();
  private final AtomicInteger connectAttempts = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Connection connection;

  /** The last failed connect and when it happened; guarded by connectLock. */
  private BrokerConnectionException lastConnectFailure;

  private long lastConnectFailureNanos;

  Attempts(Path pipe, Failures failures, String name, Duration timeout, boolean debug) {
    this.pipe = pipe;
    this.failures = failures;
    this.name = name;
    this.timeout = timeout;
    this.debug = debug;
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, name + "-timer");
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
    timer.setKeepAliveTime(30, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
  }

  Path pipe() {
    return pipe;
  }

  Failures failures() {
    return failures;
  }

  /** The client's name, the prefix of its threads' names. */
  String name() {
    return name;
  }

  boolean isClosed() {
    return closed.get();
  }

  /** Throws {@link IllegalStateException} once the client is closed. */
  void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException("BrokerClient is closed");
    }
  }

  /** Starts a call of the signed {@code line} that must be answered within {@code timeoutNanos}. */
  Call start(String action, String subject, byte[] line, long timeoutNanos) {
    requireOpen();
    Call call = new Call(action, subject, line, timeoutNanos);
    active.add(call);
    call.result.whenComplete(
        (r, e) -> {
          active.remove(call);
          var d = call.deadline;
          if (d != null) {
            d.cancel(false);
          }
        });
    try {
      call.deadline = timer.schedule(() -> expire(call), timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      call.result.completeExceptionally(closedError(call));
      return call;
    }
    attempt(call);
    return call;
  }

  /**
   * Waits for the call's answer line on the caller's thread.
   *
   * @throws BrokerConnectionException when it failed, timed out or the thread was interrupted
   */
  byte[] await(Call call) {
    try {
      // The deadline timer completes the call; the extra margin only guards against a bug.
      long left = call.deadlineNanos - System.nanoTime();
      return call.result.get(Math.max(0, left) + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof BrokerConnectionException bce) {
        // Re-thrown with this thread's stack; the original (other thread) stays as the cause.
        throw new BrokerConnectionException(bce.code(), bce.getMessage(), false, bce);
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerConnectionException(
          "EINTR",
          call.describe() + ": interrupted while waiting for the broker (EINTR)",
          false,
          e);
    } catch (TimeoutException e) {
      throw new BrokerConnectionException(
          "ETIMEOUT",
          call.describe() + ": no reply within " + timeout.toMillis() + " ms",
          false,
          e);
    }
  }

  /** Schedules {@code task} on the client's timer thread every {@code period}. */
  ScheduledFuture<?> every(Duration period, Runnable task) {
    long ms = Math.max(1, period.toMillis());
    return timer.scheduleWithFixedDelay(task, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Connect attempts so far (tests). */
  int connectAttempts() {
    return connectAttempts.get();
  }

  /**
   * Closes the connection and fails every call still waiting with a {@link
   * BrokerConnectionException} (code {@code ECLOSED}). Idempotent; false if already closed.
   */
  boolean close() {
    if (!closed.compareAndSet(false, true)) {
      return false;
    }
    Connection c;
    synchronized (connectLock) {
      c = connection;
      connection = null;
    }
    if (c != null) {
      c.close(
          new BrokerConnectionException(
              "ECLOSED",
              "The client was closed before the broker answered (ECLOSED)",
              false,
              null));
    }
    for (Call call : active) {
      call.result.completeExceptionally(closedError(call));
    }
    timer.shutdownNow();
    log("{}: closed", name);
    return true;
  }

  private void attempt(Call call) {
    if (call.result.isDone()) {
      return;
    }
    if (closed.get()) {
      call.result.completeExceptionally(closedError(call));
      return;
    }
    int n = ++call.attempts;
    Connection c;
    try {
      c = connection();
    } catch (BrokerConnectionException e) {
      attemptFailed(call, e);
      return;
    }
    call.submitted = true;
    if (!c.submit(call)) {
      BrokerConnectionException why = c.failure();
      attemptFailed(
          call, why != null ? why : Failures.broken("ECONNRESET", "The connection closed", null));
    } else if (n > 1) {
      log("{}: {} attempt {} sent on {}", name, call.describe(), n, c.name());
    }
  }

  private Connection connection() {
    Connection c = connection;
    if (c != null && c.isOpen()) {
      return c;
    }
    synchronized (connectLock) {
      c = connection;
      if (c != null && c.isOpen()) {
        return c;
      }
      if (closed.get()) {
        throw new BrokerConnectionException("ECLOSED", "The client is closed", false, null);
      }
      // Many calls retrying against a dead broker share one connect attempt per interval.
      BrokerConnectionException recent = lastConnectFailure;
      if (recent != null && System.nanoTime() - lastConnectFailureNanos < CONNECT_COALESCE_NANOS) {
        throw recent;
      }
      connectAttempts.incrementAndGet();
      try {
        c =
            Connection.open(
                pipe,
                name + "-conn" + connectionIds.incrementAndGet(),
                failures,
                this::attemptFailed);
      } catch (BrokerConnectionException e) {
        lastConnectFailure = e;
        lastConnectFailureNanos = System.nanoTime();
        throw e;
      }
      lastConnectFailure = null;
      connection = c;
      log("{}: connected to {} ({})", name, pipe, c.name());
      return c;
    }
  }

  /** A connection-level failure of the call's current attempt: retry or give up. */
  private void attemptFailed(Call call, BrokerConnectionException e) {
    call.submitted = false;
    call.lastError = e;
    if (call.result.isDone()) {
      return;
    }
    if (closed.get()) {
      call.result.completeExceptionally(closedError(call));
      return;
    }
    if (!e.retryable()) {
      call.result.completeExceptionally(
          new BrokerConnectionException(
              e.code(), call.describe() + ": " + e.getMessage(), false, e));
      return;
    }
    long remaining = call.deadlineNanos - System.nanoTime();
    long backoff =
        TimeUnit.MILLISECONDS.toNanos(
            BACKOFF_MILLIS[Math.min(call.attempts - 1, BACKOFF_MILLIS.length - 1)]);
    long delay;
    if (remaining > backoff) {
      delay = backoff;
    } else if (remaining > TimeUnit.MILLISECONDS.toNanos(20)) {
      delay = remaining - TimeUnit.MILLISECONDS.toNanos(10); // one last try before the deadline
    } else {
      return; // the deadline timer reports the last error
    }
    log(
        "{}: {} failed ({}), retry {} in {} ms",
        name,
        call.describe(),
        e.code(),
        call.attempts,
        TimeUnit.NANOSECONDS.toMillis(delay));
    try {
      timer.schedule(() -> attempt(call), delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException x) {
      call.result.completeExceptionally(closedError(call));
    }
  }

  /** The deadline timer: the call's time is up. */
  private void expire(Call call) {
    if (call.result.isDone()) {
      return;
    }
    BrokerConnectionException last = call.lastError;
    long ms = timeout.toMillis();
    BrokerConnectionException e;
    if (call.submitted || last == null) {
      e =
          new BrokerConnectionException(
              "ETIMEOUT",
              call.describe()
                  + ": no reply from the broker within "
                  + ms
                  + " ms (attempt "
                  + call.attempts
                  + "); the broker may be overloaded or stuck. "
                  + failures.pipeLabel()
                  + " (ETIMEOUT)",
              false,
              last);
    } else {
      e =
          new BrokerConnectionException(
              last.code(),
              call.describe()
                  + ": could not reach the broker within "
                  + ms
                  + " ms ("
                  + call.attempts
                  + (call.attempts == 1 ? " attempt" : " attempts")
                  + "). Last error: "
                  + last.getMessage(),
              false,
              last);
    }
    if (call.result.completeExceptionally(e)) {
      log("{}: {} gave up after {} ms: {}", name, call.describe(), call.elapsedMillis(), e.code());
    }
  }

  private static BrokerConnectionException closedError(Call call) {
    return new BrokerConnectionException(
        "ECLOSED",
        call.describe() + ": the client was closed before the broker answered (ECLOSED)",
        false,
        null);
  }

  void log(String format, Object... args) {
    if (debug) {
      LOG.info(format, args);
    } else {
      LOG.debug(format, args);
    }
  }
}
