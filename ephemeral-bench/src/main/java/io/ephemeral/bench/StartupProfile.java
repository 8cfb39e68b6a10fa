package io.ephemeral.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/*
 * Implementation notes.
 *
 * A start-up is over in a fraction of a second, mostly in the interpreter, where sampling
 * profilers that read compiled frames see little and JFR samples too seldom. This agent
 * (-javaagent:ephemeral-bench.jar=FILE, which the launchers accept through EPHEMERAL_JAVA_OPTS)
 * takes the main thread's stack every millisecond from a daemon thread and, at exit, appends
 * how many samples each method was on the stack (inclusive, once per sample) to FILE. Taking a
 * stack costs a safepoint, so the process runs slower under it: read the shares, not the times.
 */

/** {@code startup --profile}: where the main thread of a launcher spends its start. */
public final class StartupProfile {

  /** The methods worth a line: our code, and the library entry points it calls. */
  private static final Pattern SHOWN =
      Pattern.compile(
          "io\\.ephemeral\\..*"
              + "|picocli\\.CommandLine\\.(<init>|execute)"
              + "|picocli\\.CommandLine\\$Model\\$CommandSpec\\.(forAnnotatedObject|mixinStandardHelpOptions)"
              + "|picocli\\.CommandLine\\$Interpreter\\.registerBuiltInConverters"
              + "|com\\.fasterxml\\.jackson\\.databind\\.ObjectMapper\\.<(init|clinit)>"
              + "|java\\.util\\.logging\\.LogManager\\.(readConfiguration|initializeGlobalHandlers)"
              + "|org\\.slf4j\\.LoggerFactory\\.getLogger"
              + "|java\\.lang\\.ProcessBuilder\\.start"
              + "|java\\.security\\.SecureRandom\\.<init>"
              + "|org\\.msgpack\\.core\\.MessagePack\\.<clinit>");

  private StartupProfile() {}

  /** The agent: samples the thread that runs {@code main} until the JVM exits. */
  public static void premain(String file) {
    Thread main = Thread.currentThread();
    Map<String, Integer> onStack = new HashMap<>();
    int[] samples = {0};
    Thread sampler =
        new Thread(
            () -> {
              while (main.isAlive()) {
                StackTraceElement[] stack = main.getStackTrace();
                synchronized (onStack) {
                  samples[0]++;
                  Set<String> seen = new HashSet<>();
                  for (StackTraceElement frame : stack) {
                    String method = frame.getClassName() + "." + frame.getMethodName();
                    if (seen.add(method)) {
                      onStack.merge(method, 1, Integer::sum);
                    }
                  }
                }
                try {
                  Thread.sleep(1);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "startup-profile");
    sampler.setDaemon(true);
    sampler.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  StringBuilder out = new StringBuilder();
                  synchronized (onStack) {
                    out.append("#samples\t").append(samples[0]).append('\n');
                    onStack.forEach((m, n) -> out.append(m).append('\t').append(n).append('\n'));
                  }
                  try {
                    Files.writeString(
                        Path.of(file),
                        out,
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }));
  }

  /** Prints the methods of {@link #SHOWN} by their share of the samples in {@code file}. */
  static void print(String title, Path file, PrintStream out) throws IOException {
    Map<String, Long> counts = new HashMap<>();
    long total = 0;
    for (String line : Files.readAllLines(file)) {
      String[] parts = line.split("\t");
      if (parts[0].equals("#samples")) {
        total += Long.parseLong(parts[1]);
      } else if (SHOWN.matcher(parts[0]).matches()) {
        counts.merge(parts[0], Long.parseLong(parts[1]), Long::sum);
      }
    }
    out.println();
    out.println("### " + title + ": share of the main thread's samples (" + total + " samples)");
    out.println();
    long all = total;
    List<Map.Entry<String, Long>> top =
        counts.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .limit(30)
            .toList();
    for (Map.Entry<String, Long> e : top) {
      out.println(
          "  " + Report.fixed(100.0 * e.getValue() / Math.max(1, all), 1) + "%  " + e.getKey());
    }
  }
}
