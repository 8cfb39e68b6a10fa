package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds a plugin jar from one source file, compiled by the test, never on the CLI's class path.
 */
final class PluginJar {
  private PluginJar() {}

  /**
   * Compiles {@code source}, the class {@code demo.<simpleName>} implementing {@code BrokerPlugin},
   * and packs it with its service entry into {@code dir/<simpleName>.jar}.
   */
  static Path build(Path dir, String simpleName, String source) throws IOException {
    Path src = Files.createDirectories(dir.resolve("src/demo"));
    Files.writeString(src.resolve(simpleName + ".java"), source);
    Path classes = Files.createDirectories(dir.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac).as("a JDK compiler").isNotNull();
    int status =
        javac.run(
            null,
            null,
            null,
            "--release",
            "17",
            "-cp",
            System.getProperty("java.class.path"),
            "-d",
            classes.toString(),
            src.resolve(simpleName + ".java").toString());
    assertThat(status).isZero();
    Path jar = dir.resolve(simpleName + ".jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      try (java.util.stream.Stream<Path> files = Files.list(classes.resolve("demo"))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          out.putNextEntry(new JarEntry("demo/" + f.getFileName()));
          out.write(Files.readAllBytes(f));
        }
      }
      out.putNextEntry(new JarEntry("META-INF/services/io.ephemeral.broker.BrokerPlugin"));
      OutputStream o = out;
      o.write(("demo." + simpleName + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return jar;
  }
}
