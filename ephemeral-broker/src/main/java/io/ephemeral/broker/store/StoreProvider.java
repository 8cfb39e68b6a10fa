package io.ephemeral.broker.store;

import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Makes a {@link RemoteStore} from a URI such as {@code redis://host:6379/0?prefix=ci-42}. Found
 * with {@link ServiceLoader}: a store module lists its provider in {@code
 * META-INF/services/io.ephemeral.broker.store.StoreProvider}.
 */
public interface StoreProvider {

  /** Whether this provider handles the URI's scheme (e.g. {@code redis}, {@code rediss}). */
  boolean handles(String scheme);

  /**
   * The store for a URI. Does not connect yet ({@link RemoteStore#open()} does).
   *
   * @param environment where to read options the URI leaves out (passwords)
   * @throws IllegalArgumentException naming what is wrong with the URI
   */
  RemoteStore create(String uri, Map<String, String> environment);

  /**
   * The store a URI names, or null for {@code memory} (the broker's own memory).
   *
   * @throws IllegalArgumentException if no provider on the class path handles the scheme, or the
   *     provider rejects the URI
   */
  static RemoteStore forUri(String uri, Map<String, String> environment) {
    String trimmed = uri.trim();
    int colon = trimmed.indexOf(':');
    String scheme = (colon < 0 ? trimmed : trimmed.substring(0, colon)).toLowerCase(Locale.ROOT);
    if (scheme.equals("memory")) {
      return null;
    }
    if (colon < 0 || scheme.isEmpty()) {
      throw new IllegalArgumentException(
          "store '" + uri + "' is not a URI (expected memory or e.g. redis://host:6379)");
    }
    for (StoreProvider p :
        ServiceLoader.load(StoreProvider.class, StoreProvider.class.getClassLoader())) {
      if (p.handles(scheme)) {
        return p.create(trimmed, environment);
      }
    }
    throw new IllegalArgumentException(
        "no store for '"
            + scheme
            + ":' on the class path (a redis:// store needs"
            + " the ephemeral-store-redis module)");
  }
}
