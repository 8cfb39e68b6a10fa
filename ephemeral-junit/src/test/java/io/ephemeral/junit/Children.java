package io.ephemeral.junit;

import io.ephemeral.client.BrokerScope;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
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
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-D" + BrokerScope.LINGER_PROPERTY + "=300");
    command.add("-cp");
    command.add(classPath);
    command.add(main.getName());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (log != null) {
      pb.redirectOutput(log.toFile()); // else the output is the process's input stream
    }
    pb.environment().remove(BrokerSession.PIPE_VARIABLE);
    pb.environment().remove(BrokerScope.SCOPE_VARIABLE);
    pb.environment().putAll(env);
    return pb.start();
  }
}
