package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.PeerAccess;
import io.ephemeral.broker.WireClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.net.UnixDomainPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only the broker's own user may connect by default, checked with the peer's credentials. */
class PeerAccessTest {
  @TempDir Path tmp;

  @Test
  void peerCredentialsDecide() throws Exception {
    Path file = Files.createFile(tmp.resolve("f"));
    UserPrincipal me = Files.getOwner(file);
    GroupPrincipal myGroup =
        Files.readAttributes(file, java.nio.file.attribute.PosixFileAttributes.class).group();
    UserPrincipal nobody = PeerCheck.lookupUser("nobody");
    GroupPrincipal nogroup =
        java.nio.file.FileSystems.getDefault()
            .getUserPrincipalLookupService()
            .lookupPrincipalByGroupName("nogroup");
    // The broker runs as me, in myGroup.
    PeerCheck sameUser = new PeerCheck(PeerAccess.SAME_USER, me, myGroup);
    PeerCheck sameGroup = new PeerCheck(PeerAccess.SAME_GROUP, me, myGroup);
    PeerCheck any = new PeerCheck(PeerAccess.ANY, me, myGroup);
    assertThat(sameUser.refusal(new UnixDomainPrincipal(me, myGroup))).isNull();
    assertThat(sameUser.refusal(new UnixDomainPrincipal(nobody, nogroup))).contains("nobody");
    assertThat(sameGroup.refusal(new UnixDomainPrincipal(nobody, myGroup))).isNull();
    assertThat(sameGroup.refusal(new UnixDomainPrincipal(nobody, nogroup))).contains("group");
    assertThat(any.refusal(new UnixDomainPrincipal(nobody, nogroup))).isNull();
  }

  @Test
  void aProcessOfAnotherUserIsRefusedAndCounted() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path socket = tmp.resolve("open.sock");
    try (BrokerFixture f = new BrokerFixture(b -> b.socketPath(socket))) {
      // Even if the socket file were opened up to everyone, the credentials check still refuses.
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
      Process other =
          new ProcessBuilder(
                  "runuser",
                  "-u",
                  "nobody",
                  "--",
                  "/usr/bin/python3",
                  "-c",
                  "import socket,sys\n"
                      + "s=socket.socket(socket.AF_UNIX)\n"
                      + "s.connect(sys.argv[1])\n"
                      // The broker may answer and close before the request is written: that is the
                      // refusal.
                      + "try:\n  s.sendall(b'{\"action\":\"ping\"}\\n')\nexcept OSError:\n  pass\n"
                      + "print(s.makefile().readline().strip())\n",
                  socket.toString())
              .redirectErrorStream(true)
              .start();
      assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
      String answer =
          new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertThat(answer).startsWith("{\"ok\":false,\"error\":\"forbidden\"").contains("nobody");
      assertThat(
              f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}")
                  .get("metrics")
                  .get("connections")
                  .get("refused")
                  .get("peer_credentials")
                  .asInt())
          .isEqualTo(1);
      // The broker's own user is served as always.
      assertThat(f.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void socketModesFollowTheAccessSetting() throws Exception {
    for (Map.Entry<PeerAccess, String> e :
        Map.of(
                PeerAccess.SAME_USER,
                "rw-------",
                PeerAccess.SAME_GROUP,
                "rw-rw----",
                PeerAccess.ANY,
                "rw-rw-rw-")
            .entrySet()) {
      try (BrokerFixture f = new BrokerFixture(b -> b.peerAccess(e.getKey()))) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f.socket)))
            .isEqualTo(e.getValue());
      }
    }
  }

  @Test
  void connectionsBeyondTheLimitAreRefused() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxConnections(2))) {
      WireClient one = f.client();
      WireClient two = f.client();
      assertThat(one.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      assertThat(two.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      try (WireClient three = new WireClient(f.socket)) {
        assertThat(three.call("{\"action\":\"ping\"}"))
            .startsWith("{\"ok\":false,\"error\":\"too_many_connections\"");
      }
      one.close();
      // Once the broker has seen the close, a new connection is served again; until then a new
      // connection is refused, and says so.
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
      while (true) {
        try (WireClient again = new WireClient(f.socket)) {
          String answer = again.call("{\"action\":\"ping\"}");
          if (answer.startsWith("{\"ok\":true")) {
            break;
          }
          assertThat(answer).startsWith("{\"ok\":false,\"error\":\"too_many_connections\"");
        }
        assertThat(System.nanoTime()).as("a freed connection slot").isLessThan(deadline);
      }
    }
  }
}
