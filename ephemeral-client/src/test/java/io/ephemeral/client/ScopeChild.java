package io.ephemeral.client;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A JVM of a scope, for the tests: attaches to its scope's broker ({@code EPHEMERAL_SCOPE} or the
 * build's) and prints one line {@code pid=… started=… scope=…}; then per argument {@code set:K:V}
 * stores a value, {@code get:K} prints {@code K=<json or missing>}, {@code hold} waits until
 * killed; a number of milliseconds waits that long. Exits 0.
 */
public final class ScopeChild {
  private ScopeChild() {}

  public static void main(String[] args) throws Exception {
    try (ScopedBroker shared = BrokerScope.ofThisBuild().findOrStart();
        BrokerClient client = BrokerClient.builder().pipe(shared.pipe()).build()) {
      System.out.println(
          "pid="
              + shared.pid()
              + " started="
              + shared.started()
              + " scope="
              + shared.scope().name());
      System.out.flush();
      for (String a : args) {
        if (a.startsWith("set:")) {
          String[] kv = a.split(":", 3);
          client.set(kv[1], kv[2], Duration.ofMinutes(5));
        } else if (a.startsWith("get:")) {
          String key = a.substring(4);
          String v;
          try {
            v = client.getRaw(key);
          } catch (NotFoundException e) {
            v = "missing";
          }
          System.out.println(key + "=" + v);
        } else if (a.equals("hold")) {
          Thread.sleep(Long.MAX_VALUE);
        } else {
          Thread.sleep(Long.parseLong(a));
        }
        System.out.flush();
      }
    }
  }

  /**
   * Starts a child JVM running {@code main} on this test run's class path; its output goes to
   * {@code log}, or to {@link Process#getInputStream()} when {@code log} is null.
   */
  public static Process start(
      Map<String, String> env, List<String> jvmOptions, Path log, Class<?> main, String... args)
      throws IOException {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(main.getName());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (log != null) {
      pb.redirectOutput(log.toFile());
    }
    pb.environment().remove("EPHEMERAL_PIPE");
    pb.environment().remove(BrokerScope.SCOPE_VARIABLE);
    pb.environment().putAll(env);
    return pb.start();
  }
}
