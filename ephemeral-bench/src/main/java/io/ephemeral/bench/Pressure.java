package io.ephemeral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceException;
import io.ephemeral.protocol.GatewayErrorCodes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/*
 * Implementation notes.
 *
 * The broker is a separate process with a small heap (EPHEMERAL_JAVA_OPTS=-Xmx<heap>, default
 * 64m) and its default memory budget. For --seconds, many clients push it past that budget at
 * once, each over its own connection, all seeded:
 *   - value writers pipeline sets of 50-250 KB incompressible values over far more keys than fit,
 *     and gets of them;
 *   - lease takers take leases with 2,000-character worker ids in many pools and release half;
 *   - holders each send an unfinished line of about 900 KB, wait, then finish it;
 *   - gateway callers call a service (a ServiceClient in this JVM) with 50 KB parameters.
 * Every answer is checked: a KV request gets one line, in order, ok or memory_limit (not_found
 * for a get of a value never stored or refused); a call succeeds or fails with MEMORY_LIMIT. A
 * connection that closes, an answer out of place, or any other error fails the run.
 *
 * Afterwards the broker must still serve (ping, stats, a small set), and once stopped with SIGTERM
 * it must exit 0 and log "Requests answered (accepted=N answered=N unanswered=0)".
 */

/**
 * {@code ephemeral-bench pressure}: many clients against a small heap; nothing may go unanswered.
 */
final class Pressure {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SUMMARY =
      Pattern.compile("Requests answered \\(accepted=(\\d+) answered=(\\d+) unanswered=(\\d+)\\)");

  private static final int VALUE_WRITERS = 8;
  private static final int LEASE_TAKERS = 4;
  private static final int HOLDERS = 40;
  private static final int CALLERS = 4;
  private static final int KEYS = 2_000;
  private static final int BATCH = 4;

  private Pressure() {}

  /** Counts by outcome ("set ok", "set memory_limit", ...). */
  private static final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

  private static void count(String what) {
    counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
  }

  static int run(String[] argv, PrintStream out) throws Exception {
    Args args = new Args(argv, Set.of("--seconds", "--heap", "--seed", "--broker"), Set.of());
    long seconds = args.number("--seconds", 60, 5, 24 * 3600);
    String heap = args.string("--heap", "64m");
    long seed = args.number("--seed", 1, Long.MIN_VALUE, Long.MAX_VALUE);
    List<String> launcher = Main.brokerLauncher(args);
    Path dir = Main.tempDir();
    Main.header(
        out,
        "pressure",
        launcher,
        " start (EPHEMERAL_JAVA_OPTS=-Xmx" + heap + ", default maxMemory)");
    out.println(
        "load: "
            + VALUE_WRITERS
            + " value writers, "
            + LEASE_TAKERS
            + " lease takers, "
            + HOLDERS
            + " holders of unfinished lines, "
            + CALLERS
            + " gateway callers; "
            + seconds
            + " s, seed "
            + seed);
    counts.clear();
    Server broker =
        Server.broker(launcher, dir, List.of(), Map.of("EPHEMERAL_JAVA_OPTS", "-Xmx" + heap));
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long until = System.nanoTime() + seconds * 1_000_000_000L;
    try (ServiceClient callee = service(broker.socket, "echo")) {
      callee.registerMethod("echo", (params, ctx) -> params.size());
      callee.connect();
      List<CompletableFuture<Void>> load = new ArrayList<>();
      for (int i = 0; i < VALUE_WRITERS; i++) {
        long s = seed * 1_000 + i;
        load.add(guard(failure, () -> values(broker.socket, new Random(s), until)));
      }
      for (int i = 0; i < LEASE_TAKERS; i++) {
        long s = seed * 2_000 + i;
        int taker = i;
        load.add(guard(failure, () -> leases(broker.socket, new Random(s), taker, until)));
      }
      for (int i = 0; i < HOLDERS; i++) {
        load.add(guard(failure, () -> holder(broker.socket, until)));
      }
      for (int i = 0; i < CALLERS; i++) {
        int caller = i;
        load.add(guard(failure, () -> calls(broker.socket, caller, until)));
      }
      for (CompletableFuture<Void> f : load) {
        f.join();
      }
    }
    if (failure.get() != null) {
      broker.close();
      throw new BenchException("a client saw an error: " + failure.get() + "\n" + broker.logTail());
    }
    JsonNode stats;
    try (Soak.Conn c = new Soak.Conn(broker.socket)) {
      expectOk(call(c, "{\"action\":\"ping\"}"), "ping after the load");
      stats = JSON.readTree(call(c, "{\"action\":\"stats\"}")).get("stats");
      for (int k = 0; k < KEYS; k++) {
        call(c, "{\"action\":\"del\",\"key\":\"v" + k + "\"}");
      }
      expectOk(
          call(c, "{\"action\":\"set\",\"key\":\"after\",\"value\":1,\"ttl\":60000}"),
          "a set after the values were deleted");
    }
    broker.close();
    String log = Files.readString(dir.resolve("broker.log"), StandardCharsets.UTF_8);
    int exit = broker.process.exitValue();
    Matcher m = SUMMARY.matcher(log);
    if (exit != 0 || !m.find()) {
      throw new BenchException("the broker exited " + exit + " without its summary:\n" + log);
    }
    out.println();
    out.println("| outcome | count |");
    out.println("|---|---:|");
    new java.util.TreeMap<>(counts).forEach((k, v) -> out.println("| " + k + " | " + v + " |"));
    out.println();
    out.println(
        "broker after the load: usedMemory "
            + stats.get("memory").get("usedMemory").asLong()
            + " of maxMemory "
            + stats.get("memory").get("maxMemory").asLong()
            + " bytes, "
            + stats.get("items").asLong()
            + " items, "
            + stats.get("leases").asLong()
            + " leases; still serving (ping, stats, set)");
    out.println(
        "requests accepted "
            + m.group(1)
            + ", answered "
            + m.group(2)
            + ", unanswered "
            + m.group(3)
            + "; exit status "
            + exit);
    Main.deleteTree(dir);
    if (!m.group(3).equals("0")) {
      throw new BenchException(m.group(3) + " accepted requests went unanswered");
    }
    return 0;
  }

  private interface Work {
    void run() throws Exception;
  }

  private static CompletableFuture<Void> guard(AtomicReference<Throwable> failure, Work work) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                work.run();
              } catch (Throwable e) {
                failure.compareAndSet(null, e);
              }
              f.complete(null);
            });
    t.setDaemon(true);
    t.start();
    return f;
  }

  private static ServiceClient service(Path socket, String name) {
    return ServiceClient.builder()
        .serviceName(name)
        .gateway(socket)
        .environment(Map.of())
        .autoReconnect(false)
        .timeout(Duration.ofSeconds(60))
        .build();
  }

  private static String value(Random random, int bytes) {
    byte[] raw = new byte[bytes * 3 / 4];
    random.nextBytes(raw);
    return "\"" + Base64.getEncoder().encodeToString(raw) + "\"";
  }

  private static void values(Path socket, Random random, long until) throws IOException {
    try (Soak.Conn c = new Soak.Conn(socket)) {
      while (System.nanoTime() < until) {
        StringBuilder batch = new StringBuilder();
        String[] kinds = new String[BATCH];
        for (int i = 0; i < BATCH; i++) {
          int key = random.nextInt(KEYS);
          if (random.nextInt(3) == 0) {
            kinds[i] = "get";
            batch.append("{\"action\":\"get\",\"key\":\"v").append(key).append("\"}\n");
          } else {
            kinds[i] = "set";
            batch
                .append("{\"action\":\"set\",\"key\":\"v")
                .append(key)
                .append("\",\"value\":")
                .append(value(random, 50_000 + random.nextInt(200_000)))
                .append(",\"ttl\":600000}\n");
          }
        }
        c.send(batch.toString());
        for (String kind : kinds) {
          String answer = c.readLine();
          outcome(kind, answer, kind.equals("get") ? Set.of("not_found") : Set.of("memory_limit"));
        }
      }
    }
  }

  private static void leases(Path socket, Random random, int taker, long until) throws IOException {
    String pad = "w".repeat(2_000);
    try (Soak.Conn c = new Soak.Conn(socket)) {
      for (long n = 0; System.nanoTime() < until; n++) {
        String worker = pad + taker + "-" + n;
        outcome(
            "lease",
            call(
                c,
                "{\"action\":\"lease\",\"key\":\"pool"
                    + random.nextInt(10_000)
                    + "\",\"workerId\":\""
                    + worker
                    + "\",\"ttl\":600000}"),
            Set.of("memory_limit"));
        if (random.nextBoolean()) {
          outcome(
              "release",
              call(c, "{\"action\":\"release\",\"workerId\":\"" + worker + "\"}"),
              Set.of());
        }
      }
    }
  }

  private static void holder(Path socket, long until) throws IOException {
    String head = "{\"action\":\"set\",\"key\":\"held\",\"pad\":\"" + "x".repeat(900_000);
    while (System.nanoTime() < until) {
      try (Soak.Conn c = new Soak.Conn(socket)) {
        c.send(head);
        Server.sleep(500);
        c.send("\",\"value\":1,\"ttl\":60000}\n{\"action\":\"ping\"}\n");
        outcome("unfinished line", c.readLine(), Set.of("memory_limit"));
        outcome("ping", c.readLine(), Set.of());
      }
    }
  }

  private static void calls(Path socket, int caller, long until) throws Exception {
    String params = "p".repeat(50_000);
    try (ServiceClient c = service(socket, "caller-" + caller)) {
      c.connect();
      while (System.nanoTime() < until) {
        List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          inFlight.add(c.callAsync("echo", "echo", Map.of("p", params), Integer.class));
        }
        for (CompletableFuture<Integer> f : inFlight) {
          try {
            f.join();
            count("call ok");
          } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof ServiceException se
                && se.code().equals(GatewayErrorCodes.MEMORY_LIMIT)) {
              count("call MEMORY_LIMIT");
            } else {
              throw e;
            }
          }
        }
      }
    }
  }

  /** Checks one KV answer: ok, or one of the refusals expected for this kind of request. */
  private static void outcome(String kind, String answer, Set<String> refusals) throws IOException {
    if (answer == null) {
      throw new BenchException(kind + ": the connection closed before its answer");
    }
    JsonNode a = JSON.readTree(answer);
    if (a.get("ok").asBoolean()) {
      count(kind + " ok");
      return;
    }
    String error = a.path("error").asText();
    if (!refusals.contains(error)) {
      throw new BenchException(kind + ": unexpected answer " + answer);
    }
    count(kind + " " + error);
  }

  private static void expectOk(String answer, String what) {
    if (answer == null || !answer.startsWith("{\"ok\":true")) {
      throw new BenchException(what + ": " + answer);
    }
  }

  private static String call(Soak.Conn c, String request) throws IOException {
    c.send(request + "\n");
    return c.readLine();
  }
}
