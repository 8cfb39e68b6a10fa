/**
 * The command line of ephemeral-broker: one jar, two launchers.
 *
 * <ul>
 *   <li>{@code ephemeral-broker start [flags] [-- CMD ARGS...]} ({@code Main start ...}) starts a
 *       broker on a private Unix-domain socket. With a command it runs the command with {@code
 *       EPHEMERAL_PIPE} (and {@code EPHEMERAL_SECRET}) in its environment, forwards SIGINT and
 *       SIGTERM to it and exits with its status; without one it serves until a signal.
 *   <li>{@code brokerctl [--pipe P] [--secret S] COMMAND} ({@code Main ctl ...}) sends one request
 *       to a running broker: get, set, del, list, stats, ping, lease, release, health, metrics.
 * </ul>
 *
 * <p>Only {@link io.ephemeral.cli.Main} (the entry point) is public. Logging goes through SLF4J to
 * java.util.logging, configured from {@code logging.properties} to write each line verbatim to
 * standard error: the broker formats its own lines (text or one JSON object per line), and standard
 * output stays the child's.
 */
package io.ephemeral.cli;
