package io.ephemeral.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.ephemeral.client.service.Serializer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * The systems our gateway is compared with in {@code gateway --peers nats,grpc}, each set up as a
 * user of it would for request/reply between two JVMs on one host:
 *
 * <ul>
 *   <li><b>NATS</b>: {@code nats-server} (its own process, on a loopback TCP port: it has no Unix
 *       sockets) with the {@code jnats} client's default options; the callee subscribes to a
 *       subject and publishes each message's bytes back to its reply subject; the caller uses
 *       {@code request}.
 *   <li><b>gRPC</b>: gRPC-java over a Unix socket (Netty's epoll transport), one unary method whose
 *       messages are plain bytes, and the direct executor on both sides (calls handled on the
 *       transport's threads, the fastest configuration it documents). There is no process in the
 *       middle: the caller connects to the callee's server (one hop fewer than a gateway).
 * </ul>
 *
 * <p>The caller does what ours does: it encodes {@code {"n": n, "text": filler}} in the cell's
 * encoding for every call (Jackson for JSON, msgpack-core for MessagePack), and decodes and checks
 * every answer. The callee copies bytes back, which is all an echo over these systems needs.
 */
final class GatewayPeers {
  static final String NATS = "nats";
  static final String GRPC = "grpc";
  static final String SUBJECT = "bench.echo";
  private static final long CALL_TIMEOUT_SECONDS = 30;
  private static final JsonFactory JSON = new JsonFactory();

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<byte[], byte[]> ECHO =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Echo", "echo"))
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  private GatewayPeers() {}

  /** {@code nats,grpc} → the peers named; anything else is refused with the names allowed. */
  static List<String> parse(String csv) {
    List<String> peers = new java.util.ArrayList<>();
    for (String p : Args.list(csv)) {
      String name = p.trim().toLowerCase(java.util.Locale.ROOT);
      if (!name.equals(NATS) && !name.equals(GRPC)) {
        throw new IllegalArgumentException("unknown peer '" + p + "' (nats, grpc)");
      }
      if (!peers.contains(name)) {
        peers.add(name);
      }
    }
    return peers;
  }

  static String label(String peer) {
    return peer.equals(NATS) ? "NATS" : "gRPC";
  }

  // ---- the payload ----

  /** The params of a call as bytes of one encoding, and the check of an answer. */
  static final class Codec {
    private final Serializer encoding;
    private final String filler;

    Codec(Serializer encoding, String filler) {
      this.encoding = encoding;
      this.filler = filler;
    }

    byte[] encode(long n) {
      try {
        if (encoding == Serializer.JSON) {
          ByteArrayBuilder out = new ByteArrayBuilder(filler.length() + 32);
          try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("n", n);
            g.writeStringField("text", filler);
            g.writeEndObject();
          }
          return out.toByteArray();
        }
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
          p.packMapHeader(2).packString("n").packLong(n).packString("text").packString(filler);
          return p.toByteArray();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Throws unless {@code answer} is the params of call {@code n}. */
    void check(long n, byte[] answer) {
      boolean good;
      try {
        good = encoding == Serializer.JSON ? jsonMatches(n, answer) : msgpackMatches(n, answer);
      } catch (IOException | RuntimeException e) {
        good = false;
      }
      if (!good) {
        String got = answer == null ? "null" : new String(answer, StandardCharsets.UTF_8);
        throw new BenchException(
            "echo answered something else than was sent: call n="
                + n
                + ", answer "
                + (got.length() > 200 ? got.substring(0, 200) + "…" : got));
      }
    }

    private boolean jsonMatches(long n, byte[] answer) throws IOException {
      try (JsonParser p = JSON.createParser(answer)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          return false;
        }
        int members = 0;
        boolean number = false;
        boolean text = false;
        String name;
        while ((name = p.nextFieldName()) != null) {
          JsonToken t = p.nextToken();
          members++;
          if (name.equals("n")) {
            number = t == JsonToken.VALUE_NUMBER_INT && p.getLongValue() == n;
          } else if (name.equals("text")) {
            text = t == JsonToken.VALUE_STRING && p.getText().equals(filler);
          } else {
            p.skipChildren();
          }
        }
        return members == 2 && number && text && p.nextToken() == null;
      }
    }

    private boolean msgpackMatches(long n, byte[] answer) throws IOException {
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(answer)) {
        if (u.unpackMapHeader() != 2) {
          return false;
        }
        boolean number = false;
        boolean text = false;
        for (int i = 0; i < 2; i++) {
          String name = u.unpackString();
          if (name.equals("n") && u.getNextFormat().getValueType().isIntegerType()) {
            number = u.unpackLong() == n;
          } else if (name.equals("text") && u.getNextFormat() != MessageFormat.NIL) {
            text = u.unpackString().equals(filler);
          } else {
            u.skipValue();
          }
        }
        return number && text && !u.hasNext();
      }
    }
  }

  // ---- NATS ----

  /** {@code nats-server} on a free loopback port, without any options beyond the address. */
  static final class NatsServer implements AutoCloseable {
    final Process process;
    final int port;

    private NatsServer(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static NatsServer start(String binary, Path dir) throws IOException {
      int port;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      Process p =
          new ProcessBuilder(binary, "-a", "127.0.0.1", "-p", Integer.toString(port))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("nats-server.log").toFile())
              .start();
      NatsServer s = new NatsServer(p, port);
      long deadline = System.currentTimeMillis() + 20_000;
      while (true) {
        if (!p.isAlive()) {
          throw new BenchException(
              "nats-server exited with status "
                  + p.exitValue()
                  + " while starting (see "
                  + dir.resolve("nats-server.log")
                  + ")");
        }
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return s;
        } catch (IOException notYet) {
          if (System.currentTimeMillis() > deadline) {
            s.close();
            throw new BenchException("nats-server did not listen on port " + port + " in 20 s");
          }
          Server.sleep(20);
        }
      }
    }

    String url() {
      return "nats://127.0.0.1:" + port;
    }

    long pid() {
      return process.pid();
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  static Connection natsConnect(String url) throws IOException {
    try {
      return Nats.connect(Options.builder().server(url).build());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }

  /** The caller's side over NATS: {@code request} with the default options. */
  static GatewayLoad.EchoCaller natsCaller(Connection nc, Codec codec) {
    Duration timeout = Duration.ofSeconds(CALL_TIMEOUT_SECONDS);
    return new GatewayLoad.EchoCaller() {
      @Override
      public void call(long n) {
        Message m;
        try {
          m = nc.request(SUBJECT, codec.encode(n), timeout);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BenchException("interrupted");
        }
        if (m == null) {
          throw new BenchException("NATS request n=" + n + " had no answer in " + timeout);
        }
        codec.check(n, m.getData());
      }

      @Override
      public CompletableFuture<?> callAsync(long n) {
        return nc.request(SUBJECT, codec.encode(n))
            .thenApply(
                m -> {
                  codec.check(n, m.getData());
                  return m;
                });
      }
    };
  }

  // ---- gRPC ----

  /**
   * gRPC sets SO_KEEPALIVE on every channel, which a Unix socket does not have, and Netty's
   * bootstrap classes warn about it for every connection, in the caller's and the callee's JVM
   * (lines in every run's output); their package's logger keeps only errors. It is held so that its
   * level stays set (java.util.logging keeps loggers weakly).
   */
  private static final java.util.logging.Logger NETTY_BOOTSTRAP_LOG =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

  static void quietNettyBootstrap() {
    NETTY_BOOTSTRAP_LOG.setLevel(java.util.logging.Level.SEVERE);
  }

  /** A gRPC channel to the callee's Unix socket, with the direct executor. */
  static final class GrpcChannel implements AutoCloseable {
    static {
      quietNettyBootstrap();
    }

    final ManagedChannel channel;
    private final EpollEventLoopGroup group;

    GrpcChannel(Path socket) {
      this.group = new EpollEventLoopGroup(1);
      this.channel =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
              .channelType(EpollDomainSocketChannel.class)
              .eventLoopGroup(group)
              .usePlaintext()
              .directExecutor()
              .build();
    }

    @Override
    public void close() {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /** The caller's side over gRPC: a blocking unary call, or an asynchronous one. */
  static GatewayLoad.EchoCaller grpcCaller(GrpcChannel ch, Codec codec) {
    return new GatewayLoad.EchoCaller() {
      @Override
      public void call(long n) {
        byte[] answer =
            ClientCalls.blockingUnaryCall(
                ch.channel,
                ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                codec.encode(n));
        codec.check(n, answer);
      }

      @Override
      public CompletableFuture<?> callAsync(long n) {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(
            ch.channel.newCall(
                ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)),
            codec.encode(n),
            new StreamObserver<>() {
              @Override
              public void onNext(byte[] answer) {
                try {
                  codec.check(n, answer);
                  done.complete(answer);
                } catch (RuntimeException e) {
                  done.completeExceptionally(e);
                }
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                if (!done.isDone()) {
                  done.completeExceptionally(new BenchException("call n=" + n + ": no answer"));
                }
              }
            });
        return done;
      }
    };
  }

  // ---- the callees' JVM ----

  /**
   * {@code PeerCallee nats URL} or {@code PeerCallee grpc SOCKET}: serves the echo until standard
   * input closes (see {@link ChildJvm}).
   */
  public static void main(String[] argv) throws Exception {
    quietNettyBootstrap();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (argv.length != 2 || !(argv[0].equals(NATS) || argv[0].equals(GRPC))) {
      System.err.println("usage: GatewayPeers nats URL | grpc SOCKET");
      System.exit(2);
      return;
    }
    if (argv[0].equals(NATS)) {
      try (Connection nc = natsConnect(argv[1])) {
        Dispatcher d = nc.createDispatcher(m -> nc.publish(m.getReplyTo(), m.getData()));
        d.subscribe(SUBJECT);
        nc.flush(Duration.ofSeconds(10)); // the server has the subscription
        out.println(ChildJvm.READY);
        ChildJvm.awaitStdinClosed();
      }
    } else {
      EpollEventLoopGroup boss = new EpollEventLoopGroup(1);
      EpollEventLoopGroup workers = new EpollEventLoopGroup(1);
      io.grpc.Server server =
          NettyServerBuilder.forAddress(new DomainSocketAddress(argv[1]))
              .channelType(EpollServerDomainSocketChannel.class)
              .bossEventLoopGroup(boss)
              .workerEventLoopGroup(workers)
              .directExecutor()
              .addService(
                  ServerServiceDefinition.builder("bench.Echo")
                      .addMethod(
                          ECHO,
                          ServerCalls.asyncUnaryCall(
                              (byte[] request, StreamObserver<byte[]> reply) -> {
                                reply.onNext(request);
                                reply.onCompleted();
                              }))
                      .build())
              .build()
              .start();
      out.println(ChildJvm.READY);
      ChildJvm.awaitStdinClosed();
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    System.exit(0);
  }
}
