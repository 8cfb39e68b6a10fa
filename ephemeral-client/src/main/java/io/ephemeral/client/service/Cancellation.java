package io.ephemeral.client.service;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether one served call was cancelled, and what to do when it is: interrupt the handler's thread,
 * cancel the calls nested in it, cancel its pending result. Cancelled at most once; a hook added
 * after that runs at once. Hooks that are no longer needed (a nested call that finished) are
 * removed, so a long call with many nested calls keeps none of theirs.
 */
final class Cancellation {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceClient.class);

  private Set<Runnable> hooks = new LinkedHashSet<>(); // null once cancelled
  private volatile boolean cancelled;

  boolean isCancelled() {
    return cancelled;
  }

  /** Runs {@code hook} when cancelled (now, if it already is). */
  void onCancel(Runnable hook) {
    synchronized (this) {
      if (hooks != null) {
        hooks.add(hook);
        return;
      }
    }
    run(hook);
  }

  void remove(Runnable hook) {
    synchronized (this) {
      if (hooks != null) {
        hooks.remove(hook);
      }
    }
  }

  /** Cancels, running the hooks in the order they were added; false if already cancelled. */
  boolean cancel() {
    List<Runnable> run;
    synchronized (this) {
      if (hooks == null) {
        return false;
      }
      run = new ArrayList<>(hooks);
      hooks = null;
      cancelled = true;
    }
    run.forEach(Cancellation::run);
    return true;
  }

  private static void run(Runnable hook) {
    try {
      hook.run();
    } catch (RuntimeException e) {
      LOG.warn("a cancellation hook threw", e);
    }
  }
}
