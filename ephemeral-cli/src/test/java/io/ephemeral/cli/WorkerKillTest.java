package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers killed with SIGKILL while holding leases, with a request written whole and another
 * half-written on each connection: a worker JVM with two connections and a Node worker with one,
 * all three holding a slot of one 3-slot pool with a 2 s TTL, against a real broker process.
 *
 * <p>Timing is judged on the broker's own clock, so a slow machine cannot fake a pass or a failure:
 * each worker pinged just before and just after its lease (so its lease was granted between those
 * two pongs), and every probe afterwards is a pipelined ping, stats, ping. A probe that ended
 * before the earliest grant plus the TTL must still see all three leases held; one that started
 * after the latest grant plus the TTL must see them gone. A waiter parked on the full pool right
 * after the kill must get its slot, not before the earliest grant plus the TTL and not much after
 * the latest. Meanwhile another client keeps writing and reading, and must get every answer.
 */
class WorkerKillTest {

  private static final long TTL = 2_000;
  private static final String KEY = "slots";

  /** The Node worker: the same protocol steps as {@link LeaseWorker}, one connection. */
  private static final String NODE_WORKER =
      String.join(
          "\n",
          "const net = require('net')",
          "const [sock, key, size, ttl, name] = process.argv.slice(1)",
          "const s = net.createConnection(sock, () => console.log('CONNECTED'))",
          "let buf = ''; const lines = []; let leased = false",
          "s.on('data', (d) => {",
          "  buf += d; let i",
          "  while ((i = buf.indexOf('\\n')) >= 0) { lines.push(buf.slice(0, i)); buf = buf.slice(i + 1) }",
          "  if (lines.length >= 3 && !leased) {",
          "    leased = true",
          "    const [a, l, b] = lines.slice(0, 3).map((x) => JSON.parse(x))",
          "    if (!l.ok) { console.log('FAILED ' + JSON.stringify(l)); return }",
          "    console.log(`LEASED ${name}-0 ${l.value} ${a.pong} ${b.pong}`)",
          "    s.write(JSON.stringify({ action: 'set', key: `done-${name}-0`, value: true, ttl: 60000 }) + '\\n'",
          "      + '{\"action\":\"set\",\"key\":\"half-' + name + '\",\"val')",
          "    console.log('READY')",
          "  }",
          "})",
          "process.stdin.on('data', (d) => {",
          "  if (String(d).trim() !== 'go') return",
          "  const ping = JSON.stringify({ action: 'ping' }) + '\\n'",
          "  s.write(ping + JSON.stringify({ action: 'lease', key, workerId: name + '-0', ttl: Number(ttl),",
          "    size: Number(size) }) + '\\n' + ping)",
          "})");

  @TempDir Path dir;

  @Test
  void leasesOfKilledWorkersExpireOnScheduleWhileOtherClientsAreServed() throws Exception {
    Path socket = dir.resolve("broker.sock");
    try (Cli broker = Cli.start(dir, "start", "--socket", socket.toString());
        Child jvm =
            Child.java(
                start(dir, broker),
                "jvm-worker",
                LeaseWorker.class,
                socket.toString(),
                KEY,
                "3",
                Long.toString(TTL),
                "jvm",
                "2");
        Child node =
            Child.start(
                dir,
                "node-worker",
                List.of(
                    "node",
                    "-e",
                    NODE_WORKER,
                    socket.toString(),
                    KEY,
                    "3",
                    Long.toString(TTL),
                    "node"))) {
      jvm.await("CONNECTED");
      node.await("CONNECTED");
      Bystander bystander = new Bystander(socket);
      bystander.start();
      jvm.tell("go");
      node.tell("go");
      jvm.await("READY");
      node.await("READY");

      List<String> leased = new ArrayList<>(jvm.lines("LEASED "));
      leased.addAll(node.lines("LEASED "));
      assertThat(leased).as(jvm.describe() + node.describe()).hasSize(3);
      Set<Long> slots = new HashSet<>();
      long earliest = Long.MAX_VALUE;
      long latest = 0;
      for (String l : leased) {
        String[] f = l.split(" ");
        slots.add(Long.parseLong(f[2]));
        earliest = Math.min(earliest, Long.parseLong(f[3]));
        latest = Math.max(latest, Long.parseLong(f[4]));
      }
      assertThat(slots).containsExactlyInAnyOrder(0L, 1L, 2L);

      jvm.kill();
      node.kill();
      long requestsAtKill = bystander.answered.get();
      int heldProbes = 0;
      long waitedPast;

      try (Line waiter = new Line(socket);
          Line probe = new Line(socket)) {
        waiter.send(
            "{\"action\":\"ping\"}\n{\"action\":\"lease\",\"key\":\""
                + KEY
                + "\",\"workerId\":\"waiter\",\"ttl\":60000,\"size\":3,\"wait\":30000}\n{\"action\":\"ping\"}\n");
        long gone = -1;
        long previous = 3;
        long deadline = System.nanoTime() + Cli.DEADLINE.toNanos();
        while (gone < 0) {
          assertThat(System.nanoTime())
              .as("the dead workers' leases to expire")
              .isLessThan(deadline);
          probe.send("{\"action\":\"ping\"}\n{\"action\":\"stats\"}\n{\"action\":\"ping\"}\n");
          long before = Line.pong(probe.readLine());
          String stats = probe.readLine();
          long after = Line.pong(probe.readLine());
          long leases = Line.number(stats, "leases");
          long waiters = Line.number(stats, "leaseWaiters");
          if (after < earliest + TTL) {
            heldProbes++;
            assertThat(leases)
                .as("leases %d ms after the earliest grant", after - earliest)
                .isEqualTo(3);
          }
          if (before >= latest + TTL) {
            assertThat(leases)
                .as("leases %d ms after the latest grant (only the waiter's)", before - latest)
                .isEqualTo(1);
            assertThat(waiters).isZero();
          }
          // Three dead holders, then fewer as their leases run out (one slot going to the waiter).
          assertThat(leases).as(stats).isBetween(1L, previous);
          previous = leases;
          if (leases == 1 && waiters == 0) {
            gone = before;
          } else {
            Thread.sleep(20);
          }
        }
        assertThat(heldProbes)
            .as("probes that saw the slots still held after the kill")
            .isPositive();

        long askedAt = Line.pong(waiter.readLine());
        String granted = waiter.readLine();
        long grantedBy = Line.pong(waiter.readLine());
        assertThat(granted).startsWith("{\"ok\":true,\"value\":");
        assertThat(Line.number(granted, "value")).isBetween(0L, 2L);
        assertThat(grantedBy)
            .as("the waiter's slot, not before a dead worker's lease ran out")
            .isGreaterThanOrEqualTo(earliest + TTL);
        waitedPast = grantedBy - (latest + TTL);
        assertThat(waitedPast).as("ms the waiter waited past the latest expiry").isLessThan(5_000);
        assertThat(askedAt).isLessThan(earliest + TTL + 5_000);

        try (Line control = new Line(socket)) {
          Cli.await(
              "the bystander to be served after the kill",
              () -> bystander.answered.get() > requestsAtKill + 100 || bystander.failure != null);
          bystander.stop();
          assertThat(bystander.failure).isNull();
          assertThat(bystander.answered.get()).isEqualTo(bystander.sent.get());
          for (String done : List.of("done-jvm-0", "done-jvm-1", "done-node-0")) {
            assertThat(control.call("{\"action\":\"get\",\"key\":\"" + done + "\"}"))
                .as("the whole request %s wrote before dying", done)
                .startsWith("{\"ok\":true,\"value\":true");
          }
          assertThat(control.call("{\"action\":\"get\",\"key\":\"half-jvm\"}"))
              .contains("not_found");
          String fresh =
              control.call(
                  "{\"action\":\"lease\",\"key\":\""
                      + KEY
                      + "\",\"workerId\":\"fresh\",\"ttl\":60000,\"size\":3}");
          assertThat(fresh).startsWith("{\"ok\":true");
          assertThat(Line.number(fresh, "value")).isNotEqualTo(Line.number(granted, "value"));
          String health = control.call("{\"action\":\"health\"}");
          assertThat(Line.number(health, "open"))
              .as(
                  "connections open (waiter, probe, control): the dead workers' are gone; "
                      + health)
              .isEqualTo(3);
        }
      }
      assertThat(broker.process().isAlive()).isTrue();
      System.out.printf(
          "Worker kill: %d probes saw the slots held, bystander answered %d requests, "
              + "waiter answered at most %d ms after the latest dead lease's expiry%n",
          heldProbes, bystander.answered.get(), waitedPast);
    }
  }

  private static Path start(Path dir, Cli broker) {
    broker.awaitSocket();
    return dir;
  }

  /** Another client that keeps setting and getting its own key throughout, checking each answer. */
  private static final class Bystander {
    final Line line;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    volatile String failure;
    private volatile boolean stopped;
    private final Thread thread = new Thread(this::run, "bystander");

    Bystander(Path socket) {
      line = new Line(socket);
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      stopped = true;
      thread.join(Cli.DEADLINE.toMillis());
      line.close();
    }

    private void run() {
      long n = 0;
      try {
        while (!stopped) {
          sent.incrementAndGet();
          String set =
              line.call(
                  "{\"action\":\"set\",\"key\":\"bystander\",\"value\":" + n + ",\"ttl\":60000}");
          check(set, "{\"ok\":true}");
          sent.incrementAndGet();
          String get = line.call("{\"action\":\"get\",\"key\":\"bystander\"}");
          check(get, "{\"ok\":true,\"value\":" + n + ",\"compressed\":false}");
          n++;
        }
      } catch (IOException | RuntimeException e) {
        failure = String.valueOf(e);
      }
    }

    private void check(String answer, String expected) {
      if (!answer.equals(expected)) {
        throw new IllegalStateException("expected " + expected + ", got " + answer);
      }
      answered.incrementAndGet();
    }
  }
}
