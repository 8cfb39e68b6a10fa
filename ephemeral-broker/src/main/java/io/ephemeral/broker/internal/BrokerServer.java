package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionHandler;
import io.ephemeral.broker.Clock;
import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One running broker, as Redis's {@code server.c}: builds the store, leases, gateway, command table
 * and client I/O around one {@link EventLoop}, gives the loop its end of turn, runs the periodic
 * work (sweeping expired entries, the idle timeout, the heartbeat, stale services, stalled
 * connections) and drains and stops. {@link Engine} makes one per start.
 *
 * <p>Stopping: nothing more is read; answers still queued are written (while their clients read
 * them, see {@link Clients#closeAll}), then every connection closes and all state is cleared. The
 * exit log line says how many requests were accepted and how many of those stayed unanswered (their
 * client went away or did not read).
 */
final class BrokerServer implements EventLoop.Owner {
  /** Most expired entries removed per loop turn, so a mass expiry never stalls clients. */
  static final int SWEEP_BUDGET = 10_000;

  private final BrokerConfig config;
  private final BrokerLog log;
  private final Clock clock;
  private final EventLoop loop;
  private final LoopState state = new LoopState();
  private final Metrics metrics;
  private final MemoryStore store;
  private final Leases leases;

  /** The KV actions on a shared store, or null when values and leases are in memory. */
  private final RemoteKvCommands remote;

  /** The coordination actions (setIfAbsent, incr, compute, barrier, acquire), or null. */
  private final CoordinationActions coordination;

  private ExecutorService providerThreads;
  private final Admission admission;

  /** Client I/O: every connection. */
  final Clients clients;

  private final Dispatcher dispatcher;
  private final CommandTable commands;
  private final GatewayEvents events;
  private final GatewayRouter router;

  private long lastHeartbeatAt;
  private long lastHeartbeatRequests;

  BrokerServer(BrokerConfig config, BrokerLog log, ServerSocketChannel server, PeerCheck peers)
      throws IOException {
    this.config = config;
    this.log = log;
    this.clock = config.clock();
    TurnClock time = new TurnClock(clock);
    this.loop = new EventLoop(log, clock, time, config.busyPollMicros());
    this.admission =
        new Admission(
            config,
            log,
            state,
            peers,
            loop.selector(),
            server,
            (due, task) -> loop.schedule(due, task, 0));
    state.budget = new MemoryBudget(config.maxMemory());
    this.clients = new Clients(config, log, time, state, loop.selector(), admission);
    this.metrics = new Metrics(config.metrics());
    this.store = new MemoryStore(config.maxItems(), config.evictionPolicy(), metrics, state.budget);
    this.leases = new Leases(metrics, state.budget);
    this.events =
        new GatewayEvents(log, config.debug() || config.logLevel() == BrokerConfig.LogLevel.DEBUG);
    config.gatewayListeners().forEach(events::add);
    this.router = new GatewayRouter(config, log, events, clients, state);
    CommandTable commands = new CommandTable();
    KvCommands kv = null;
    if (config.store() != null) {
      // Values and leases live in a shared store; the memory store and leases stay empty.
      remote =
          new RemoteKvCommands(
              config, config.store(), metrics, state, log, loop.selector(), loop::execute);
      remote.registerAll(commands);
      if (config.store().coordination() != null) {
        RemoteCoordination shared = new RemoteCoordination(config, config.store(), remote, state);
        shared.registerAll(commands);
        coordination = shared;
      } else {
        coordination = null; // the actions are unknown to a broker whose store lacks them
      }
    } else {
      remote = null;
      kv = new KvCommands(config, time, store, leases, metrics, state, log);
      kv.registerAll(commands);
      MemoryCoordination memory = new MemoryCoordination(config, store, kv, time, state);
      memory.registerAll(commands);
      coordination = memory;
    }
    if (kv != null && !config.providers().isEmpty()) {
      providerThreads =
          Executors.newCachedThreadPool(
              r -> {
                Thread t = new Thread(r, "ephemeral-broker-provider");
                t.setDaemon(true);
                return t;
              });
      kv.providers(providerThreads, loop::execute);
    }
    new GatewayCommands(router).registerAll(commands);
    commands.add(
        new Command(
            "metrics",
            null,
            null,
            Command.Ttl.IGNORED,
            false,
            new MetricsReport(metrics, commands, state, router, config.metrics())::handle));
    this.dispatcher = new Dispatcher(config, commands, metrics, log, state, clients);
    this.commands = commands;
    clients.protocols(first -> Protocol.of(first, clients, dispatcher, router));
    config.actions().forEach(this::addAction);
  }

  /** Schedules the periodic work and starts the loop; {@code onSelfStop} as {@link EventLoop}'s. */
  void start(Runnable onSelfStop) {
    long now = clock.millis();
    state.startedAt = now;
    lastHeartbeatAt = now;
    state.lastActivity = now;
    every(config.sweeperIntervalMillis(), this::sweep);
    if (config.idleTimeoutMillis() > 0) {
      every(config.idleTimeoutMillis(), this::checkIdle);
    }
    if (config.heartbeatIntervalMillis() > 0) {
      every(config.heartbeatIntervalMillis(), this::heartbeat);
    }
    every(staleCheckInterval(), this::checkStaleServices);
    every(connectionCheckInterval(), this::checkConnections);
    loop.start(this, this::handleKey, onSelfStop);
  }

  /** Handles a ready key: the store's connection's own, or the listening socket's or a client's. */
  private void handleKey(SelectionKey key) {
    if (key.attachment() instanceof StoreConnection c) {
      c.onReady(key);
    } else {
      clients.handleKey(key);
    }
  }

  /** Schedules a periodic check, which schedules its next run itself when it ends. */
  private void every(long millis, Runnable check) {
    loop.schedule(clock.millis() + millis, check, millis);
  }

  /** Runs a task on the loop thread. */
  void execute(Runnable task) {
    loop.execute(task);
  }

  /** Computes something on the loop thread and waits for it; see {@link EventLoop#call}. */
  <T> T call(Supplier<T> work, Duration timeout) {
    return loop.call(work, timeout);
  }

  /** Why the loop stopped by itself, or null. */
  Throwable failure() {
    return loop.failure();
  }

  /** Ends the loop, closes every connection, clears all state; waits for the thread. */
  void shutdown() {
    // The last answers are written while their clients read them (each given up after a stall
    // timeout without moving), so the wait covers a stall timeout beyond the usual few seconds.
    loop.shutdown(this::stopped, Duration.ofSeconds(10).plusMillis(config.stallTimeoutMillis()));
  }

  /** Stops taking connections and waits until everything received has been answered. */
  boolean drain(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      call(() -> state.draining = true, Duration.ofSeconds(5));
      while (true) {
        if (call(this::idle, Duration.ofSeconds(5))) {
          return true;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        // Polling keeps the loop free of drain bookkeeping; drains are rare and short.
        Thread.sleep(Math.min(5, TimeUnit.NANOSECONDS.toMillis(left) + 1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (IllegalStateException loopGone) {
      return true;
    }
  }

  private boolean idle() {
    return state.inFlight == 0
        && router.pendingCalls() == 0
        && leases.waiters() == 0
        && !(coordination instanceof MemoryCoordination m && m.waiting() > 0)
        && !clients.holdRequests();
  }

  /** Client connections open now (loop thread). */
  int openConnections() {
    return state.connections;
  }

  // ---- the loop's owner ----

  @Override
  public boolean hasWorkNow() {
    return clients.haveResumed() || remote != null && remote.hasOutgoing();
  }

  @Override
  public long nextDeadline() {
    return Math.min(
        Math.min(router.nextDeadline(), leases.nextDeadline()),
        coordination == null ? Long.MAX_VALUE : coordination.nextDeadline());
  }

  @Override
  public void expireDeadlines(long now) {
    try {
      router.expireCalls(now);
      if (coordination != null) {
        coordination.expire(now);
      }
      if (leases.waiters() > 0) {
        leases.expireWaiters(now);
        leases.purgeExpired(now); // an expired holder frees a slot for the longest waiter
      }
    } catch (Throwable e) {
      log.error("Expiring calls or waits failed; the rest is retried next turn", e);
    }
  }

  @Override
  public void beforeSleep() {
    clients.continueResumed();
    if (remote != null) {
      remote.sendBatches(); // the turn's store calls of every connection, in one pipeline
    }
    clients.flushDirty();
  }

  @Override
  public void stopped() {
    try {
      clients.closeAll();
    } catch (IOException | ClosedSelectorException ignored) {
      // Closing is best effort; the channels are closed either way.
    }
    loop.closeSelector();
    admission.shutdown();
    log.info(
        "Requests answered",
        "accepted",
        state.requestsAccepted,
        "answered",
        state.requestsAccepted - state.unanswered,
        "unanswered",
        state.unanswered);
    if (providerThreads != null) {
      providerThreads.shutdownNow();
    }
    if (remote != null) {
      remote.shutdown();
    }
    clearState();
  }

  /**
   * Forgets every key, lease, service, timer and task; also lets tests reuse a broker they never
   * started.
   */
  void clearState() {
    store.clear();
    leases.clear();
    if (coordination instanceof MemoryCoordination m) {
      m.clear();
    }
    router.clear();
    loop.clear();
  }

  // ---- periodic work (each schedules its next run as it ends) ----

  private void sweep() {
    long now = clock.millis();
    if (remote != null) {
      remote.sweep(SWEEP_BUDGET);
    }
    int removed = store.sweep(now, SWEEP_BUDGET);
    removed += leases.sweep(now, SWEEP_BUDGET);
    if (removed > 0 && log.debugEnabled()) {
      log.debug("Swept expired entries", "removed", removed);
    }
    // More due than the budget allowed: continue next turn instead of waiting a whole interval.
    boolean more = store.hasDue(now) || leases.hasDue(now);
    loop.schedule(
        more ? now : now + config.sweeperIntervalMillis(),
        this::sweep,
        config.sweeperIntervalMillis());
  }

  private void checkIdle() {
    long now = clock.millis();
    long idleFor = now - state.lastActivity;
    if (idleFor >= config.idleTimeoutMillis() && state.inFlight == 0) {
      log.info("Idle timeout reached, shutting down", "idleMs", idleFor);
      loop.stopItself();
      return;
    }
    loop.schedule(
        Math.max(now + 1, state.lastActivity + config.idleTimeoutMillis()),
        this::checkIdle,
        config.idleTimeoutMillis());
  }

  private long connectionCheckInterval() {
    long shortest = config.stallTimeoutMillis();
    if (config.connectionIdleTimeoutMillis() > 0) {
      shortest = Math.min(shortest, config.connectionIdleTimeoutMillis());
    }
    return Math.max(1, shortest / 4);
  }

  private void checkConnections() {
    clients.checkConnections();
    loop.schedule(
        clock.millis() + connectionCheckInterval(),
        this::checkConnections,
        connectionCheckInterval());
  }

  private long staleCheckInterval() {
    return Math.max(1000, config.staleServiceTimeoutMillis() / 4);
  }

  private void checkStaleServices() {
    long now = clock.millis();
    router.evictStale(now);
    loop.schedule(now + staleCheckInterval(), this::checkStaleServices, staleCheckInterval());
  }

  private void heartbeat() {
    long now = clock.millis();
    Runtime rt = Runtime.getRuntime();
    long usedMb = (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024);
    long requests = metrics.requests();
    long seconds = Math.max(1, (now - lastHeartbeatAt) / 1000);
    long opsPerSecond = (requests - lastHeartbeatRequests) / seconds;
    lastHeartbeatAt = now;
    lastHeartbeatRequests = requests;
    log.info(
        "Heartbeat",
        "uptimeSeconds",
        (now - state.startedAt) / 1000,
        "items",
        store.size(),
        "leases",
        leases.size(),
        "services",
        router.serviceNames().size(),
        "connections",
        state.connections,
        "inFlight",
        state.inFlight,
        "memoryMB",
        usedMb,
        "opsPerSecond",
        opsPerSecond);
    loop.schedule(
        now + config.heartbeatIntervalMillis(), this::heartbeat, config.heartbeatIntervalMillis());
  }

  /** Adds a custom action to the command table (loop thread, or before the loop starts). */
  void addAction(String name, ActionHandler handler) {
    commands.add(CustomAction.command(name, handler, dispatcher.view()));
  }

  GatewayEvents events() {
    return events;
  }

  GatewayRouter router() {
    return router;
  }
}
