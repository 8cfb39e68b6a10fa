package io.ephemeral.client;

import io.ephemeral.protocol.Hmac;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Turns a request payload into the line to send: as it is, or signed with the shared secret. */
final class Signer {
  /** Made on first use: only replay protection needs it, and seeding it takes a while. */
  private static final class Nonces {
    static final SecureRandom RANDOM = new SecureRandom();
  }

  private final Hmac hmac;
  private final boolean replayProtection;

  /** {@code secret} null: requests go unsigned. */
  Signer(String secret, boolean replayProtection) {
    this.hmac = secret == null ? null : Hmac.withSecret(secret);
    this.replayProtection = replayProtection;
  }

  boolean signs() {
    return hmac != null;
  }

  /**
   * The line to send: the payload as is, or signed; with replay protection the signed payload also
   * carries the time and a fresh random nonce. A retry resends the same line, so a request that did
   * reach the broker the first time is refused as a replay rather than run twice.
   *
   * @param what the request, for the message of a signing failure
   * @throws IllegalArgumentException if the payload cannot be signed
   */
  byte[] sign(byte[] payload, String what) {
    if (hmac == null) {
      return payload;
    }
    try {
      byte[] p = payload;
      if (replayProtection) {
        byte[] nonce = new byte[16];
        Nonces.RANDOM.nextBytes(nonce);
        p = Hmac.withReplayFields(p, System.currentTimeMillis(), HexFormat.of().formatHex(nonce));
      }
      return hmac.signRequest(p);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(what + ": cannot sign the request: " + e.getMessage(), e);
    }
  }
}
