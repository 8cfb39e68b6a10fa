package io.ephemeral.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * How a {@link BrokerClient} method makes its request: sign the payload, start a call, and read the
 * answer, on the caller's thread ({@link #sync}), on the client's executor ({@link #async}), or on
 * a connection of its own for a request that may wait long at the broker ({@link #alone}). {@code
 * timeoutNanos} is the client's timeout for one call, retries included.
 */
record Calls(
    Attempts attempts, Signer signer, Answers answers, Executor executor, long timeoutNanos) {

  /** Starts a call with the client's timeout. */
  Call start(String action, String subject, byte[] payload) {
    return start(action, subject, payload, timeoutNanos);
  }

  /** Starts a call with its own total timeout. */
  Call start(String action, String subject, byte[] payload, long callTimeoutNanos) {
    attempts.requireOpen();
    return attempts.start(action, subject, sign(action, subject, payload), callTimeoutNanos);
  }

  <T> T sync(Call call, Answers.Decoder<T> decoder) {
    return answers.decode(call, attempts.await(call), decoder);
  }

  <T> CompletableFuture<T> async(Call call, Answers.Decoder<T> decoder) {
    return call.result.thenApplyAsync(line -> answers.decode(call, line, decoder), executor);
  }

  /**
   * Sends one request on a connection of its own and waits up to {@code callTimeoutNanos} for its
   * answer (never retried: a request that queues at the broker must not be sent twice).
   */
  <T> T alone(
      String action,
      String subject,
      byte[] payload,
      long callTimeoutNanos,
      Answers.Decoder<T> decoder) {
    try (OwnConnection c = OwnConnection.open(attempts)) {
      return request(c, action, subject, payload, callTimeoutNanos, decoder);
    }
  }

  /** One request on a connection of the caller's (see {@link OwnConnection}). */
  <T> T request(
      OwnConnection c,
      String action,
      String subject,
      byte[] payload,
      long callTimeoutNanos,
      Answers.Decoder<T> decoder) {
    attempts.requireOpen();
    Call call = new Call(action, subject, sign(action, subject, payload), callTimeoutNanos);
    return answers.decode(call, c.request(call), decoder);
  }

  private byte[] sign(String action, String subject, byte[] payload) {
    return signer.sign(payload, subject.isEmpty() ? action : action + " " + subject);
  }
}
