package io.ephemeral.broker;

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
  ANY
}
