package io.ephemeral.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A worker process for fault tests: {@code LeaseWorker SOCKET KEY SIZE TTL_MS NAME CONNECTIONS}.
 * Opens the connections and prints {@code CONNECTED}; on a {@code go} line on stdin each connection
 * pipelines ping, lease (pool KEY of SIZE slots, worker NAME-i), ping, and prints {@code LEASED
 * NAME-i SLOT PONG_BEFORE PONG_AFTER}. Then each connection writes one complete request ({@code set
 * done-NAME-i}) followed by half of another, prints {@code READY}, and the process waits to be
 * killed, its leases held and its requests half-written.
 */
public final class LeaseWorker {

  private LeaseWorker() {}

  public static void main(String[] args) throws Exception {
    Path socket = Path.of(args[0]);
    String key = args[1];
    int size = Integer.parseInt(args[2]);
    long ttl = Long.parseLong(args[3]);
    String name = args[4];
    int count = Integer.parseInt(args[5]);
    List<Line> lines = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      lines.add(new Line(socket));
    }
    System.out.println("CONNECTED");
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (!"go".equals(in.readLine())) {
      return;
    }
    for (int i = 0; i < count; i++) {
      Line line = lines.get(i);
      String worker = name + "-" + i;
      line.send(
          "{\"action\":\"ping\"}\n{\"action\":\"lease\",\"key\":\""
              + key
              + "\",\"workerId\":\""
              + worker
              + "\",\"ttl\":"
              + ttl
              + ",\"size\":"
              + size
              + "}\n{\"action\":\"ping\"}\n");
      long before = Line.pong(line.readLine());
      String lease = line.readLine();
      long after = Line.pong(line.readLine());
      if (!lease.startsWith("{\"ok\":true")) {
        System.out.println("FAILED " + worker + " " + lease);
        System.out.flush();
        return;
      }
      System.out.println(
          "LEASED " + worker + " " + Line.number(lease, "value") + " " + before + " " + after);
    }
    for (int i = 0; i < count; i++) {
      lines
          .get(i)
          .send(
              "{\"action\":\"set\",\"key\":\"done-"
                  + name
                  + "-"
                  + i
                  + "\",\"value\":true,\"ttl\":60000}\n{\"action\":\"set\",\"key\":\"half-"
                  + name
                  + "\",\"val");
    }
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
