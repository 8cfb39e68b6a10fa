package io.ephemeral.store.redis;

import java.util.function.Function;

/**
 * One store call as Redis runs it: a script with its arguments and how to read its reply, or
 * (script null) a plain read of one item, a GET and a PTTL of its key ({@link
 * RedisStore#nativeGet}).
 */
record Invocation<T>(Scripts script, byte[][] args, Function<Object, T> decode) {}
