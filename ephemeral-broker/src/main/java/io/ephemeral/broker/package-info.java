/**
 * The broker: an in-memory key/value store with TTL and leases on a private Unix-domain socket,
 * speaking the newline-delimited JSON protocol of the Node {@code ephemeral-broker}.
 *
 * <p>Public surface: {@link io.ephemeral.broker.Broker} (and its builder), {@link
 * io.ephemeral.broker.Clock}, {@link io.ephemeral.broker.ManualClock} and {@link
 * io.ephemeral.broker.EvictionPolicy}, plus the gateway views below. Everything else is
 * package-private.
 *
 * <p>Threading: one event-loop thread ({@code EventLoop}) owns every connection, the store ({@code
 * MemoryStore}), the leases ({@code Leases}) and the metrics; none of them is locked. Other threads
 * only hand tasks to the loop. Per request: {@code RequestParser} picks the members out of the line
 * with Jackson's streaming parser (values stay raw bytes), {@code Dispatcher} runs parse, auth,
 * lookup in the {@code CommandTable}, the table's central checks and then the {@code Command}'s
 * handler ({@code KvCommands}), which appends one response to the connection's {@code ByteOutput};
 * the loop writes it once per read.
 *
 * <p>Connections whose first byte is 0x00 speak the gateway's length-prefixed frames instead:
 * {@code GatewayRouter} (registry, in-flight calls, deadlines) routes them, public views are {@link
 * io.ephemeral.broker.Gateway}, {@link io.ephemeral.broker.GatewayListener} and {@link
 * io.ephemeral.broker.ServiceInfo}.
 */
package io.ephemeral.broker;
