package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Typed service interfaces: proxies and registered implementations through the real gateway. */
class TypedServicesTest {
  @RegisterExtension final Gateways gateways = Gateways.real();

  public record UserId(long id) {}

  public record User(long id, String name, List<String> roles) {}

  public record Stats(int users) {}

  @ServiceInterface("users")
  public interface Users {
    User get(UserId id);

    List<User> search(String text, int limit); // names from -parameters

    List<User> byRole(@Param("role-name") String role, @Param("max") int limit);

    CompletableFuture<Stats> stats();

    void touch(UserId id);

    int count();

    default String describe(UserId id) {
      return "user " + get(id).name();
    }
  }

  /** A caller's view with a method the service does not have. */
  @ServiceInterface("users")
  public interface UsersPlus {
    int count();

    int missing();
  }

  static class UsersImpl implements Users {
    final List<UserId> touched = new ArrayList<>();

    @Override
    public User get(UserId id) {
      if (id.id() < 0) {
        throw new ServiceException("E_NO_USER", "no user " + id.id());
      }
      return new User(id.id(), "user-" + id.id(), List.of("reader"));
    }

    @Override
    public List<User> search(String text, int limit) {
      List<User> out = new ArrayList<>();
      for (int i = 0; i < limit; i++) {
        out.add(new User(i, text + i, List.of()));
      }
      return out;
    }

    @Override
    public List<User> byRole(String role, int limit) {
      return search(role, limit);
    }

    @Override
    public CompletableFuture<Stats> stats() {
      return CompletableFuture.supplyAsync(() -> new Stats(42));
    }

    @Override
    public synchronized void touch(UserId id) {
      touched.add(id);
    }

    @Override
    public int count() {
      return 7;
    }
  }

  private ServiceClient connected(String name) {
    return gateways.build(gateways.client(name));
  }

  @Test
  void aProxyCallsTheRegisteredImplementation() throws Exception {
    UsersImpl impl = new UsersImpl();
    ServiceClient service = connected("users");
    service.registerService(impl);
    service.connect();
    assertThat(service.getRegisteredMethods())
        .containsExactlyInAnyOrder("get", "search", "byRole", "stats", "touch", "count");
    ServiceClient caller = connected("web");
    caller.connect();
    Users users = caller.proxy(Users.class);

    assertThat(users.get(new UserId(3))).isEqualTo(new User(3, "user-3", List.of("reader")));
    assertThat(users.search("a", 2))
        .containsExactly(new User(0, "a0", List.of()), new User(1, "a1", List.of()));
    assertThat(users.byRole("admin", 1)).containsExactly(new User(0, "admin0", List.of()));
    assertThat(users.stats().get(10, TimeUnit.SECONDS)).isEqualTo(new Stats(42));
    users.touch(new UserId(9));
    assertThat(impl.touched).containsExactly(new UserId(9));
    assertThat(users.count()).isEqualTo(7);
    assertThat(users.describe(new UserId(5))).isEqualTo("user user-5");
    assertThat(users.toString()).contains("users").contains(Users.class.getName());
    assertThat(users).isEqualTo(users).isNotEqualTo(caller.proxy(Users.class));
  }

  @Test
  void argumentsBecomeTheParamsAsTheInterfaceSays() {
    Map<String, AtomicReference<String>> seen =
        Map.of(
            "get", new AtomicReference<>(),
            "search", new AtomicReference<>(),
            "byRole", new AtomicReference<>(),
            "count", new AtomicReference<>());
    ServiceClient raw = connected("users");
    seen.forEach(
        (method, ref) ->
            raw.serve(
                method,
                (params, ctx) -> {
                  ref.set(new String(params.bytes(), StandardCharsets.UTF_8));
                  return method.equals("count") ? 1 : method.equals("get") ? null : List.of();
                }));
    raw.connect();
    ServiceClient caller = connected("web");
    caller.connect();
    Users users = caller.proxy(Users.class);

    users.get(new UserId(3));
    users.search("x\"y", 5);
    users.byRole("r", 1);
    users.count();

    assertThat(seen.get("get").get()).as("one parameter: itself").isEqualTo("{\"id\":3}");
    assertThat(seen.get("search").get())
        .as("several: an object of their names")
        .isEqualTo("{\"text\":\"x\\\"y\",\"limit\":5}");
    assertThat(seen.get("byRole").get()).isEqualTo("{\"role-name\":\"r\",\"max\":1}");
    assertThat(seen.get("count").get()).as("none: {}").isEqualTo("{}");
  }

  @Test
  void failuresArriveAsTypedExceptionsWithTheirCodes() {
    ServiceClient service = connected("users");
    service.registerService(new UsersImpl());
    service.connect();
    ServiceClient caller = connected("web");
    caller.connect();

    assertThatThrownBy(() -> caller.proxy(Users.class).get(new UserId(-1)))
        .isExactlyInstanceOf(ServiceException.class)
        .hasMessage("no user -1")
        .satisfies(e -> assertThat(((ServiceException) e).code()).isEqualTo("E_NO_USER"));
    assertThatThrownBy(() -> caller.proxy(UsersPlus.class).missing())
        .isInstanceOf(MethodNotFoundException.class)
        .satisfies(
            e ->
                assertThat(((ServiceException) e).code())
                    .isEqualTo(ServiceException.METHOD_NOT_FOUND));
    service.close();
    assertThatThrownBy(() -> caller.proxy(Users.class).count())
        .isInstanceOf(ServiceNotFoundException.class)
        .hasMessageContaining("users");
  }

  @Test
  void anAsyncMethodFailsItsFuture() {
    ServiceClient caller = connected("web");
    caller.connect();
    CompletableFuture<Stats> stats = caller.proxy(Users.class).stats();
    assertThatThrownBy(() -> stats.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ServiceNotFoundException.class);
  }

  @Test
  void aBlockingMethodGivesUpAtItsDeadlineWithCallTimeoutException() {
    ServiceClient service = connected("users");
    service.serve("count", (params, ctx) -> new CompletableFuture<>()); // never answers
    service.connect();
    ServiceClient caller =
        gateways.client("web").timeout(Duration.ofMillis(300)).build(); // the proxy's wait
    gateways.track(caller);
    caller.connect();
    assertThatThrownBy(() -> caller.proxy(Users.class).count())
        .isInstanceOf(CallTimeoutException.class)
        .hasMessageContaining("300ms");
  }

  @ServiceInterface("orders")
  public interface Orders {
    Map<String, Object> place(String item);
  }

  @Test
  void callsMadeWhileServingAreNestedInTheCurrentCall() {
    AtomicReference<CallContext> atUsers = new AtomicReference<>();
    ServiceClient users = connected("users");
    users.registerService(
        new UsersImpl() {
          @Override
          public int count() {
            atUsers.set(CallContext.current());
            return 1;
          }
        });
    users.connect();
    ServiceClient orders = connected("orders");
    Users usersProxy = orders.proxy(Users.class);
    orders.registerService((Orders) item -> Map.of("item", item, "users", usersProxy.count()));
    orders.connect();
    ServiceClient web = connected("web");
    web.connect();

    assertThat(web.proxy(Orders.class).place("book")).containsEntry("users", 1);
    assertThat(atUsers.get().chain()).containsExactly("web", "web", "orders");
    assertThat(atUsers.get().depth()).isEqualTo(3);
    assertThat(CallContext.current()).as("none outside handlers").isNull();
  }

  @ServiceInterface("x")
  public interface Overloaded {
    int f(int a);

    int f(@Param("a") int a, @Param("b") int b);
  }

  public interface NotAnnotated {
    int f();
  }

  @Test
  void contractsThatCannotBeMappedAreRefusedWithTheReason() {
    ServiceClient c = connected("users");
    assertThatThrownBy(() -> c.proxy(Overloaded.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overloads f");
    assertThatThrownBy(() -> c.proxy(NotAnnotated.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an interface annotated @ServiceInterface");
    assertThatThrownBy(() -> c.registerService((Orders) item -> Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("contract of service 'orders', not of this client's 'users'");
    assertThatThrownBy(() -> c.registerService(new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("implements no @ServiceInterface interface");
  }

  @Test
  void severalParametersWithoutNamesAreRefused(@TempDir Path dir) throws Exception {
    // Compiled here without -parameters, so the names are not in the class file.
    Path src = dir.resolve("p/Calc.java");
    Files.createDirectories(src.getParent());
    Files.writeString(
        src,
        "package p;\n"
            + "@io.ephemeral.client.service.ServiceInterface(\"calc\")\n"
            + "public interface Calc { int add(int a, int b); }\n");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc =
        javac.run(
            null,
            null,
            null,
            "-classpath",
            System.getProperty("java.class.path"),
            "-d",
            dir.toString(),
            src.toString());
    assertThat(rc).isZero();
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
      Class<?> calc = loader.loadClass("p.Calc");
      ServiceClient c = connected("calc");
      assertThatThrownBy(() -> c.proxy(calc))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("p.Calc.add has several parameters and no names for them");
    }
  }

  @Test
  void paramsThatDoNotFitTheMethodAreRefusedWithDeserializationFailed() {
    ServiceClient service = connected("users");
    service.registerService(new UsersImpl());
    service.connect();
    ServiceClient caller = connected("web");
    caller.connect();
    assertThatThrownBy(() -> caller.call("users", "search", List.of(1, 2), Object.class))
        .isInstanceOf(ServiceException.class)
        .hasMessageStartingWith("Invalid params for 'search': ")
        .satisfies(
            e ->
                assertThat(((ServiceException) e).code())
                    .isEqualTo(ServiceException.DESERIALIZATION_FAILED));
    assertThatThrownBy(
            () -> caller.call("users", "get", Map.of("id", "not a number"), Object.class))
        .isInstanceOf(ServiceException.class)
        .hasMessageStartingWith("Invalid params for 'get': ");
  }
}
