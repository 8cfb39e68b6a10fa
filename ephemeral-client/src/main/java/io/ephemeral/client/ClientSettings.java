package io.ephemeral.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * A {@link BrokerClient.Builder}'s options resolved once, in {@code build()}: an option set on the
 * builder wins, else its environment variable, else its default.
 */
final class ClientSettings {
  final Path pipe;

  /** Where the pipe came from, for messages: {@code EPHEMERAL_PIPE=…}, {@code pipe=…}, a scope. */
  final String pipeLabel;

  final String secret;
  final boolean replayProtection;
  final Duration timeout;
  final boolean allowNoTtl;
  final boolean compression;
  final int compressionThreshold;
  final int maxDecompressedBytes;
  final boolean debug;
  final ClientMapper mapper;
  final Executor executor;

  private ClientSettings(BrokerClient.Builder b, ClientEnvironment vars) {
    if (b.scope != null) {
      pipe = b.scope.socket();
      pipeLabel = b.scope.toString();
    } else if (b.pipe != null) {
      pipe = b.pipe;
      pipeLabel = "pipe=" + b.pipe;
    } else {
      String env = vars.get("EPHEMERAL_PIPE");
      if (env == null) {
        throw new IllegalStateException(
            "EPHEMERAL_PIPE is not set: start the client under a running broker (which exports "
                + "EPHEMERAL_PIPE to the processes it starts), pass the socket path with "
                + "BrokerClient.builder().pipe(path), or use BrokerClient.forBuild()");
      }
      try {
        pipe = Path.of(env);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("EPHEMERAL_PIPE is not a valid path: " + env, e);
      }
      pipeLabel = "EPHEMERAL_PIPE=" + env;
    }
    String s = b.secretSet ? b.secret : vars.get("CLIENT_SECRET");
    if (!b.secretSet && s == null) {
      s = vars.get("EPHEMERAL_SECRET");
    }
    secret = s != null && s.isEmpty() ? null : s;
    replayProtection = b.replayProtection;
    if (replayProtection && secret == null) {
      throw new IllegalStateException(
          "replayProtection needs a secret: only signed requests carry a timestamp and nonce "
              + "(set CLIENT_SECRET or EPHEMERAL_SECRET, or the builder's secret)");
    }
    if (b.timeout != null) {
      timeout = b.timeout;
    } else {
      Integer ms = vars.integer("CLIENT_TIMEOUT", 1);
      timeout = ms == null ? Duration.ofSeconds(5) : Duration.ofMillis(ms);
    }
    allowNoTtl =
        b.allowNoTtlOption != null ? b.allowNoTtlOption : vars.bool("CLIENT_ALLOW_NO_TTL", false);
    compression =
        b.compressionOption != null ? b.compressionOption : vars.bool("CLIENT_COMPRESSION", true);
    debug = b.debugOption != null ? b.debugOption : vars.bool("CLIENT_DEBUG", false);
    if (b.thresholdOption != null) {
      compressionThreshold = b.thresholdOption;
    } else {
      Integer t = vars.integer("CLIENT_COMPRESSION_THRESHOLD", 0);
      compressionThreshold = t == null ? 1024 : t;
    }
    maxDecompressedBytes = b.maxDecompressedBytes;
    mapper = new ClientMapper(b.objectMapper);
    executor = b.executor != null ? b.executor : AsyncExecutor.get();
  }

  /**
   * @throws IllegalStateException if no pipe is given and {@code EPHEMERAL_PIPE} is not set
   * @throws IllegalArgumentException if an environment variable does not parse
   */
  static ClientSettings resolve(BrokerClient.Builder b) {
    return new ClientSettings(b, new ClientEnvironment(b.environment));
  }
}
