package io.ephemeral.broker.internal;

import io.ephemeral.protocol.ErrorCodes;

/**
 * The KV protocol on one connection: JSON lines, each handed to the {@link Dispatcher} straight
 * from the read buffer, answered in order; and the KV state of the connection. A line over {@code
 * maxRequestSize}, or one the memory budget cannot hold, is answered with an error and skipped up
 * to its newline, never buffered whole.
 */
final class LineProtocol implements Protocol {
  private final Clients clients;
  private final Dispatcher dispatcher;

  /** Skipping the rest of an over-long line (or of one refused before it was whole). */
  boolean discarding;

  /** Why a line refused behind a parked request was refused: answered when its turn comes. */
  String refusedLine;

  /**
   * This connection's store calls waiting to be sent, in order (RemoteKvCommands' state; null until
   * used).
   */
  Object storeCalls;

  /**
   * Gives back what the connection holds until it closes (compute claims bound to it), or null: run
   * when it closes, after a request it has waiting was withdrawn.
   */
  Runnable releaseOnClose;

  LineProtocol(Clients clients, Dispatcher dispatcher) {
    this.clients = clients;
    this.dispatcher = dispatcher;
  }

  /** Dispatches complete lines in buf[from, to); returns how far it consumed. */
  @Override
  public int consume(Connection c, byte[] buf, int from, int to) {
    LoopState state = clients.state;
    if (refusedLine != null) {
      answerRefusedLine(c, refusedLine); // its turn has come: the parked request was answered
      refusedLine = null;
    }
    int max = clients.config.maxRequestSize();
    int pos = from;
    while (pos < to) {
      int nl = indexOfNewline(buf, pos, to);
      if (discarding) {
        if (nl < 0) {
          return to;
        }
        discarding = false;
        pos = nl + 1;
        continue;
      }
      if (c.out.size() >= clients.pauseAt
          || (c.answers != null
              && (c.answers.size() >= Clients.MAX_QUEUED_ANSWERS
                  || c.answerBytes >= Clients.OUTPUT_HIGH_WATER))) {
        c.heldBack = true; // continued when output is written or queued answers are released
        break;
      }
      if (nl < 0) {
        if (to - pos > max) {
          respondTooLarge(c);
          discarding = true;
          return to;
        }
        break;
      }
      state.inFlight++;
      state.requestsAccepted++;
      c.unflushed++;
      c.completed++;
      if (nl - pos > max) {
        dispatcher.tooLarge(c);
      } else {
        dispatcher.handle(c, buf, pos, nl - pos);
      }
      pos = nl + 1;
      if (c.parked) {
        c.heldBack = pos < to;
        break;
      }
    }
    return pos;
  }

  private void respondTooLarge(Connection c) {
    LoopState state = clients.state;
    state.inFlight++;
    state.requestsAccepted++;
    c.unflushed++;
    dispatcher.tooLarge(c);
  }

  private static int indexOfNewline(byte[] buf, int from, int to) {
    for (int i = from; i < to; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether keeping {@code more} input bytes fits the budget: unfinished requests may hold at most
   * half of it, so that slow senders cannot leave no room for everyone else. A line that does not
   * fit is refused.
   */
  @Override
  public boolean mayKeep(Connection c, int more) {
    MemoryBudget budget = clients.state.budget;
    int growth = c.inputGrowth(more);
    if (growth == 0 || c.inLen + more <= Clients.SMALL_REQUEST || budget.fitsInput(growth)) {
      return true;
    }
    refuseUnfinishedLine(
        c,
        "the broker's memory budget cannot hold this unfinished request: unfinished requests may"
            + " hold half of maxMemory ("
            + budget.max()
            + " bytes), and they hold "
            + budget.used(MemoryBudget.Part.INPUT)
            + "; the request is skipped");
    return false;
  }

  @Override
  public void cannotKeep(Connection c, byte[] data, int from, int to, OutOfMemoryError e) {
    refuseUnfinishedLine(c, "the broker ran out of heap memory holding this unfinished request");
  }

  /**
   * Answers an unfinished line that cannot be held {@code memory_limit} and drops it (skipping it
   * up to its newline). Behind a parked request the answer waits its turn ({@link #refusedLine}).
   */
  private void refuseUnfinishedLine(Connection c, String why) {
    c.dropInput();
    discarding = true;
    if (c.parked) {
      refusedLine = why;
      return;
    }
    answerRefusedLine(c, why);
  }

  private void answerRefusedLine(Connection c, String why) {
    LoopState state = clients.state;
    state.inFlight++;
    state.requestsAccepted++;
    c.unflushed++;
    c.completed++;
    state.limitHit(Limit.MAX_MEMORY);
    dispatcher.refuse(c, ErrorCodes.MEMORY_LIMIT, why);
    clients.markDirty(c);
  }

  @Override
  public boolean holdsRequest(Connection c) {
    return indexOfNewline(c.in, 0, c.inLen) >= 0;
  }

  @Override
  public boolean skipping() {
    return discarding;
  }

  @Override
  public boolean awaitsAnswers() {
    return false;
  }

  /** A client's own answers: one answer alone never closes it, however large (a list it reads). */
  @Override
  public boolean closeOnOutputLimit(Connection c) {
    return c.unflushed > 1;
  }

  @Override
  public void closed(Connection c) {
    if (releaseOnClose != null) {
      releaseOnClose.run();
      releaseOnClose = null;
    }
  }
}
