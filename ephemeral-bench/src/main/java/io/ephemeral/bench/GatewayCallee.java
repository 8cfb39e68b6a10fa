package io.ephemeral.bench;

import io.ephemeral.client.service.Serializer;
import io.ephemeral.client.service.ServiceClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The callee of the gateway benchmark: one {@link ServiceClient} per encoding, each serving {@code
 * echo}, which returns its params. Runs inside the tool's JVM or, as {@link #main}, in a JVM of its
 * own so that its CPU time is apart from the caller's (a {@link ChildJvm}): it prints {@value
 * ChildJvm#READY} once registered and serves until its standard input closes.
 */
final class GatewayCallee {
  static final String METHOD = "echo";

  private GatewayCallee() {}

  /** The name the callee of an encoding registers. */
  static String serviceName(Serializer serializer) {
    return "bench-echo-" + serializer.name().toLowerCase(Locale.ROOT);
  }

  /**
   * Connects and registers the echo service of one encoding. {@code direct}: handlers run on the
   * connection's reader thread ({@code handlerExecutor(Runnable::run)}) instead of the client's
   * default pool of handler threads; fine for a handler that never blocks, such as this one. {@code
   * nonBlocking}: echo is registered with {@code registerNonBlockingMethod}, which runs it on the
   * reader thread as well. {@code busyPollMicros}: the client's {@code busyPoll}. {@code
   * treeParams}: echo is a {@code MethodHandler}, which gets the params as a {@code JsonNode} tree
   * and returns it, so the client parses the params and writes the tree back; otherwise a {@code
   * CallHandler} (registered with {@code serve}), which gets them as {@code Params}, the bytes of
   * the frame, and returns them as they are, as the peers' callees return theirs.
   */
  static ServiceClient start(
      Path socket,
      Serializer serializer,
      boolean direct,
      boolean nonBlocking,
      long busyPollMicros,
      boolean treeParams) {
    ServiceClient.Builder b =
        ServiceClient.builder()
            .serviceName(serviceName(serializer))
            .gateway(socket)
            .serializer(serializer)
            .busyPoll(Duration.ofNanos(busyPollMicros * 1000))
            .autoReconnect(false);
    if (direct) {
      b.handlerExecutor(Runnable::run);
    }
    ServiceClient callee = b.build();
    if (treeParams && nonBlocking) {
      callee.registerNonBlockingMethod(METHOD, (params, ctx) -> params);
    } else if (treeParams) {
      callee.registerMethod(METHOD, (params, ctx) -> params);
    } else if (nonBlocking) {
      callee.serveNonBlocking(METHOD, (params, ctx) -> params);
    } else {
      callee.serve(METHOD, (params, ctx) -> params);
    }
    try {
      callee.connect();
    } catch (RuntimeException e) {
      callee.close();
      throw e;
    }
    return callee;
  }

  /**
   * {@code GatewayCallee SOCKET [pool|direct|nonblocking [BUSY_POLL_MICROS [bytes|tree]]]}: serves
   * both encodings until standard input closes.
   */
  public static void main(String[] argv) throws IOException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    boolean direct;
    boolean nonBlocking;
    long busyPollMicros;
    boolean treeParams;
    try {
      if (argv.length < 1 || argv.length > 4) {
        throw new IllegalArgumentException("wrong number of arguments");
      }
      String handlers = argv.length > 1 ? argv[1] : "pool";
      direct = GatewayBench.directHandlers(handlers);
      nonBlocking = GatewayBench.nonBlockingHandlers(handlers);
      busyPollMicros = argv.length > 2 ? Long.parseLong(argv[2]) : 0;
      treeParams = GatewayBench.treeParams(argv.length > 3 ? argv[3] : "bytes");
    } catch (IllegalArgumentException e) {
      System.err.println(
          "usage: GatewayCallee SOCKET [pool|direct|nonblocking [BUSY_POLL_MICROS [bytes|tree]]]: "
              + e.getMessage());
      System.exit(2);
      return;
    }
    Path socket = Path.of(argv[0]);
    List<ServiceClient> callees = new ArrayList<>();
    try {
      for (Serializer s : Serializer.values()) {
        callees.add(start(socket, s, direct, nonBlocking, busyPollMicros, treeParams));
      }
      out.println(ChildJvm.READY);
      ChildJvm.awaitStdinClosed();
    } finally {
      callees.forEach(ServiceClient::close);
    }
    System.exit(0);
  }
}
