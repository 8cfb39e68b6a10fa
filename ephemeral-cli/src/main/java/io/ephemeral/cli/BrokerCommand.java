package io.ephemeral.cli;

import picocli.CommandLine.Command;

/** The root command of the {@code ephemeral-broker} launcher; its one subcommand is start. */
@Command(
    name = "ephemeral-broker",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    usageHelpAutoWidth = true,
    description = "In-memory key/value broker with TTL and leases on a private Unix-domain socket.",
    footer = {"", "Run 'ephemeral-broker start --help' for the flags."})
final class BrokerCommand {}
