package io.ephemeral.broker.internal;

import io.ephemeral.protocol.ErrorCodes;

/**
 * The built-in KV actions, served either from this broker's memory ({@link KvCommands}) or from a
 * shared store ({@link RemoteKvCommands}). Their central checks (which members each needs, its TTL
 * rule, whether the value size is checked) are declared once, in {@link #registerAll}, so both
 * stores answer a malformed request alike.
 */
interface KvActions {
  void get(Request r, Reply reply);

  void set(Request r, Reply reply);

  void del(Request r, Reply reply);

  void list(Request r, Reply reply);

  void ping(Request r, Reply reply);

  void stats(Request r, Reply reply);

  void health(Request r, Reply reply);

  void lease(Request r, Reply reply);

  void release(Request r, Reply reply);

  /** Adds the nine actions of {@code a} to {@code table}, with their checks. */
  static void registerAll(CommandTable table, KvActions a) {
    Command.Ttl none = Command.Ttl.IGNORED;
    table.add(new Command("get", ErrorCodes.NOT_FOUND, null, none, false, a::get));
    table.add(
        new Command(
            "set", ErrorCodes.INVALID_REQUEST, null, Command.Ttl.REQUIRED_BY_CONFIG, true, a::set));
    table.add(new Command("del", null, null, none, false, a::del));
    table.add(new Command("list", null, null, none, false, a::list));
    table.add(new Command("ping", null, null, none, false, a::ping));
    table.add(new Command("stats", null, null, none, false, a::stats));
    table.add(new Command("health", null, null, none, false, a::health));
    table.add(
        new Command(
            "lease",
            ErrorCodes.KEY_AND_WORKER_REQUIRED,
            ErrorCodes.KEY_AND_WORKER_REQUIRED,
            Command.Ttl.OPTIONAL,
            false,
            a::lease));
    table.add(new Command("release", null, ErrorCodes.WORKER_REQUIRED, none, false, a::release));
  }
}
