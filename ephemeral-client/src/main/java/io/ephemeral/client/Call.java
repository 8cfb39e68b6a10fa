package io.ephemeral.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One request from the caller's point of view: its line, its overall deadline and the future
 * completed with the raw response line. A call has at most one attempt in flight; it is attempted
 * again only after that attempt failed with a retryable connection error.
 */
final class Call {
  final String action;

  /** What the call is about, for messages: {@code "k"}, {@code worker "w"} or empty. */
  final String subject;

  final byte[] line;
  final long startNanos;
  final long deadlineNanos;
  final CompletableFuture<byte[]> result = new CompletableFuture<>();

  /** Attempts started; written only by the thread running the current attempt. */
  volatile int attempts;

  /** Whether the current attempt was handed to a connection and has not failed. */
  volatile boolean submitted;

  volatile BrokerConnectionException lastError;
  volatile ScheduledFuture<?> deadline;

  Call(String action, String subject, byte[] line, long timeoutNanos) {
    this.action = action;
    this.subject = subject;
    this.line = line;
    this.startNanos = System.nanoTime();
    this.deadlineNanos = startNanos + timeoutNanos;
  }

  /** {@code get "k"}, {@code release worker "w"}, {@code ping}. */
  String describe() {
    return subject.isEmpty() ? action : action + " " + subject;
  }

  long elapsedMillis() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
