package io.ephemeral.spring;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.BrokerStats;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * Gauges of an embedded broker: {@code ephemeral.broker.items}, {@code .leases}, {@code
 * .lease.waiters}, {@code .capacity.utilization} (from its {@code stats}, asked at most once a
 * second), {@code .services} and {@code .calls.pending} (from its gateway). A gauge the broker
 * cannot answer reads NaN.
 */
final class BrokerMetrics implements MeterBinder {
  private static final long STATS_MAX_AGE_NANOS = 1_000_000_000L;

  private final EmbeddedBroker broker;
  private final BrokerClient client;
  private BrokerStats stats;
  private long statsAt;

  BrokerMetrics(EmbeddedBroker broker, BrokerClient client) {
    this.broker = broker;
    this.client = client;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    stat(registry, "ephemeral.broker.items", "Live keys", BrokerStats::items);
    stat(registry, "ephemeral.broker.leases", "Live leases", BrokerStats::leases);
    stat(
        registry,
        "ephemeral.broker.lease.waiters",
        "Workers waiting for a lease",
        BrokerStats::leaseWaiters);
    stat(
        registry,
        "ephemeral.broker.capacity.utilization",
        "Items over the item limit",
        s -> s.capacity() == null ? Double.NaN : s.capacity().utilization());
    Gauge.builder("ephemeral.broker.services", broker, b -> b.gatewayStatus().connectedServices())
        .description("Services registered at the gateway")
        .register(registry);
    Gauge.builder("ephemeral.broker.calls.pending", broker, b -> b.gatewayStatus().pendingCalls())
        .description("Calls delivered by the gateway and awaiting their responses")
        .register(registry);
  }

  private void stat(
      MeterRegistry registry, String name, String description, ToDoubleFunction<BrokerStats> f) {
    Gauge.builder(
            name,
            this,
            m -> {
              BrokerStats s = m.stats();
              return s == null ? Double.NaN : f.applyAsDouble(s);
            })
        .description(description)
        .register(registry);
  }

  private synchronized BrokerStats stats() {
    long now = System.nanoTime();
    if (stats == null || now - statsAt > STATS_MAX_AGE_NANOS) {
      try {
        stats = client.stats();
      } catch (RuntimeException e) {
        stats = null;
      }
      statsAt = now;
    }
    return stats;
  }
}
