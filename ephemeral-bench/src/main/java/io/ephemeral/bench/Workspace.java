package io.ephemeral.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's temporary directory and what the run started (servers, peers, busy processes): closed in
 * reverse order, and the directory deleted, when the run ends, or when the JVM exits first
 * (Ctrl-C).
 */
final class Workspace implements AutoCloseable {
  final Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final Thread cleanup = new Thread(() -> Main.closeAll(open));

  Workspace() throws IOException {
    dir = Main.tempDir();
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  /** Closes {@code part} with the run; returns it. */
  <T extends AutoCloseable> T add(T part) {
    open.add(part);
    return part;
  }

  @Override
  public void close() {
    Main.closeAll(open);
    Runtime.getRuntime().removeShutdownHook(cleanup);
    Main.deleteTree(dir);
  }
}
