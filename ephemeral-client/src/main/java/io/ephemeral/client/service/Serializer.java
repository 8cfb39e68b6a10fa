package io.ephemeral.client.service;

/**
 * How a {@link ServiceClient} encodes the frames it sends. Incoming frames are read in either
 * encoding: a body that starts with <code>{</code> is JSON, anything else is MessagePack.
 *
 * <p>The gateway answers each connection in the encoding it uses and transcodes between caller and
 * callee, so services with different serializers can call each other.
 */
public enum Serializer {
  /** UTF-8 JSON text, as {@code JSON.stringify} writes it. The default of this client. */
  JSON,
  /**
   * MessagePack, readable by msgpackr's default {@code unpack}: integers that fit 32 bits are
   * written as integers, larger integral values (timestamps, deadlines, Java {@code long}s) as
   * float64, never as int64 (which Node would turn into a {@code BigInt}). Floating-point values
   * are always float64. On decoding, an integral float64 outside the 32-bit range and within
   * ±2<sup>53</sup> becomes a {@code long}, so Java {@code long}s survive the trip.
   */
  MSGPACK
}
