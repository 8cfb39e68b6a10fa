package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plugin jar, built by the test and never on the CLI's class path, loaded with --plugin. */
class PluginTest {
  @TempDir Path dir;

  private Path buildPluginJar() throws IOException {
    return PluginJar.build(
        dir,
        "HelloPlugin",
        """
        package demo;

        import io.ephemeral.broker.Broker;
        import io.ephemeral.broker.BrokerPlugin;

        public class HelloPlugin implements BrokerPlugin {
          @Override
          public void configure(Broker.Builder builder) {
            builder.action("hello", request -> "{\\"greeting\\":\\"hello, " + request.key() + "\\"}");
          }
        }
        """);
  }

  private static String request(Path socket, String line) throws IOException {
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(socket));
      c.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
      ByteBuffer in = ByteBuffer.allocate(4096);
      while (in.position() == 0 || in.get(in.position() - 1) != '\n') {
        if (c.read(in) < 0) {
          break;
        }
      }
      return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).trim();
    }
  }

  @Test
  void theCliLoadsAPluginJarAndServesItsAction() throws Exception {
    Path jar = buildPluginJar();
    Path socket = dir.resolve("p.sock");
    try (Cli cli =
        Cli.start(dir, "start", "--socket", socket.toString(), "--plugin", jar.toString())) {
      Cli.await("broker running", () -> cli.stdout().contains("Broker running on"));
      assertThat(request(socket, "{\"action\":\"hello\",\"key\":\"world\"}"))
          .isEqualTo("{\"ok\":true,\"greeting\":\"hello, world\"}");
      cli.signal("TERM");
      assertThat(cli.exitStatus()).isZero();
    }
  }

  @Test
  void aMissingOrEmptyPluginJarIsAUsageError() throws Exception {
    try (Cli cli = Cli.start(dir, "start", "--plugin", dir.resolve("nope.jar").toString())) {
      assertThat(cli.exitStatus()).isEqualTo(2);
      assertThat(cli.stderr()).contains("nope.jar").contains("no such file");
    }
    Path empty = dir.resolve("empty.jar");
    try (OutputStream out = new JarOutputStream(Files.newOutputStream(empty))) {
      out.flush();
    }
    try (Cli cli = Cli.start(dir, "start", "--plugin", empty.toString())) {
      assertThat(cli.exitStatus()).isEqualTo(2);
      assertThat(cli.stderr()).contains("declares no plugin");
    }
  }
}
