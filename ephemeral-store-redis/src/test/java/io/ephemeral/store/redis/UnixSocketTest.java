package io.ephemeral.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Socket that Jedis reads and writes a Unix socket through: data, end, timeout, close. */
class UnixSocketTest {

  @Test
  void bytesGoBothWaysAndTheEndReadsAsMinusOne(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("s.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      try (UnixSocket socket = UnixSocket.connect(path, 5_000);
          SocketChannel peer = server.accept()) {
        // More than a socket buffer holds: the writer waits for room, the reader for bytes.
        byte[] big = new byte[3 << 20];
        for (int i = 0; i < big.length; i++) {
          big[i] = (byte) i;
        }
        CompletableFuture<Void> sent =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    socket.getOutputStream().write(big);
                  } catch (IOException e) {
                    throw new RuntimeException(e);
                  }
                });
        ByteBuffer got = ByteBuffer.allocate(big.length);
        while (got.hasRemaining()) {
          peer.read(got);
        }
        sent.get(10, TimeUnit.SECONDS);
        assertThat(got.array()).isEqualTo(big);

        peer.write(ByteBuffer.wrap("+PONG\r\n".getBytes(StandardCharsets.US_ASCII)));
        byte[] reply = socket.getInputStream().readNBytes(7);
        assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n");
        peer.close();
        assertThat(socket.getInputStream().read()).isEqualTo(-1);
      }
    }
  }

  @Test
  void aReadWithNothingToReadTimesOutAsATcpReadDoes(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("s.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      try (UnixSocket socket = UnixSocket.connect(path, 100)) {
        assertThat(socket.getSoTimeout()).isEqualTo(100);
        long start = System.nanoTime();
        assertThatThrownBy(() -> socket.getInputStream().read())
            .isInstanceOf(SocketTimeoutException.class)
            .hasMessageContaining("timed out after 100 ms");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
            .isGreaterThanOrEqualTo(100);
        assertThat(socket.isClosed()).isFalse(); // as after a TCP read timeout, still usable
      }
    }
  }

  @Test
  void closingFromAnotherThreadEndsAReadThatWaitsForever(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("s.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      UnixSocket socket = UnixSocket.connect(path, 0);
      CompletableFuture<Integer> read =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return socket.getInputStream().read();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      socket.close();
      assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(RuntimeException.class)
          .hasRootCauseInstanceOf(IOException.class);
      assertThat(socket.isClosed()).isTrue();
      assertThatThrownBy(socket::getInputStream).hasMessageContaining("closed");
    }
  }

  @Test
  void nothingListeningThereIsAnIoError(@TempDir Path dir) {
    assertThatThrownBy(() -> UnixSocket.connect(dir.resolve("none.sock"), 100))
        .isInstanceOf(IOException.class);
  }
}
