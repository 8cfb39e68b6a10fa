package io.ephemeral.spring;

import io.ephemeral.client.service.ServiceClient;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * Registers the {@code @BrokerService} beans with the application's {@link ServiceClient} and
 * connects it when the context starts (before a web server would, so requests find it connected);
 * disconnects it when the context stops. Proxies can be used once the context has started.
 */
final class ServiceLifecycle implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceLifecycle.class);

  /** Before the web server's phase (Integer.MAX_VALUE - 1024 in Spring Boot). */
  static final int PHASE = Integer.MAX_VALUE - 2048;

  private final ServiceClient client;
  private final ApplicationContext context;
  private final BrokerPipe pipe;
  private volatile boolean running;
  private boolean registered;

  ServiceLifecycle(ServiceClient client, ApplicationContext context, BrokerPipe pipe) {
    this.client = client;
    this.context = context;
    this.pipe = pipe;
  }

  @Override
  public synchronized void start() {
    if (!registered) {
      Map<String, Object> services = context.getBeansWithAnnotation(BrokerService.class);
      services.values().forEach(client::registerService);
      registered = true;
    }
    client.connect();
    running = true;
    LOG.info(
        "Connected to the broker at {} as {} serving {}",
        pipe,
        client.isAnonymous() ? "an anonymous caller" : "service '" + client.serviceName() + "'",
        client.getRegisteredMethods());
  }

  @Override
  public synchronized void stop() {
    running = false;
    client.disconnect();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
