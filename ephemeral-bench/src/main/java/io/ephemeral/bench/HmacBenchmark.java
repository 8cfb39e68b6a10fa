package io.ephemeral.bench;

import io.ephemeral.protocol.Hmac;
import io.ephemeral.protocol.JsJson;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a broker with a secret adds per request: canonical JSON of the request, then HMAC-SHA256.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-XX:+UseSerialGC")
public class HmacBenchmark {
  final Hmac hmac = Hmac.withSecret("bench-secret");
  final byte[] set =
      ("{\"action\":\"set\",\"key\":\"k123\",\"value\":\"" + "x".repeat(100) + "\",\"ttl\":60000}")
          .getBytes(StandardCharsets.UTF_8);
  final byte[] signedSet = hmac.signRequest(set);
  final byte[] signedGet =
      hmac.signRequest("{\"action\":\"get\",\"key\":\"k123\"}".getBytes(StandardCharsets.UTF_8));

  @Benchmark
  public byte[] canonicalizeSet() {
    return JsJson.canonicalize(set);
  }

  @Benchmark
  public boolean verifySignedSet() {
    return hmac.verifyRequest(signedSet, 0, signedSet.length);
  }

  @Benchmark
  public boolean verifySignedGet() {
    return hmac.verifyRequest(signedGet, 0, signedGet.length);
  }
}
