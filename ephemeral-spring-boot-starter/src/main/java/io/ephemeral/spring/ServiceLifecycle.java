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
 *
 * <p>An application that serves is kept running while its context is: the client's threads are
 * daemons, so without a web server or another non-daemon thread the JVM would exit as soon as
 * {@code main} returns. A non-daemon thread waits until the context stops.
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
  private Thread keepAlive;

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
    if (!client.isAnonymous() && keepAlive == null) {
      keepAlive = new Thread(this::awaitStop, "ephemeral-keep-alive");
      keepAlive.setDaemon(false);
      keepAlive.start();
    }
    LOG.info(
        "Connected to the broker at {} as {} serving {}",
        pipe,
        client.isAnonymous() ? "an anonymous caller" : "service '" + client.serviceName() + "'",
        client.getRegisteredMethods());
  }

  @Override
  public synchronized void stop() {
    running = false;
    notifyAll();
    keepAlive = null;
    client.disconnect();
  }

  private synchronized void awaitStop() {
    while (running) {
      try {
        wait();
      } catch (InterruptedException e) {
        return;
      }
    }
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
