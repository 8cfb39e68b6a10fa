package io.ephemeral.client.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A gateway per test, for {@code @RegisterExtension}: the real broker ({@link #real()}) or a
 * scripted one ({@link #scripted()}), and the service clients a test makes, all closed after it; a
 * client thread still alive then fails the test.
 */
final class Gateways implements BeforeEachCallback, AfterEachCallback {
  private final boolean scripted;
  private final List<AutoCloseable> open = new ArrayList<>();
  private GatewayFixture real;
  private ScriptedGateway script;

  private Gateways(boolean scripted) {
    this.scripted = scripted;
  }

  static Gateways real() {
    return new Gateways(false);
  }

  static Gateways scripted() {
    return new Gateways(true);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (scripted) {
      script = new ScriptedGateway();
    } else {
      real = GatewayFixture.start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    open.clear();
    if (scripted) {
      script.close();
    } else {
      real.close();
    }
    GatewayFixture.assertNoServiceThreadsLeft();
  }

  /** The real gateway. */
  GatewayFixture fixture() {
    return real;
  }

  /** The scripted gateway. */
  ScriptedGateway script() {
    return script;
  }

  /** A builder for a client of this test's gateway named {@code name}. */
  ServiceClient.Builder client(String name) {
    return scripted ? script.client(name) : real.client(name);
  }

  /** Builds a client that is closed after the test. */
  ServiceClient build(ServiceClient.Builder builder) {
    return track(builder.build());
  }

  /** Builds and connects a client that is closed after the test. */
  ServiceClient connected(ServiceClient.Builder builder) {
    ServiceClient c = build(builder);
    c.connect();
    return c;
  }

  /** An anonymous client of the real gateway, not yet connected, closed after the test. */
  ServiceClient anonymous() {
    return build(ServiceClient.builder().gateway(socket()).environment(Map.of()));
  }

  /** Closes {@code c} after the test. */
  <T extends AutoCloseable> T track(T c) {
    open.add(c);
    return c;
  }

  java.nio.file.Path socket() {
    return scripted ? script.socket : real.socket;
  }
}
