package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One decoded frame: the envelope's string fields; {@code params} and {@code data} as the bytes
 * they were sent in (copied out of the read buffer, never parsed here); and as trees the small
 * values the client inspects ({@code error}, {@code context}). A field that is absent, or whose
 * value is not a string, is null, as {@code JsonNode.get(...) .textValue()} would read it from the
 * whole tree.
 */
final class WireMessage {
  /** Whether the frame, and so {@code params} and {@code data}, is MessagePack. */
  boolean msgpack;

  String type;
  String id;
  String from;

  /** The value of {@code from} when it is not a string (echoed as the response's {@code to}). */
  JsonNode fromOther;

  String to;
  String method;
  String status;

  /** REGISTER_ACK to an anonymous caller: the identity the gateway gave it. */
  String caller;

  byte[] params;
  byte[] data;
  JsonNode error;
  JsonNode context;
}
