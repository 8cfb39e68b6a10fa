package io.ephemeral.broker;

/**
 * A plugin found with {@link java.util.ServiceLoader} (the CLI loads them from jars given with
 * {@code --plugin}): it adds actions, providers and interceptors to a broker being built.
 */
public interface BrokerPlugin {
  /** Adds this plugin's actions, providers and interceptors to the broker being built. */
  void configure(Broker.Builder builder);
}
