package io.ephemeral.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The busy-host mode ({@code --busy-host}): CPU-bound processes beside the run, as on a CI machine
 * that runs other jobs. Each is a JVM running {@link #main} that spins on arithmetic and counts its
 * rounds into a memory-mapped file, so the tool reads how much background work got done without
 * disturbing it. They are stopped (SIGSTOP) between busy runs, so quiet and busy runs alternate in
 * one run of the tool, and their rate alone on the host is measured first: the work they get done
 * beside a server, divided by that, is the share of the CPU the server and its clients left them.
 */
final class BusyHost implements AutoCloseable {
  /** Spins per counted round: about 50 µs on a current core. */
  private static final int SPINS_PER_ROUND = 1 << 16;

  private final List<Process> processes = new ArrayList<>();
  private final List<MappedByteBuffer> counters = new ArrayList<>();
  private final List<Path> files = new ArrayList<>();
  private double aloneRoundsPerSec;
  private long runStart;
  private long runStartNanos;

  private BusyHost() {}

  /**
   * With {@code --busy-host}: {@code --busy-processes} (2) processes started and described on
   * {@code out}; else null.
   */
  static BusyHost startIfAsked(Args args, Path dir, PrintStream out) throws IOException {
    if (!args.flag("--busy-host")) {
      return null;
    }
    BusyHost busy = start((int) args.number("--busy-processes", 2, 1, 64), dir);
    out.println(busy.describe());
    return busy;
  }

  /** Starts {@code count} spinning processes, measures them alone for a second, then stops them. */
  static BusyHost start(int count, Path dir) throws IOException {
    BusyHost host = new BusyHost();
    try {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      for (int i = 0; i < count; i++) {
        Path file = dir.resolve("busy-" + i + ".count");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
          f.setLength(16);
        }
        host.files.add(file);
        host.counters.add(map(file));
        host.processes.add(
            new ProcessBuilder(
                    java.toString(),
                    "-XX:+UseSerialGC",
                    "-Xmx16m",
                    "-cp",
                    ChildJvm.ownClassPath(),
                    BusyHost.class.getName(),
                    file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("busy-" + i + ".log").toFile())
                .start());
      }
      // Wait until every process counts, then time them alone.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      for (MappedByteBuffer c : host.counters) {
        while (c.getLong(0) == 0) {
          if (System.nanoTime() > deadline) {
            throw new BenchException("the busy-host processes did not start within 30 s");
          }
          Server.sleep(10);
        }
      }
      Server.sleep(500);
      host.runStarted();
      Server.sleep(1000);
      host.aloneRoundsPerSec = host.rateSinceRunStart();
      host.quiet();
      return host;
    } catch (IOException | RuntimeException e) {
      host.close();
      throw e;
    }
  }

  /** Lets the processes run (SIGCONT). */
  void busy() {
    signal("-CONT");
  }

  /** Stops the processes (SIGSTOP): the host is as quiet as it was without this mode. */
  void quiet() {
    signal("-STOP");
  }

  /** Marks the start of a measured phase. */
  void runStarted() {
    runStart = rounds();
    runStartNanos = System.nanoTime();
  }

  /**
   * The background work done since {@link #runStarted}, as a share of what the processes do alone
   * on this host (1.0: they lost nothing to the run).
   */
  double shareSinceRunStart() {
    return rateSinceRunStart() / aloneRoundsPerSec;
  }

  int count() {
    return processes.size();
  }

  /** Rounds per second of all processes together, alone on the host. */
  double aloneRate() {
    return aloneRoundsPerSec;
  }

  /**
   * Runs one measurement beside the busy processes. {@code run} measures and returns its rate; it
   * calls the runnable it is given right before its measured phase.
   *
   * @return the rate, and the background work's share since the measured phase began
   */
  double[] measure(java.util.function.ToDoubleFunction<Runnable> run) {
    busy();
    try {
      double rate = run.applyAsDouble(this::runStarted);
      return new double[] {rate, shareSinceRunStart()};
    } finally {
      quiet();
    }
  }

  /** What the processes are, for the report's header. */
  String describe() {
    return "busy host: every run once more beside "
        + count()
        + " CPU-bound processes (alone they do "
        + Report.rate(aloneRate())
        + " rounds/s together; stopped during the quiet runs)";
  }

  /** The busy runs of a comparison, by cell and system, and their table. */
  static final class Results {
    private final List<List<List<double[]>>> runs = new ArrayList<>();

    Results(int cells, int systems) {
      for (int c = 0; c < cells; c++) {
        List<List<double[]>> perSystem = new ArrayList<>();
        for (int s = 0; s < systems; s++) {
          perSystem.add(new ArrayList<>());
        }
        runs.add(perSystem);
      }
    }

    /** Adds a run's {rate, share} from {@link #measure}. */
    void add(int cell, int system, double[] rateAndShare) {
      runs.get(cell).get(system).add(rateAndShare);
    }

    /**
     * The table of a KV comparison of two servers, with the medians of their quiet runs ({@code
     * second} may hold nulls for cells it has no counterpart of).
     */
    String table(
        List<Cell> cells,
        List<String> systems,
        List<Report.Stats> first,
        List<Report.Stats> second) {
      double[][] quiet = new double[cells.size()][2];
      List<String> labels = new java.util.ArrayList<>();
      for (int c = 0; c < cells.size(); c++) {
        quiet[c][0] = first.get(c).opsPerSec;
        quiet[c][1] = second.get(c) == null ? Double.NaN : second.get(c).opsPerSec;
        labels.add(cells.get(c).toString());
      }
      return table(labels, systems, quiet);
    }

    /**
     * The table, with the quiet rates (quiet[cell][system], NaN where a system has no such cell)
     * beside the medians of the busy runs.
     */
    String table(List<String> cells, List<String> systems, double[][] quiet) {
      double[][] busy = new double[cells.size()][systems.size()];
      double[][] share = new double[cells.size()][systems.size()];
      for (int c = 0; c < cells.size(); c++) {
        for (int s = 0; s < systems.size(); s++) {
          List<double[]> r = runs.get(c).get(s);
          busy[c][s] = Report.median(r.stream().mapToDouble(x -> x[0]).toArray());
          share[c][s] = Report.median(r.stream().mapToDouble(x -> x[1]).toArray());
        }
      }
      return BusyHost.table(cells, systems, quiet, busy, share);
    }
  }

  /**
   * The busy-host table: per cell and system, the median rate on the quiet host and beside the busy
   * processes, their ratio (the target: at least 0.5), and the background work the busy processes
   * got done meanwhile as a share of their rate alone.
   *
   * @param quiet quiet[cell][system], the rate (calls or operations per second)
   * @param busy busy[cell][system]
   * @param share share[cell][system], from {@link #shareSinceRunStart}
   */
  static String table(
      List<String> cells,
      List<String> systems,
      double[][] quiet,
      double[][] busy,
      double[][] share) {
    StringBuilder sb = new StringBuilder();
    sb.append("| cell | system | quiet /s | busy /s | busy/quiet | background work beside it |\n");
    sb.append("|---|---|---:|---:|---:|---:|\n");
    for (int c = 0; c < cells.size(); c++) {
      for (int s = 0; s < systems.size(); s++) {
        if (Double.isNaN(quiet[c][s]) || Double.isNaN(busy[c][s])) {
          continue;
        }
        sb.append("| ")
            .append(cells.get(c))
            .append(" | ")
            .append(systems.get(s))
            .append(" | ")
            .append(Report.rate(quiet[c][s]))
            .append(" | ")
            .append(Report.rate(busy[c][s]))
            .append(" | ")
            .append(Report.fixed(busy[c][s] / quiet[c][s], 2))
            .append(" | ")
            .append(Report.fixed(100 * share[c][s], 0))
            .append(" % |\n");
      }
    }
    return sb.toString();
  }

  private double rateSinceRunStart() {
    return (rounds() - runStart) / ((System.nanoTime() - runStartNanos) / 1e9);
  }

  private long rounds() {
    long sum = 0;
    for (MappedByteBuffer c : counters) {
      sum += c.getLong(0);
    }
    return sum;
  }

  private void signal(String sig) {
    List<String> cmd = new ArrayList<>(List.of("kill", sig));
    for (Process p : processes) {
      cmd.add(Long.toString(p.pid()));
    }
    try {
      Process k = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      k.getInputStream().readAllBytes();
      if (k.waitFor() != 0) {
        throw new BenchException("kill " + sig + " of the busy-host processes failed");
      }
    } catch (IOException e) {
      throw new BenchException("cannot signal the busy-host processes: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }

  @Override
  public void close() {
    if (!processes.isEmpty()) {
      try {
        signal("-CONT"); // a stopped process does not act on SIGTERM until continued
      } catch (BenchException ignored) {
        // destroyForcibly below
      }
    }
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
    for (Path f : files) {
      try {
        Files.deleteIfExists(f);
      } catch (IOException ignored) {
        // inside the tool's temporary directory, removed with it
      }
    }
  }

  private static MappedByteBuffer map(Path file) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            file, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, 16);
    }
  }

  /**
   * {@code BusyHost COUNTER_FILE}: spins for ever, counting rounds into the file's first 8 bytes.
   */
  public static void main(String[] argv) throws IOException {
    MappedByteBuffer counter = map(Path.of(argv[0]));
    long x = 1;
    long rounds = 0;
    while (true) {
      for (int i = 0; i < SPINS_PER_ROUND; i++) {
        x = x * 6364136223846793005L + 1442695040888963407L;
      }
      counter.putLong(8, x); // the result is used, so the compiler keeps the loop
      counter.putLong(0, ++rounds);
    }
  }
}
