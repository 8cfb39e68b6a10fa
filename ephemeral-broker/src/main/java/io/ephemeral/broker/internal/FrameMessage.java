package io.ephemeral.broker.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The routing fields of one gateway frame, picked out by {@link FramePeeker}. Reused for every
 * frame (loop thread only). {@code params}, {@code data} and {@code error} bodies are never
 * decoded: the frame is forwarded as the bytes it arrived in.
 */
final class FrameMessage {
  enum Encoding {
    JSON,
    MSGPACK
  }

  Encoding encoding;
  String type;
  String id;
  String from;
  String to;
  String method;
  String status;
  String errorCode;
  String serviceName;
  final List<String> methods = new ArrayList<>();
  boolean methodsValid;
  String version;
  String auth; // REGISTER's proof of the broker's secret
  String poolKey; // metadata.poolKey: what every connection of one pool presents
  boolean anonymous; // REGISTER: anonymous is true (an anonymous caller)
  boolean poolMember; // metadata.poolIndex is a number
  double poolIndex;
  double poolSize; // 0 when absent
  boolean hasContext;
  boolean contextValid; // an object whose deadline and depth (when present) are numbers
  boolean hasDeadline;
  double deadline;
  boolean hasDepth;
  double depth;

  /** Raw bytes of the context value within the body, to copy into gateway-made responses. */
  int contextOff;

  int contextLen;

  void reset(Encoding encoding) {
    this.encoding = encoding;
    type = null;
    id = null;
    from = null;
    to = null;
    method = null;
    status = null;
    errorCode = null;
    serviceName = null;
    methods.clear();
    methodsValid = false;
    version = null;
    auth = null;
    poolKey = null;
    anonymous = false;
    poolMember = false;
    poolIndex = 0;
    poolSize = 0;
    hasContext = false;
    contextValid = false;
    hasDeadline = false;
    deadline = 0;
    hasDepth = false;
    depth = 0;
    contextOff = 0;
    contextLen = 0;
  }
}
