package io.ephemeral.junit;

import io.ephemeral.client.BrokerScope;
import io.ephemeral.client.ScopeChild;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Starts child JVMs on this test run's class path; a scope broker one of them starts ends 300 ms
 * after its last client left.
 */
final class Children {
  private Children() {}

  static Process java(Map<String, String> env, Path log, Class<?> main, String... args)
      throws IOException {
    return ScopeChild.start(
        env, List.of("-D" + BrokerScope.LINGER_PROPERTY + "=300"), log, main, args);
  }
}
