package io.ephemeral.broker;

/** Counters of the event loop that commands report (health, stats). Loop thread only. */
final class LoopState {
  long startedAt;
  long lastActivity;
  boolean draining;
  /** Requests received whose responses have not been fully written to their sockets. */
  long inFlight;
  int connections;
}
