package io.ephemeral.broker.internal;

import io.ephemeral.broker.PeerAccess;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Where the socket lives and how it is claimed: a fresh private directory (0700) under the temp
 * directory holding {@code broker-<id>.sock} (0600), or exactly the path the user asked for. A
 * socket file that still answers means another broker is live; one that refuses is stale and is
 * removed.
 */
final class SocketPaths {
  /**
   * Longest socket path the JDK binds: sizeof(sun_path) - 2, i.e. 106 bytes on Linux, 102 on macOS.
   * Checked up front so the error says what to do instead of "path too long".
   */
  static final int MAX_PATH_BYTES =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac") ? 102 : 106;

  private static final SecureRandom RANDOM = new SecureRandom();

  private SocketPaths() {}

  /** A bound server socket and what to remove when it closes. */
  record Bound(ServerSocketChannel server, Path socket, Path ownedDirectory) {
    /** Closes the server and removes the socket file and the directory we created. Never throws. */
    void close() {
      try {
        server.close();
      } catch (IOException ignored) {
        // Closing a listening socket only fails if it is already closed.
      }
      deleteQuietly(socket);
      if (ownedDirectory != null) {
        deleteQuietly(ownedDirectory);
      }
    }
  }

  static Bound bind(BrokerConfig config) throws IOException {
    if (config.socketPath() != null) {
      Path socket = config.socketPath();
      checkLength(socket, "the --socket path / socketPath option");
      claim(socket);
      return new Bound(listen(socket, config.peerAccess()), socket, null);
    }
    String id = config.pipeId() != null ? config.pipeId() : randomId();
    Path tmp = tempDirectory(config);
    Path dir = tmp.resolve("eph-" + id);
    Path socket = dir.resolve("broker-" + id + ".sock");
    checkLength(socket, "TMPDIR");
    boolean created = createPrivateDirectory(dir, config.pipeId() != null);
    try {
      if (created && config.peerAccess() != PeerAccess.SAME_USER) {
        Files.setPosixFilePermissions(
            dir, PosixFilePermissions.fromString(directoryMode(config.peerAccess())));
      }
      claim(socket);
      return new Bound(listen(socket, config.peerAccess()), socket, dir);
    } catch (IOException | RuntimeException e) {
      if (created) {
        deleteQuietly(dir);
      }
      throw e;
    }
  }

  static String randomId() {
    byte[] bytes = new byte[6];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static Path tempDirectory(BrokerConfig config) {
    String tmp = config.environment().get("TMPDIR");
    if (tmp == null || tmp.isBlank()) {
      tmp = System.getProperty("java.io.tmpdir");
    }
    return Paths.get(tmp).toAbsolutePath();
  }

  private static void checkLength(Path socket, String fix) throws IOException {
    int bytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_PATH_BYTES) {
      String hint =
          fix.equals("TMPDIR")
              ? "set TMPDIR to a shorter directory (e.g. TMPDIR=/tmp)"
              : "choose a shorter path";
      throw new IOException(
          "Socket path too long ("
              + bytes
              + " bytes, the limit for Unix-domain sockets here is "
              + MAX_PATH_BYTES
              + "): "
              + socket
              + "; "
              + hint);
    }
  }

  /** Creates dir with mode 0700. With a fixed pipe id an existing directory of ours is reused. */
  private static boolean createPrivateDirectory(Path dir, boolean mayExist) throws IOException {
    try {
      Files.createDirectory(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      // The umask may only remove bits, but set the mode explicitly so it never depends on it.
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      return true;
    } catch (FileAlreadyExistsException e) {
      if (!mayExist || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(
            "Cannot create private socket directory " + dir + ": it already exists");
      }
      // Reused only if it is ours and nobody else can write into it.
      var perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
      boolean ours =
          Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS)
              .getName()
              .equals(System.getProperty("user.name"));
      if (!ours
          || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
          || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
        throw new IOException(
            "Socket directory " + dir + " exists but is not private to this user; remove it");
      }
      return false;
    }
  }

  /** Makes the path free to bind: refuses if a live broker answers, removes a stale socket. */
  private static void claim(Path socket) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException free) {
      return;
    }
    if (!attrs.isOther()) {
      throw new IOException("Refusing to replace " + socket + ": it exists and is not a socket");
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(socket));
      throw new IOException("Broker already running on " + socket);
    } catch (ConnectException stale) {
      Files.deleteIfExists(socket);
    }
  }

  private static String socketMode(PeerAccess access) {
    return access == PeerAccess.SAME_USER
        ? "rw-------"
        : access == PeerAccess.SAME_GROUP ? "rw-rw----" : "rw-rw-rw-";
  }

  private static String directoryMode(PeerAccess access) {
    return access == PeerAccess.SAME_USER
        ? "rwx------"
        : access == PeerAccess.SAME_GROUP ? "rwxr-x---" : "rwxr-xr-x";
  }

  private static ServerSocketChannel listen(Path socket, PeerAccess access) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(socket), 1024);
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(socketMode(access)));
      server.configureBlocking(false);
      return server;
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // Best effort: a directory someone put files into is left alone rather than wiped.
    }
  }
}
