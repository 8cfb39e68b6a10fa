package io.ephemeral.client;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A named scope with one broker for all processes that use it, found through a private per-user
 * directory (the rendezvous) instead of a socket path: all JVMs of one build share the build's
 * scope with nothing configured, and a second terminal reaches a broker by its scope's name.
 *
 * <pre>{@code
 * try (ScopedBroker shared = BrokerScope.ofThisBuild().findOrStart();      // logs nothing itself
 *     BrokerClient client = BrokerClient.builder().pipe(shared.pipe()).build()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>{@link #findOrStart()} starts the scope's broker as a process of its own (it needs {@code
 * ephemeral-broker} on the class path) when none runs; that broker ends by itself a few seconds
 * after the last {@link ScopedBroker} of the scope was closed (or its process ended).
 */
public final class BrokerScope {
  /*
   * Implementation notes.
   *
   * Rendezvous: <TMPDIR or /tmp>/ephemeral-broker-<user>/, created 0700 and refused when it is a
   * link, belongs to another user or is open to others. Per scope, named by the first 16 hex
   * digits of the SHA-256 of the scope's name: <h>.sock (the broker's socket), <h>.pid (its pid and
   * the scope's name), <h>.log (its output). One lock file, rendezvous.lock, serialises finding,
   * starting and ending brokers: a client connects (and is answered, so the broker has accepted
   * the connection) before it releases the lock, and a scope broker ends only under the lock and
   * only while it has no connection (ScopeBroker), so a broker never ends under a client that just
   * found it. FileChannel.lock is per process, so threads of one JVM first take IN_JVM.
   */

  /** Names a scope explicitly (a variable every process of the scope inherits). */
  public static final String SCOPE_VARIABLE = "EPHEMERAL_SCOPE";

  /** Names a scope explicitly (a system property). */
  public static final String SCOPE_PROPERTY = "ephemeral.scope";

  private static final ReentrantLock IN_JVM = new ReentrantLock();

  /** How long a scope broker started from here stays without clients: a system property (ms). */
  public static final String LINGER_PROPERTY = "ephemeral.scope.linger-ms";

  private final String name;
  private final Path directory;
  private final String fileName;

  /** The linger of a broker started for this scope, ms; -1: the broker's default (5 s). */
  private final long lingerMillis;

  private BrokerScope(String name, Path directory, long lingerMillis) {
    this.name = name;
    this.directory = directory;
    this.fileName = hash(name);
    this.lingerMillis = lingerMillis;
  }

  /**
   * The scope of this name.
   *
   * @throws IllegalArgumentException if the name is empty or longer than 1,000 characters
   */
  public static BrokerScope named(String name) {
    return named(name, System::getenv);
  }

  /**
   * The scope of this name, its rendezvous directory under {@code TMPDIR} of {@code variables}.
   *
   * @throws IllegalArgumentException if the name is empty or longer than 1,000 characters
   */
  public static BrokerScope named(String name, Function<String, String> variables) {
    return named(name, variables.apply("TMPDIR"), linger(System::getProperty));
  }

  static BrokerScope named(String name, String tmpdir, long lingerMillis) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank() || name.length() > 1000) {
      throw new IllegalArgumentException(
          "A scope name must have 1 to 1000 characters and not be blank, got " + Text.quote(name));
    }
    return new BrokerScope(name, rendezvous(tmpdir), lingerMillis);
  }

  /** The scope named after a directory (its absolute path), the CLI's default. */
  public static BrokerScope ofDirectory(Path directory, Function<String, String> variables) {
    return named(directory.toAbsolutePath().normalize().toString(), variables);
  }

  /**
   * This process's scope: named by the system property {@value #SCOPE_PROPERTY} or the variable
   * {@value #SCOPE_VARIABLE}, else that of the build that started this JVM: the nearest ancestor
   * process that is a build tool (the Maven JVM of all Surefire and Failsafe forks of one
   * invocation; the Gradle daemon or Gradle JVM of the test workers), else the nearest ancestor
   * JVM, else this JVM alone. A process is named by its pid and start time, so a later build is
   * another scope even when its pid was used before. A broker started for it ends {@value
   * #LINGER_PROPERTY} ms (system property; default 5,000) after its last client left.
   */
  public static BrokerScope ofThisBuild() {
    return ofThisBuild(System::getenv, System::getProperty);
  }

  /** Like {@link #ofThisBuild()} with the given variables and system properties. */
  public static BrokerScope ofThisBuild(
      Function<String, String> variables, Function<String, String> properties) {
    String explicit = properties.apply(SCOPE_PROPERTY);
    if (explicit == null || explicit.isBlank()) {
      explicit = variables.apply(SCOPE_VARIABLE);
    }
    String name =
        explicit != null && !explicit.isBlank() ? explicit : BuildProcess.ofThisJvm().scopeName();
    return named(name, variables.apply("TMPDIR"), linger(properties));
  }

  private static long linger(Function<String, String> properties) {
    String v = properties.apply(LINGER_PROPERTY);
    if (v == null || v.isBlank()) {
      return -1;
    }
    try {
      long ms = Long.parseLong(v.trim());
      if (ms >= 0) {
        return ms;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        LINGER_PROPERTY + " must be a whole number of milliseconds, got " + Text.quote(v));
  }

  /** The linger of a broker started for this scope, ms, or -1 for the broker's default. */
  long lingerMillis() {
    return lingerMillis;
  }

  /** The scope's name. */
  public String name() {
    return name;
  }

  /** Where the scope's broker listens (whether or not it runs). */
  public Path socket() {
    return directory.resolve(fileName + ".sock");
  }

  /** The file naming the process that serves the scope: its pid, then the scope's name. */
  public Path pidFile() {
    return directory.resolve(fileName + ".pid");
  }

  /** The lock held while a broker of any scope is found, started or ended. */
  public Path lockFile() {
    return directory.resolve("rendezvous.lock");
  }

  /** The output of a broker started for the scope in the background (kept when it fails). */
  public Path logFile() {
    return directory.resolve(fileName + ".log");
  }

  /**
   * Attaches to the scope's broker, starting one when none runs. The broker stays up at least until
   * the returned handle is closed.
   *
   * @throws BrokerConnectionException (code {@code ESCOPE}) when no broker could be started, with
   *     what it printed
   * @throws IllegalStateException if the rendezvous directory is unsafe (see the message)
   */
  public ScopedBroker findOrStart() {
    return locked(
        () -> {
          Optional<ScopedBroker> found = attach();
          return found.isPresent() ? found.get() : ScopedBroker.start(this);
        });
  }

  /** Attaches to the scope's broker if one runs; never starts one. */
  public Optional<ScopedBroker> find() {
    return locked(this::attach);
  }

  /**
   * Runs {@code work} holding the rendezvous lock (e.g. to start a broker for the scope in this
   * process: check that none runs, bind {@link #socket()}, write {@link #pidFile()}).
   */
  public <T> T locked(Callable<T> work) {
    Path lock = lockFile();
    IN_JVM.lock();
    try (FileChannel ch =
            FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = ch.lock()) {
      return work.call();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot lock " + lock + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    } finally {
      IN_JVM.unlock();
    }
  }

  /**
   * Serves the scope from this process: under the rendezvous lock, refuses when a broker already
   * serves it, removes a stale socket file, runs {@code start} (which must bind {@link #socket()})
   * and records this process in the pid file. Call {@link #leave()} after the broker stopped.
   *
   * @return what {@code start} returned
   * @throws IllegalStateException if a broker serves the scope already
   */
  public <T> T serveHere(Callable<T> start) {
    return locked(
        () -> {
          Optional<ScopedBroker> running = attach();
          if (running.isPresent()) {
            running.get().close();
            throw new IllegalStateException(
                "A broker already serves " + this + ": " + running.get());
          }
          T started = start.call();
          writePidFile(ProcessHandle.current().pid());
          return started;
        });
  }

  /** Removes the pid file if it names this process (after its broker for the scope stopped). */
  public void leave() {
    locked(
        () -> {
          if (recordedPid() == ProcessHandle.current().pid()) {
            Files.deleteIfExists(pidFile());
          }
          return null;
        });
  }

  /** Records who serves the scope: the pid, then the scope's name, one per line. */
  void writePidFile(long pid) throws IOException {
    Files.writeString(pidFile(), pid + "\n" + name + "\n", StandardCharsets.UTF_8);
  }

  /** The pid in the scope's pid file, or -1. */
  long recordedPid() {
    try {
      List<String> lines = Files.readAllLines(pidFile(), StandardCharsets.UTF_8);
      return lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  private Optional<ScopedBroker> attach() {
    Path socket = socket();
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    try {
      return Optional.of(ScopedBroker.connect(this, recordedPid(), false));
    } catch (BrokerConnectionException e) {
      if (!e.code().equals("ECONNREFUSED")) {
        throw e;
      }
      // A socket file nothing listens on: its broker died. A new one may bind the path.
      try {
        Files.deleteIfExists(socket);
      } catch (IOException ignored) {
        // binding will say what is wrong
      }
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return "scope " + Text.quote(name);
  }

  /** The rendezvous directory, created private to this user, or refused when it is not. */
  private static Path rendezvous(String tmpdir) {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    Path base = Path.of(tmpdir == null || tmpdir.isEmpty() ? "/tmp" : tmpdir);
    Path dir = base.resolve("ephemeral-broker-" + user);
    try {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.createDirectories(base);
          Files.createDirectory(
              dir,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileAlreadyExistsException raced) {
          // another process made it; checked below
        } catch (UnsupportedOperationException notPosix) {
          Files.createDirectories(dir);
          return dir;
        }
      }
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw unsafe(dir, "it is not a directory (or is a link)");
      }
      if (File.separatorChar == '/') {
        String owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(System.getProperty("user.name"))) {
          throw unsafe(dir, "it belongs to " + owner);
        }
        Set<PosixFilePermission> perms =
            Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (!perms.equals(PosixFilePermissions.fromString("rwx------"))) {
          throw unsafe(dir, "its permissions are " + PosixFilePermissions.toString(perms));
        }
      }
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot create the broker rendezvous directory " + dir + ": " + e.getMessage(), e);
    }
  }

  private static IllegalStateException unsafe(Path dir, String why) {
    return new IllegalStateException(
        "The broker rendezvous directory "
            + dir
            + " is unsafe: "
            + why
            + " (it must be a directory of yours with permissions rwx------). Remove it, or "
            + "point TMPDIR elsewhere, or set EPHEMERAL_PIPE to a broker's socket");
  }

  private static String hash(String name) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
