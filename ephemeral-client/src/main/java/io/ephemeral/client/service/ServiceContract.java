package io.ephemeral.client.service;

import io.ephemeral.protocol.JsJson;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ServiceInterface} read once: the service's name and, per method, how its arguments
 * become the call's params and back, and what its result is. Shared by proxies (the calling side)
 * and {@link ServiceClient#registerService} (the serving side), so both map alike.
 */
final class ServiceContract {
  private static final ConcurrentHashMap<Class<?>, ServiceContract> CACHE =
      new ConcurrentHashMap<>();

  final Class<?> type;
  final String service;
  private final Map<Method, Operation> operations;

  private ServiceContract(Class<?> type, String service, Map<Method, Operation> operations) {
    this.type = type;
    this.service = service;
    this.operations = operations;
  }

  /**
   * The contract of {@code type}.
   *
   * @throws IllegalArgumentException if it is not an interface annotated {@link ServiceInterface},
   *     or a method cannot be mapped (overloaded, unnamed parameters)
   */
  static ServiceContract of(Class<?> type) {
    ServiceContract c = CACHE.get(type);
    if (c == null) {
      c = read(type);
      CACHE.putIfAbsent(type, c);
    }
    return c;
  }

  /** The contracts of every {@link ServiceInterface} {@code implementation} implements. */
  static List<ServiceContract> implementedBy(Class<?> implementation) {
    Set<Class<?>> found = new LinkedHashSet<>();
    for (Class<?> c = implementation; c != null; c = c.getSuperclass()) {
      collect(c.getInterfaces(), found);
    }
    List<ServiceContract> out = new ArrayList<>();
    for (Class<?> i : found) {
      out.add(of(i));
    }
    return out;
  }

  private static void collect(Class<?>[] interfaces, Set<Class<?>> found) {
    for (Class<?> i : interfaces) {
      if (i.isAnnotationPresent(ServiceInterface.class)) {
        found.add(i);
      }
      collect(i.getInterfaces(), found);
    }
  }

  /**
   * The operations of every contract {@code implementation} implements, each known by its name.
   *
   * @throws IllegalArgumentException if it implements no contract, one names another service than
   *     {@code service}, or two name the same method
   */
  static java.util.Collection<Operation> servedBy(Object implementation, String service) {
    List<ServiceContract> contracts = implementedBy(implementation.getClass());
    if (contracts.isEmpty()) {
      throw new IllegalArgumentException(
          implementation.getClass().getName() + " implements no @ServiceInterface interface");
    }
    Map<String, Operation> ops = new LinkedHashMap<>();
    for (ServiceContract c : contracts) {
      if (!c.service.equals(service)) {
        throw new IllegalArgumentException(
            c.type.getName()
                + " is the contract of service '"
                + c.service
                + "', not of this client's '"
                + service
                + "'");
      }
      for (Operation op : c.operations.values()) {
        Operation other = ops.put(op.name, op);
        if (other != null && !other.method.equals(op.method)) {
          throw new IllegalArgumentException(
              "Method '"
                  + op.name
                  + "' is in two contracts "
                  + implementation.getClass().getName()
                  + " implements");
        }
      }
    }
    return ops.values();
  }

  Operation operation(Method m) {
    return operations.get(m);
  }

  private static ServiceContract read(Class<?> type) {
    ServiceInterface annotation = type.getAnnotation(ServiceInterface.class);
    if (!type.isInterface() || annotation == null) {
      throw new IllegalArgumentException(
          type.getName() + " is not an interface annotated @ServiceInterface");
    }
    if (annotation.value().isEmpty()) {
      throw new IllegalArgumentException(
          "@ServiceInterface of " + type.getName() + " names no service");
    }
    Map<Method, Operation> ops = new LinkedHashMap<>();
    Set<String> names = new HashSet<>();
    for (Method m : type.getMethods()) {
      if (m.isDefault() || Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      if (!names.add(m.getName())) {
        throw new IllegalArgumentException(
            type.getName()
                + " overloads "
                + m.getName()
                + ": a service method is known by its name alone");
      }
      ops.put(m, new Operation(type, m));
    }
    return new ServiceContract(type, annotation.value(), Collections.unmodifiableMap(ops));
  }

  /** One method of the contract. */
  static final class Operation {
    private static final byte[] EMPTY_OBJECT = {'{', '}'};

    final Method method;
    final String name;
    private final String[] names; // member names, for several parameters
    private final Type[] types;
    final boolean async;

    /** What the call answers: T of a CompletableFuture<T>, else the return type. */
    final Type resultType;

    Operation(Class<?> owner, Method m) {
      this.method = m;
      this.name = m.getName();
      this.types = m.getGenericParameterTypes();
      Class<?> ret = m.getReturnType();
      this.async = ret == CompletableFuture.class || ret == CompletionStage.class;
      if (async) {
        Type g = m.getGenericReturnType();
        this.resultType =
            g instanceof ParameterizedType
                ? ((ParameterizedType) g).getActualTypeArguments()[0]
                : Object.class;
      } else {
        this.resultType = m.getGenericReturnType();
      }
      Parameter[] ps = m.getParameters();
      if (ps.length > 1) {
        names = new String[ps.length];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < ps.length; i++) {
          Param p = ps[i].getAnnotation(Param.class);
          if (p != null) {
            names[i] = p.value();
          } else if (ps[i].isNamePresent()) {
            names[i] = ps[i].getName();
          } else {
            throw new IllegalArgumentException(
                owner.getName()
                    + "."
                    + name
                    + " has several parameters and no names for them: annotate each with @Param"
                    + " or compile with -parameters");
          }
          if (!seen.add(names[i])) {
            throw new IllegalArgumentException(
                owner.getName() + "." + name + " names two parameters '" + names[i] + "'");
          }
        }
      } else {
        names = null;
      }
      try {
        m.setAccessible(true); // an interface that is not public
      } catch (RuntimeException e) {
        // a module that does not open it: invoking will say so
      }
    }

    /** The params of a call with {@code args} (the calling side). */
    Object params(Object[] args, Values values) {
      if (args == null || args.length == 0) {
        return new Params(EMPTY_OBJECT, false, values);
      }
      if (names == null) {
        return args[0] == null ? Params.nullValue(values) : args[0];
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(64);
      StringBuilder quoted = new StringBuilder();
      out.write('{');
      for (int i = 0; i < args.length; i++) {
        if (i > 0) {
          out.write(',');
        }
        quoted.setLength(0);
        JsJson.quote(names[i], quoted);
        out.writeBytes(quoted.toString().getBytes(StandardCharsets.UTF_8));
        out.write(':');
        out.writeBytes(values.json(args[i]));
      }
      out.write('}');
      return new Params(out.toByteArray(), false, values);
    }

    /**
     * The arguments for {@code params} (the serving side).
     *
     * @throws ServiceException {@code DESERIALIZATION_FAILED} if the params do not fit
     */
    Object[] arguments(Params params, Values values) {
      try {
        if (types.length == 0) {
          return new Object[0];
        }
        if (names == null) {
          return new Object[] {values.incoming(params, types[0])};
        }
        Map<String, byte[]> members = ValueBytes.members(params.json());
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
          byte[] member = members.get(names[i]);
          args[i] =
              values.incoming(
                  member == null ? Params.nullValue(values) : new Params(member, false, values),
                  types[i]);
        }
        return args;
      } catch (ServiceException e) {
        throw ServiceException.of(
            ServiceException.DESERIALIZATION_FAILED,
            "Invalid params for '" + name + "': " + e.getMessage(),
            e);
      }
    }

    /** Runs the method on {@code implementation} with the call's params. */
    Object invoke(Object implementation, Params params, Values values) throws Exception {
      Object[] args = arguments(params, values);
      try {
        return method.invoke(implementation, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception) {
          throw (Exception) cause;
        }
        if (cause instanceof Error) {
          throw (Error) cause;
        }
        throw e;
      }
    }
  }
}
