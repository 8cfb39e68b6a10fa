package io.ephemeral.protocol;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 request signing and verification as the Node broker and client do it.
 *
 * <p>A request is signed over the canonical JSON ({@link JsJson}) of the request without its {@code
 * hmac} member, not over the bytes sent, and carries the digest as the hex string member {@code
 * hmac}. Instances are immutable and thread-safe.
 */
public final class Hmac {

  /*
   * Implementation notes.
   *
   * javax.crypto.Mac is stateful and not thread-safe. Each call clones a keyed prototype (cheaper
   * than re-keying: the inner and outer pads are already absorbed); providers whose Mac is not
   * Cloneable get a freshly initialised instance per call instead.
   *
   * Verification mirrors the Node broker: parse, take the top-level hmac (last occurrence wins,
   * as in JSON.parse), delete it, JSON.stringify the rest, HMAC, then compare against
   * Buffer.from(hmac, 'hex') with a length check and timingSafeEqual. Node's hex decoder is
   * lenient: it stops at the first pair that is not two hex digits and drops an odd last nibble,
   * so "<64 hex>zz" and "<64 hex>a" verify. One deliberate difference: for strings containing
   * characters above U+00FF, Node looks only at the low byte of each UTF-16 unit (so U+0130
   * counts as '0'); here any non-ASCII character is simply not a hex digit. A Node client never
   * sends such a string, and accepting it would only widen what a forged request may look like.
   */

  private static final String ALGORITHM = "HmacSHA256";

  /** HMAC-SHA256 output length. */
  private static final int DIGEST_BYTES = 32;

  private static final byte[] HMAC_MEMBER = ",\"hmac\":\"".getBytes(StandardCharsets.US_ASCII);

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final byte[] key;
  private final Mac prototype;
  private final boolean cloneable;

  private Hmac(byte[] key) {
    this.key = key;
    this.prototype = newMac(key);
    boolean canClone;
    try {
      prototype.clone();
      canClone = true;
    } catch (CloneNotSupportedException e) {
      canClone = false;
    }
    this.cloneable = canClone;
  }

  /**
   * Returns a signer/verifier for {@code secret}; the key is its UTF-8 encoding, as Node's {@code
   * crypto.createHmac('sha256', secret)} uses (a lone surrogate encodes as U+FFFD).
   *
   * @throws IllegalArgumentException if {@code secret} is null or empty (the Node broker treats an
   *     empty secret as "authentication off", never as a key)
   */
  public static Hmac withSecret(String secret) {
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("secret must be a non-empty string");
    }
    return new Hmac(Utf8.encode(secret));
  }

  /**
   * Signs a request as the Node client does. Returns the exact line to send, without the trailing
   * newline: the canonical form of {@code payloadObject} with {@code "hmac":"<lowercase hex>"}
   * appended as its last member, the digest computed over that canonical form.
   *
   * @param payloadObject a UTF-8 JSON object without a top-level {@code hmac} member
   * @throws JsJsonException if {@code payloadObject} is not valid JSON or exceeds a limit
   * @throws IllegalArgumentException if it is valid JSON but not an object, or already has an
   *     {@code hmac} member
   * @throws NullPointerException if {@code payloadObject} is null
   */
  public byte[] signRequest(byte[] payloadObject) {
    Object root = JsJson.parse(payloadObject, 0, payloadObject.length, JsJson.DEFAULT_MAX_DEPTH);
    if (!(root instanceof JsObject object)) {
      throw new IllegalArgumentException("payload must be a JSON object");
    }
    if (object.has("hmac")) {
      // JS would overwrite the value in place, producing a line that can never verify.
      throw new IllegalArgumentException("payload already has an hmac member");
    }
    byte[] canonical = JsJson.serialize(object);
    byte[] hex = hex(mac(canonical)).getBytes(StandardCharsets.US_ASCII);
    boolean empty = canonical.length == 2;
    int prefix = canonical.length - 1;
    int skip = empty ? 1 : 0; // "{}" gets {"hmac":..} rather than {,"hmac":..}
    byte[] line = new byte[prefix + HMAC_MEMBER.length - skip + hex.length + 2];
    System.arraycopy(canonical, 0, line, 0, prefix);
    int n = prefix;
    System.arraycopy(HMAC_MEMBER, skip, line, n, HMAC_MEMBER.length - skip);
    n += HMAC_MEMBER.length - skip;
    System.arraycopy(hex, 0, line, n, hex.length);
    n += hex.length;
    line[n++] = '"';
    line[n] = '}';
    return line;
  }

  /**
   * Verifies a request line as the Node broker does: true only if {@code line[off, off+len)} is a
   * JSON object whose top-level {@code hmac} member is a non-empty string that matches the HMAC of
   * the canonical form of the object without that member. Never throws: any malformed input,
   * including null or out-of-range bounds, gives false.
   */
  public boolean verifyRequest(byte[] line, int off, int len) {
    return verified(line, off, len) != null;
  }

  /**
   * Verifies like {@link #verifyRequest} and, if the request verifies, returns what its signed
   * payload says for replay protection: the members {@code ts} and {@code nonce}. Returns null if
   * the request does not verify. Never throws.
   */
  public Signed verifySigned(byte[] line, int off, int len) {
    JsObject object = verified(line, off, len);
    if (object == null) {
      return null;
    }
    double ts = Double.NaN;
    if (object.get("ts") instanceof JsJson.Raw raw
        && raw != JsJson.TRUE
        && raw != JsJson.FALSE
        && raw != JsJson.NULL) {
      ts = Double.parseDouble(raw.json);
    }
    Object nonce = object.get("nonce");
    return new Signed(ts, nonce instanceof String s ? s : null);
  }

  /** The replay-protection members of a verified request (see {@link #verifySigned}). */
  public static final class Signed {
    private final double timestamp;
    private final String nonce;

    private Signed(double timestamp, String nonce) {
      this.timestamp = timestamp;
      this.nonce = nonce;
    }

    /**
     * The signed {@code ts} member (epoch milliseconds), or NaN if it is missing or not a number.
     */
    public double timestamp() {
      return timestamp;
    }

    /** The signed {@code nonce} member, or null if it is missing or not a string. */
    public String nonce() {
      return nonce;
    }
  }

  /**
   * Adds the replay-protection members {@code ts} and {@code nonce} to a request payload (a JSON
   * object) before it is signed: {@code {..., "ts":<timestampMillis>, "nonce":"<nonce>"}}.
   *
   * @throws IllegalArgumentException if {@code payloadObject} does not end with '}' or the nonce is
   *     empty or not plain printable ASCII
   */
  public static byte[] withReplayFields(byte[] payloadObject, long timestampMillis, String nonce) {
    Objects.requireNonNull(payloadObject, "payloadObject");
    Objects.requireNonNull(nonce, "nonce");
    if (nonce.isEmpty()) {
      throw new IllegalArgumentException("nonce must not be empty");
    }
    for (int i = 0; i < nonce.length(); i++) {
      char c = nonce.charAt(i);
      if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
        throw new IllegalArgumentException(
            "nonce must be printable ASCII without quotes or backslashes");
      }
    }
    int close = payloadObject.length - 1;
    while (close >= 0 && isJsonSpace(payloadObject[close])) {
      close--;
    }
    if (close < 0 || payloadObject[close] != '}') {
      throw new IllegalArgumentException("payload must be a JSON object");
    }
    int last = close - 1;
    while (last >= 0 && isJsonSpace(payloadObject[last])) {
      last--;
    }
    boolean empty = last >= 0 && payloadObject[last] == '{';
    byte[] members =
        ((empty ? "" : ",") + "\"ts\":" + timestampMillis + ",\"nonce\":\"" + nonce + "\"}")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(payloadObject, close + members.length);
    System.arraycopy(members, 0, out, close, members.length);
    return out;
  }

  private static boolean isJsonSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
  }

  /** The request without its hmac member if it verifies, else null. */
  private JsObject verified(byte[] line, int off, int len) {
    try {
      if (line == null || off < 0 || len < 0 || off > line.length - len) {
        return null;
      }
      Object root = JsJson.parse(line, off, len, JsJson.DEFAULT_MAX_DEPTH);
      if (!(root instanceof JsObject object)) {
        return null;
      }
      Object received = object.remove("hmac");
      if (!(received instanceof String hex) || hex.isEmpty()) {
        return null;
      }
      byte[] expected = mac(JsJson.serialize(object));
      // One byte more than a digest is enough to tell "too long" from "exactly right".
      byte[] actual = decodeHexLeniently(hex, DIGEST_BYTES + 1);
      return actual.length == DIGEST_BYTES && MessageDigest.isEqual(expected, actual)
          ? object
          : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * The proof of the secret that a gateway connection puts in the {@code auth} member of its
   * REGISTER frame: the lowercase hex HMAC-SHA256 of the UTF-8 bytes of {@code
   * JSON.stringify({type: "REGISTER", serviceName})}. It binds the secret to the name registered,
   * so a proof seen for one name registers no other.
   */
  public String registrationProof(String serviceName) {
    return hex(mac(registrationPayload(serviceName)));
  }

  /**
   * Whether {@code proof} is {@link #registrationProof} of {@code serviceName}: exactly 64 hex
   * digits (either case), compared in constant time. Never throws; null gives false.
   */
  public boolean verifyRegistrationProof(String serviceName, String proof) {
    if (serviceName == null || proof == null || proof.length() != 2 * DIGEST_BYTES) {
      return false;
    }
    byte[] given = decodeHexLeniently(proof, DIGEST_BYTES);
    return given.length == DIGEST_BYTES
        && MessageDigest.isEqual(given, mac(registrationPayload(serviceName)));
  }

  private static byte[] registrationPayload(String serviceName) {
    StringBuilder json = new StringBuilder("{\"type\":\"REGISTER\",\"serviceName\":");
    JsJson.quote(serviceName, json);
    return Utf8.encode(json.append('}'));
  }

  /**
   * Returns the lowercase hex HMAC-SHA256 of {@code data}.
   *
   * @throws NullPointerException if {@code data} is null
   */
  public String hexDigest(byte[] data) {
    Objects.requireNonNull(data, "data");
    return hex(mac(data));
  }

  private byte[] mac(byte[] data) {
    Mac mac;
    if (cloneable) {
      try {
        mac = (Mac) prototype.clone();
      } catch (CloneNotSupportedException e) {
        mac = newMac(key);
      }
    } else {
      mac = newMac(key);
    }
    return mac.doFinal(data);
  }

  private static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return mac;
    } catch (GeneralSecurityException e) {
      // Every Java SE runtime must provide HmacSHA256.
      throw new IllegalStateException(ALGORITHM + " is not available", e);
    }
  }

  private static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX[bytes[i] & 0xF];
    }
    return new String(out);
  }

  /**
   * Node's {@code Buffer.from(s, 'hex')}, capped at {@code maxBytes}: decodes pairs until the first
   * pair that is not two hex digits; an odd trailing digit is dropped.
   */
  static byte[] decodeHexLeniently(String s, int maxBytes) {
    int pairs = Math.min(s.length() / 2, maxBytes);
    byte[] out = new byte[pairs];
    int n = 0;
    while (n < pairs) {
      int high = Escapes.hexDigit(s.charAt(2 * n));
      int low = Escapes.hexDigit(s.charAt(2 * n + 1));
      if (high < 0 || low < 0) {
        break;
      }
      out[n++] = (byte) ((high << 4) | low);
    }
    return n == pairs ? out : Arrays.copyOf(out, n);
  }
}
