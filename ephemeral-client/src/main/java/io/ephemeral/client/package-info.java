/**
 * Java client for the ephemeral broker: a key/value store with TTLs and numbered leases on a
 * private Unix-domain socket, wire compatible with the Node {@code ephemeral-broker} 1.0.4.
 *
 * <p>The entry point is {@link io.ephemeral.client.BrokerClient}: build one with {@link
 * io.ephemeral.client.BrokerClient#fromEnvironment()} (reads {@code EPHEMERAL_PIPE}) or {@link
 * io.ephemeral.client.BrokerClient#builder()}, share it between threads, close it when done. Errors
 * split by cause: {@link io.ephemeral.client.BrokerException} (the broker said no, with its wire
 * code), {@link io.ephemeral.client.BrokerConnectionException} (no answer could be had), {@link
 * io.ephemeral.client.ValueDecodingException} (a stored value cannot be decoded) and {@link
 * IllegalArgumentException} for invalid arguments.
 */
package io.ephemeral.client;
