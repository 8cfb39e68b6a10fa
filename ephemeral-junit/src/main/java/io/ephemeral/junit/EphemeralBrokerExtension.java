package io.ephemeral.junit;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.Lease;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

/**
 * The Jupiter extension behind {@link EphemeralBroker}, {@link Leased} and {@link BrokerLock}.
 *
 * <ul>
 *   <li>Resolves {@link BrokerClient} parameters of test methods, lifecycle methods and
 *       constructors, and sets fields of that type annotated {@code @EphemeralBroker} (static ones
 *       before all tests). Each test class gets its own client, closed after the class.
 *   <li>Resolves {@link Leased} parameters and releases their leases after the test or class.
 *   <li>Takes the {@link BrokerLock} locks of a class before all its tests and those of a method
 *       before each of its runs.
 * </ul>
 *
 * <p>Configuration parameter {@value #WAIT_PARAMETER}: default wait in seconds for leases and locks
 * (60).
 */
public final class EphemeralBrokerExtension
    implements ParameterResolver, BeforeAllCallback, BeforeEachCallback, TestInstancePostProcessor {
  /** Configuration parameter: default seconds to wait for a lease or a lock. */
  public static final String WAIT_PARAMETER = "ephemeral.junit.wait";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(EphemeralBrokerExtension.class);
  private static final long DEFAULT_WAIT_SECONDS = 60;

  /** Made by JUnit for each class that uses it; fails first when the JUnit is too old. */
  public EphemeralBrokerExtension() {
    JUnitVersion.require();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    Class<?> testClass = context.getRequiredTestClass();
    AnnotationSupport.findAnnotation(testClass, BrokerLock.class)
        .ifPresent(lock -> takeLocks(context, lock));
    for (Field field : clientFields(testClass)) {
      if (Modifier.isStatic(field.getModifiers())) {
        inject(field, null, context);
      }
    }
  }

  @Override
  public void postProcessTestInstance(Object testInstance, ExtensionContext context) {
    for (Field field : clientFields(testInstance.getClass())) {
      if (!Modifier.isStatic(field.getModifiers())) {
        inject(field, testInstance, context);
      }
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    context
        .getTestMethod()
        .flatMap(m -> AnnotationSupport.findAnnotation(m, BrokerLock.class))
        .ifPresent(lock -> takeLocks(context, lock));
  }

  @Override
  public boolean supportsParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    if (parameterContext.isAnnotated(Leased.class)) {
      if (type != int.class && type != Integer.class && type != Lease.class) {
        throw new ParameterResolutionException(
            "@Leased parameter "
                + parameterContext.getParameter()
                + " must be an int, an Integer or a Lease, not "
                + type.getName());
      }
      return true;
    }
    return type == BrokerClient.class;
  }

  @Override
  public Object resolveParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    Optional<Leased> leased = parameterContext.findAnnotation(Leased.class);
    if (leased.isEmpty()) {
      return client(extensionContext);
    }
    Lease lease = lease(leased.get(), extensionContext, parameterContext);
    return parameterContext.getParameter().getType() == Lease.class ? lease : (Object) lease.slot();
  }

  private static Lease lease(Leased spec, ExtensionContext context, ParameterContext parameter) {
    ExtensionContext owner;
    if (spec.scope() == Leased.Scope.PER_CLASS) {
      owner = classContext(context);
    } else if (context.getTestMethod().isPresent()) {
      owner = context;
    } else {
      throw new ParameterResolutionException(
          "@Leased(pool = \""
              + spec.pool()
              + "\") on "
              + parameter.getParameter()
              + " is resolved outside a test; use scope = PER_CLASS");
    }
    Held held =
        owner
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(
                "lease:" + spec.pool(),
                k -> {
                  BrokerClient client = BrokerSession.current().client();
                  return new Held(
                      Leasing.acquire(
                          client,
                          spec.pool(),
                          spec.size(),
                          Duration.ofSeconds(spec.ttlSeconds()),
                          waitFor(spec.waitSeconds(), context)));
                },
                Held.class);
    Lease lease = (Lease) held.resource;
    if (lease.poolSize() != spec.size()) {
      throw new ParameterResolutionException(
          "@Leased(pool = \""
              + spec.pool()
              + "\") is used with size "
              + lease.poolSize()
              + " and "
              + spec.size()
              + " in "
              + owner.getDisplayName());
    }
    return lease;
  }

  private static void takeLocks(ExtensionContext context, BrokerLock lock) {
    String[] names = lock.value().clone();
    Arrays.sort(names); // one global order: no deadlock between tests that name the same locks
    Duration wait = waitFor(lock.waitSeconds(), context);
    BrokerClient client = BrokerSession.current().client();
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    for (String name : names) {
      if (name.isEmpty()) {
        throw new ExtensionConfigurationException("@BrokerLock names must not be empty");
      }
      // Each held lock is its own store entry, so a lock taken before a failure is still released.
      store.getOrComputeIfAbsent(
          "lock:" + name, k -> new Held(Leasing.lock(client, name, wait)), Held.class);
    }
  }

  private static BrokerClient client(ExtensionContext context) {
    return (BrokerClient)
        classContext(context)
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(
                "client", k -> new Held(BrokerSession.current().newClient()), Held.class)
            .resource;
  }

  private static void inject(Field field, Object target, ExtensionContext context) {
    try {
      field.setAccessible(true);
      field.set(target, client(context));
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ExtensionConfigurationException(
          "Cannot set field " + field + ": " + e.getMessage(), e);
    }
  }

  private static List<Field> clientFields(Class<?> testClass) {
    return AnnotationSupport.findAnnotatedFields(
        testClass,
        EphemeralBroker.class,
        f -> f.getType() == BrokerClient.class,
        HierarchyTraversalMode.TOP_DOWN);
  }

  /** The context of the test class (the one whose store lives until after {@code @AfterAll}). */
  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext c = context;
    while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
      c = c.getParent().get();
    }
    return c;
  }

  static Duration waitFor(long seconds, ExtensionContext context) {
    if (seconds >= 0) {
      return Duration.ofSeconds(seconds);
    }
    return Duration.ofSeconds(
        context
            .getConfigurationParameter(WAIT_PARAMETER)
            .map(String::trim)
            .map(Long::parseLong)
            .orElse(DEFAULT_WAIT_SECONDS));
  }

  /** Releases a lease or closes a client when its context ends, also after a failure. */
  @SuppressWarnings("deprecation")
  static final class Held implements ExtensionContext.Store.CloseableResource {
    final AutoCloseable resource;

    Held(AutoCloseable resource) {
      this.resource = resource;
    }

    @Override
    public void close() throws Exception {
      resource.close();
    }
  }
}
