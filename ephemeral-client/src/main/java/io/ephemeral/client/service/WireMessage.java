package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One decoded frame: the envelope's string fields, and as trees only the values the client hands on
 * or inspects ({@code params}, {@code data}, {@code error}, {@code context}). A field that is
 * absent, or whose value is not a string, is null, as {@code JsonNode.get(...) .textValue()} would
 * read it from the whole tree.
 */
final class WireMessage {
  String type;
  String id;
  String from;

  /** The value of {@code from} when it is not a string (echoed as the response's {@code to}). */
  JsonNode fromOther;

  String to;
  String method;
  String status;
  JsonNode params;
  JsonNode data;
  JsonNode error;
  JsonNode context;
}
