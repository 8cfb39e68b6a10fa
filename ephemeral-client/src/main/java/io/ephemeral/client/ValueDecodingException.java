package io.ephemeral.client;

/**
 * A value read from the broker could not be turned into what the caller asked for: compressed data
 * that is not valid base64 or gzip, a decompressed size above the client's {@code
 * maxDecompressedBytes} cap, text that is not JSON, or JSON that does not map to the requested Java
 * type. The message names the key.
 */
public final class ValueDecodingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;

  ValueDecodingException(String key, String message, Throwable cause) {
    super(message, cause);
    this.key = key;
  }

  /** The key whose value could not be decoded. */
  public String key() {
    return key;
  }
}
