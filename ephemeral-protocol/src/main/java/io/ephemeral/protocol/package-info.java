/**
 * Wire formats shared by broker and clients, no I/O.
 *
 * <ul>
 *   <li>{@link io.ephemeral.protocol.ErrorCodes}: the error strings of KV responses.
 *   <li>{@link io.ephemeral.protocol.GatewayErrorCodes}: the error codes of the service gateway.
 *   <li>{@link io.ephemeral.protocol.JsJson}: JSON exactly as Node's {@code JSON.parse} and {@code
 *       JSON.stringify} see it, which is what request signatures are computed over.
 *   <li>{@link io.ephemeral.protocol.Msgpackr}: msgpackr's MessagePack rules (numbers, dates,
 *       {@code undefined}, map keys), for the broker's conversions and the Java service client.
 *   <li>{@link io.ephemeral.protocol.Hmac}: HMAC-SHA256 signing and verification of KV requests,
 *       compatible with the Node {@code ephemeral-broker} broker and client.
 * </ul>
 *
 * <p>Everything here is pure computation on byte arrays and strings: no sockets, threads, clocks or
 * logging, so both sides and their tests can use it freely.
 */
package io.ephemeral.protocol;
