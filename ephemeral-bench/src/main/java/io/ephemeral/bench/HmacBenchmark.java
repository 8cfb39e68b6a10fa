package io.ephemeral.bench;

import io.ephemeral.protocol.Hmac;
import io.ephemeral.protocol.JsJson;
import java.nio.charset.StandardCharsets;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * What a broker with a secret adds per request: canonical JSON of the request, then HMAC-SHA256.
 */
public class HmacBenchmark extends MicroBenchmark {
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
