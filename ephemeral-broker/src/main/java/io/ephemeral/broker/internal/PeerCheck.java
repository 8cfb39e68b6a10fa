package io.ephemeral.broker.internal;

import io.ephemeral.broker.PeerAccess;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Decides from a connection's peer credentials whether it may talk to the broker. Where the
 * operating system has no peer credentials (Windows) every connection passes and the socket's file
 * mode is the only guard. The broker's {@code user} and {@code group} are those of its socket file
 * ({@link #forSocket}).
 */
record PeerCheck(PeerAccess access, UserPrincipal user, GroupPrincipal group) {
  /** The check for a broker whose socket is {@code socket}; the socket file's owner is "us". */
  static PeerCheck forSocket(PeerAccess access, Path socket) throws IOException {
    PosixFileAttributes attrs = Files.readAttributes(socket, PosixFileAttributes.class);
    return new PeerCheck(access, attrs.owner(), attrs.group());
  }

  static UserPrincipal lookupUser(String name) throws IOException {
    return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name);
  }

  /** Null if the peer may connect, else why not (for the refusal and the log). */
  String refusal(SocketChannel channel) {
    if (access == PeerAccess.ANY
        || !channel.supportedOptions().contains(ExtendedSocketOptions.SO_PEERCRED)) {
      return null;
    }
    UnixDomainPrincipal peer;
    try {
      peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
    } catch (IOException | UnsupportedOperationException e) {
      return "its credentials could not be read (" + e.getMessage() + ")";
    }
    return refusal(peer);
  }

  String refusal(UnixDomainPrincipal peer) {
    if (access == PeerAccess.ANY || peer.user().equals(user)) {
      return null;
    }
    if (access == PeerAccess.SAME_GROUP && peer.group().equals(group)) {
      return null;
    }
    return "user "
        + peer.user().getName()
        + " is not "
        + (access == PeerAccess.SAME_GROUP
            ? "the broker's user " + user.getName() + " nor in its group " + group.getName()
            : "the broker's user " + user.getName());
  }
}
