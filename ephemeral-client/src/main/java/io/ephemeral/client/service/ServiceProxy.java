package io.ephemeral.client.service;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * The implementation of a {@link ServiceInterface} returned by {@link ServiceClient#proxy}: each
 * method call is a call of the service, nested in {@link CallContext#current()} when the calling
 * thread is serving a call.
 */
final class ServiceProxy implements InvocationHandler {
  private final ServiceClient client;
  private final ServiceContract contract;
  private final Values values;

  private ServiceProxy(ServiceClient client, ServiceContract contract, Values values) {
    this.client = client;
    this.contract = contract;
    this.values = values;
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
    if (method.isDefault()) {
      return InvocationHandler.invokeDefault(proxy, method, args);
    }
    ServiceContract.Operation op = contract.operation(method);
    CallRequest request =
        new CallRequest(
            contract.service, op.name, op.params(args, values), null, CallContext.current());
    if (op.async) {
      return client.callAsyncForType(request, op.resultType);
    }
    return client.callForType(request, op.resultType);
  }
}
