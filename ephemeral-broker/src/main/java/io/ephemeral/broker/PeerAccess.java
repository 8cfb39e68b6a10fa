package io.ephemeral.broker;

import java.util.Locale;

/**
 * Which local users may connect, checked with the peer's credentials (SO_PEERCRED) where the
 * operating system provides them (Linux, macOS), and by the socket file's mode everywhere.
 */
public enum PeerAccess {
  /** Only the user running the broker (socket 0600 in a 0700 directory). The default. */
  SAME_USER,
  /** Users of the broker's primary group too (socket 0660, directory 0750). */
  SAME_GROUP,
  /** Any local user (socket 0666, directory 0755): rely on HMAC secrets. */
  ANY;

  static PeerAccess parse(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT).replace('-', '_')) {
      case "same_user":
      case "user":
        return SAME_USER;
      case "same_group":
      case "group":
        return SAME_GROUP;
      case "any":
        return ANY;
      default:
        throw new IllegalArgumentException(
            "unknown peer access '" + text + "' (expected user, group or any)");
    }
  }

  String socketMode() {
    return this == SAME_USER ? "rw-------" : this == SAME_GROUP ? "rw-rw----" : "rw-rw-rw-";
  }

  String directoryMode() {
    return this == SAME_USER ? "rwx------" : this == SAME_GROUP ? "rwxr-x---" : "rwxr-xr-x";
  }
}
