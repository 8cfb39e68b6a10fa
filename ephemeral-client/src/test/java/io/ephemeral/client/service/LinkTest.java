package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The connection itself, against a bare Unix socket that plays the gateway. */
@Timeout(60)
class LinkTest {
  private Path dir;
  private ServerSocketChannel server;

  @BeforeEach
  void listen() throws IOException {
    dir = Files.createTempDirectory("link-");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(dir.resolve("gw.sock")));
  }

  @AfterEach
  void close() throws IOException {
    server.close();
    Files.deleteIfExists(dir.resolve("gw.sock"));
    Files.deleteIfExists(dir);
  }

  /**
   * Answers written on the reader thread (as non-blocking handlers do) into a full socket are left
   * to the reader's select loop. Once they are written, the reader must wait for data again and not
   * for room: a socket with room makes select() return at once, so a reader still asking for room
   * spins on a CPU for as long as the connection lives.
   */
  @Test
  void aReaderThatFoundTheSocketFullStopsWaitingForRoomOnceItsFramesAreWritten() throws Exception {
    int frames = 64;
    byte[] body = new byte[64 * 1024];
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    Link.Owner owner =
        new Link.Owner() {
          private Link link;

          @Override
          public void onMessage(Link l, WireMessage message) {
            received.add(message.type);
            if (message.type.equals("FILL")) {
              try {
                for (int i = 0; i < frames; i++) {
                  l.send(body); // far more than the socket holds: the reader leaves the rest
                }
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }
          }

          @Override
          public void onUndecodable(Link l, Exception error) {
            received.add("undecodable: " + error);
          }

          @Override
          public void onClosed(Link l, Throwable cause) {
            received.add("closed: " + cause);
          }
        };
    Link link = Link.open(dir.resolve("gw.sock"), 0, owner, 1 << 20, 0, "test-link-reader");
    try (SocketChannel gateway = server.accept()) {
      writeFrame(gateway, "{\"type\":\"FILL\"}");
      assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("FILL");
      // Not reading yet: the reader finds the socket full and leaves frames queued.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!link.awaitsRoom() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(link.awaitsRoom()).as("the reader left frames for its select loop").isTrue();

      // Read everything: the reader writes the rest when select() reports room.
      long expected = (long) frames * (4 + body.length);
      ByteBuffer sink = ByteBuffer.allocate(256 * 1024);
      long total = 0;
      while (total < expected) {
        sink.clear();
        int n = gateway.read(sink);
        assertThat(n).as("the link closed early").isGreaterThan(0);
        total += n;
      }
      assertThat(total).isEqualTo(expected);
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (link.awaitsRoom() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(link.awaitsRoom()).as("still waiting for room after writing everything").isFalse();

      // Idle now: the reader sleeps until the next frame; one frame costs about one wake-up.
      long before = link.selects();
      writeFrame(gateway, "{\"type\":\"NOTE\"}");
      assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("NOTE");
      assertThat(link.selects() - before).as("select() returns while idle").isLessThanOrEqualTo(2);
    } finally {
      link.close(null);
    }
  }

  /**
   * A caller writes its own frame on its own thread when no other thread is writing: it does not
   * hand it to the reader or to a writer thread, which would cost a thread wake-up per call. The
   * reader is held inside onMessage throughout, so a frame left to it could not reach the gateway.
   */
  @Test
  void aSenderWritesItsFrameOnItsOwnThreadWhileTheReaderIsBusy() throws Exception {
    CountDownLatch readerHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Link link =
        open(
            "test-link-reader",
            (l, message) -> {
              readerHeld.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    try (SocketChannel gateway = server.accept()) {
      writeFrame(gateway, "{\"type\":\"HOLD\"}");
      assertThat(readerHeld.await(10, TimeUnit.SECONDS)).isTrue();
      byte[] call = "{\"type\":\"CALL\"}".getBytes(StandardCharsets.UTF_8);
      link.send(call);
      // Already in the socket when send() returns: read it without waiting.
      gateway.configureBlocking(false);
      ByteBuffer in = ByteBuffer.allocate(64);
      gateway.read(in);
      assertThat(in.flip().remaining()).as("bytes in the socket").isEqualTo(4 + call.length);
      assertThat(in.getInt()).isEqualTo(call.length);
    } finally {
      release.countDown();
      link.close(null);
    }
  }

  /**
   * A reader handed a task while it delivers the last frame it has read runs it on its own thread
   * once the link's spare thread reads: later frames are read and delivered by the other thread
   * while the task blocks, and the task's thread waits to read again when it is done. A frame with
   * more behind it is not handed over.
   */
  @Test
  void aReaderHandsItsReadingOverAndRunsATaskThatMayBlock() throws Exception {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    CountDownLatch release = new CountDownLatch(1);
    Link link =
        open(
            "test-handoff-link",
            (l, message) -> {
              String reader = Thread.currentThread().getName() + "@" + id(Thread.currentThread());
              events.add(message.type + " read by " + reader);
              if (!message.type.equals("BLOCK")) {
                return;
              }
              boolean handed =
                  l.handOffAndRun(
                      () -> {
                        events.add("task on " + id(Thread.currentThread()));
                        try {
                          release.await();
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        events.add("task done");
                      });
              events.add("handed over: " + handed);
            });
    try (SocketChannel gateway = server.accept()) {
      // No spare yet: nothing is handed over, and a spare is started for next time.
      writeFrame(gateway, "{\"type\":\"BLOCK\"}");
      String first = events.poll(10, TimeUnit.SECONDS);
      assertThat(first).startsWith("BLOCK read by ");
      long firstReader = Long.parseLong(first.substring(first.indexOf('@') + 1));
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("handed over: false");
      awaitSpare(link, true);

      // A frame with another behind it is not handed over: the awake reader reads the burst on.
      writeFrame(gateway, "{\"type\":\"BLOCK\"}", "{\"type\":\"NEXT\"}");
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(first);
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("handed over: false");
      assertThat(events.poll(10, TimeUnit.SECONDS))
          .isEqualTo("NEXT read by test-handoff-link@" + firstReader);

      // The last frame read is handed over; what comes next is read by the other thread while
      // the task blocks.
      writeFrame(gateway, "{\"type\":\"BLOCK\"}");
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(first);
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("handed over: true");
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("task on " + firstReader);
      writeFrame(gateway, "{\"type\":\"NEXT\"}");
      String next = events.poll(10, TimeUnit.SECONDS);
      assertThat(next)
          .startsWith("NEXT read by test-handoff-link@")
          .doesNotEndWith("@" + firstReader);
      assertThat(link.hasSpare()).as("no spare while the task runs").isFalse();

      release.countDown();
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("task done");
      awaitSpare(link, true); // the task's thread waits to read again
    } finally {
      release.countDown();
      link.close(null);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (threadsNamed("test-handoff-link") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(threadsNamed("test-handoff-link")).as("the link's threads after close").isZero();
  }

  /** A link to the test's socket whose owner only handles messages. */
  private Link open(String threadName, BiConsumer<Link, WireMessage> onMessage) throws IOException {
    Link.Owner owner =
        new Link.Owner() {
          @Override
          public void onMessage(Link l, WireMessage message) {
            onMessage.accept(l, message);
          }

          @Override
          public void onUndecodable(Link l, Exception error) {}

          @Override
          public void onClosed(Link l, Throwable cause) {}
        };
    return Link.open(dir.resolve("gw.sock"), 0, owner, 1 << 20, 0, threadName);
  }

  private static void awaitSpare(Link link, boolean expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (link.hasSpare() != expected && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(link.hasSpare()).as("a spare thread waits").isEqualTo(expected);
  }

  private static long threadsNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals(name))
        .count();
  }

  @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+
  private static long id(Thread t) {
    return t.getId();
  }

  private static void writeFrame(SocketChannel ch, String... jsons) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(1024);
    for (String json : jsons) {
      byte[] b = json.getBytes(StandardCharsets.UTF_8);
      buf.putInt(b.length).put(b);
    }
    buf.flip();
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
