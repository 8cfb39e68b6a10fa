package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionHandler;
import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerOption;
import io.ephemeral.broker.Clock;
import io.ephemeral.broker.GatewayListener;
import io.ephemeral.broker.Interceptor;
import io.ephemeral.broker.ValueProvider;
import io.ephemeral.broker.store.RemoteStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a {@link Broker.Builder} was told, before the environment, the defaults and the checks that
 * span options ({@link BrokerConfig#resolve}): the value of each {@link BrokerOption} set (null for
 * every option left unset), and what the builder takes besides options.
 *
 * <p>Public, with public fields, only because the builder lives in the API package and fills it:
 * the one other public class of this package besides {@link Engine}. Resolving and validating stay
 * here, in {@link BrokerConfig}, which is not public.
 */
public final class BuilderSettings {
  private static volatile Function<Broker.Builder, BuilderSettings> ofBuilder;

  /** By {@link BrokerOption#ordinal()}: the checked value of each option set, else null. */
  private final Object[] options = new Object[BrokerOption.values().length];

  /** The value set by {@link Broker.Builder#socketPath}; null when unset. */
  public Path socketPath;

  /** The value set by {@link Broker.Builder#clock}; null when unset. */
  public Clock clock;

  /** The value set by {@link Broker.Builder#shutdownHook}; true when unset. */
  public boolean shutdownHook = true;

  /** The value set by {@link Broker.Builder#environment}; the process's when unset. */
  public Map<String, String> environment = System.getenv();

  /** What was added with {@link Broker.Builder#gatewayListener}. */
  public final List<GatewayListener> gatewayListeners = new ArrayList<>();

  /** What was added with {@link Broker.Builder#intercept}. */
  public final List<Interceptor> interceptors = new ArrayList<>();

  /** What was added with {@link Broker.Builder#action}. */
  public final Map<String, ActionHandler> actions = new LinkedHashMap<>();

  final List<BrokerConfig.ProviderEntry> providers = new ArrayList<>();

  /** The value set by {@link Broker.Builder#store(RemoteStore)}; null when unset. */
  public RemoteStore store;

  /** Sets an option to a value its row has checked ({@link BrokerOption#check}); null unsets it. */
  public void set(BrokerOption option, Object value) {
    options[option.ordinal()] = value;
  }

  /** The value an option was set to, or null. */
  Object get(BrokerOption option) {
    return options[option.ordinal()];
  }

  /** Adds a value provider for the keys matching a pattern ({@code *} matches anything). */
  public void provide(String keyPattern, ValueProvider provider) {
    providers.add(BrokerConfig.ProviderEntry.of(keyPattern, provider));
  }

  /**
   * Tells the engine how to read the settings of a builder it is handed ({@link Engine#create},
   * {@link BrokerConfig#resolve}): called once, by {@code Broker.Builder}'s class initializer, so
   * before any builder exists.
   *
   * @throws IllegalStateException when called again
   */
  public static synchronized void readBuildersWith(
      Function<Broker.Builder, BuilderSettings> reader) {
    if (ofBuilder != null) {
      throw new IllegalStateException("the builders' settings are read already");
    }
    ofBuilder = reader;
  }

  /** The settings a builder holds. */
  static BuilderSettings of(Broker.Builder builder) {
    return ofBuilder.apply(builder);
  }
}
