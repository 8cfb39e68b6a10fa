package io.ephemeral.client;

/**
 * How full the broker's key/value store is, as part of {@link BrokerStats} and {@link
 * BrokerHealth}.
 *
 * @param items live keys
 * @param maxItems the broker's item limit; 0 means unlimited (or not reported)
 * @param utilization {@code items / maxItems} rounded to two decimals, 0 when unlimited
 * @param nearCapacity utilization is at least 0.9
 * @param atCapacity utilization is at least 1.0: new keys are rejected with {@code max_items}
 * @param warning {@code "near_capacity"}, {@code "at_capacity"} or {@code null}
 */
public record Capacity(
    long items,
    long maxItems,
    double utilization,
    boolean nearCapacity,
    boolean atCapacity,
    String warning) {}
