/**
 * The store SPI: what the broker needs from a shared store ({@link
 * io.ephemeral.broker.store.RemoteStore}) so that brokers on several hosts share values and leases,
 * and how a store module is found from a {@code --store} URI ({@link
 * io.ephemeral.broker.store.StoreProvider}). Without a store the broker keeps everything in its own
 * memory.
 */
package io.ephemeral.broker.store;
