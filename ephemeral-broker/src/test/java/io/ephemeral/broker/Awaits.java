package io.ephemeral.broker;

import java.util.function.BooleanSupplier;

/** Polls a condition that another thread (the broker's loop) makes true; fails after 20 s. */
public final class Awaits {
  private Awaits() {}

  public static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
