package io.ephemeral.client.service;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The implementation of a {@link ServiceInterface} returned by {@link ServiceClient#proxy}: each
 * method call is a call of the service, nested in {@link CallContext#current()} when the calling
 * thread is serving a call.
 */
final class ServiceProxy implements InvocationHandler {
  private final ServiceClient client;
  private final ServiceContract contract;
  private final Values values;

  /** Each method's operation with its result type worked out for this client's mapper. */
  private final Map<Method, Invocation> byMethod = new HashMap<>();

  /**
   * {@link #byMethod} by identity: a proxy passes the same Method objects on every call, so after
   * the first call of a method it is found without comparing Methods. Copied on write.
   */
  private volatile Map<Method, Invocation> seen = new IdentityHashMap<>();

  private static final class Invocation {
    final ServiceContract.Operation op;
    final Values.Target result;

    Invocation(ServiceContract.Operation op, Values.Target result) {
      this.op = op;
      this.result = result;
    }
  }

  private ServiceProxy(ServiceClient client, ServiceContract contract, Values values) {
    this.client = client;
    this.contract = contract;
    this.values = values;
    for (Method m : contract.type.getMethods()) {
      ServiceContract.Operation op = contract.operation(m);
      if (op != null) {
        byMethod.put(m, new Invocation(op, values.target(op.resultType)));
      }
    }
  }

  static <T> T create(ServiceClient client, Class<T> type, Values values) {
    ServiceContract contract = ServiceContract.of(type);
    Object proxy =
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            new ServiceProxy(client, contract, values));
    return type.cast(proxy);
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    Invocation call = seen.get(method);
    if (call == null) {
      call = byMethod.get(method);
      if (call == null) {
        return notAnOperation(proxy, method, args);
      }
      synchronized (this) {
        Map<Method, Invocation> more = new IdentityHashMap<>(seen);
        more.put(method, call);
        seen = more;
      }
    }
    ServiceContract.Operation op = call.op;
    CallRequest request =
        new CallRequest(
            contract.service, op.name, op.params(args, values), null, CallContext.current());
    if (op.async) {
      return client.callAsyncForType(request, call.result);
    }
    return client.callForType(request, call.result);
  }

  /** The methods of Object, and default methods. */
  private Object notAnOperation(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      switch (method.getName()) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        default:
          return "proxy of service '"
              + contract.service
              + "' ("
              + contract.type.getName()
              + ") through "
              + client;
      }
    }
    return InvocationHandler.invokeDefault(proxy, method, args);
  }
}
