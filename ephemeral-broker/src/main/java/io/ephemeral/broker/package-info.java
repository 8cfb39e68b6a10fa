/**
 * The broker: an in-memory key/value store with TTL and leases on a private Unix-domain socket,
 * speaking the newline-delimited JSON protocol of the Node {@code ephemeral-broker}.
 *
 * <p>This package is the whole public surface: {@link io.ephemeral.broker.Broker} (and its builder,
 * whose options are the rows of {@link io.ephemeral.broker.BrokerOption}), {@link
 * io.ephemeral.broker.Clock}, {@link io.ephemeral.broker.ManualClock}, {@link
 * io.ephemeral.broker.EvictionPolicy} and {@link io.ephemeral.broker.PeerAccess}; the extension
 * points {@link io.ephemeral.broker.Interceptor}, {@link io.ephemeral.broker.ActionHandler} (with
 * {@link io.ephemeral.broker.ActionRequest}), {@link io.ephemeral.broker.ValueProvider} and {@link
 * io.ephemeral.broker.BrokerPlugin}; and the shared-store SPI in {@code io.ephemeral.broker.store}.
 *
 * <p>Connections whose first byte is 0x00 speak the gateway's length-prefixed frames instead; the
 * public views of the gateway are {@link io.ephemeral.broker.Gateway}, {@link
 * io.ephemeral.broker.GatewayListener} and {@link io.ephemeral.broker.ServiceInfo}.
 *
 * <p>The engine behind this package lives in {@code io.ephemeral.broker.internal}, which is not an
 * API: its classes may change in any release.
 */
package io.ephemeral.broker;
