package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** How one {@link ServiceClient} turns messages into frame bodies: its encoding and size limit. */
final class Frames {
  final Serializer serializer;
  final int maxFrameSize;

  Frames(Serializer serializer, int maxFrameSize) {
    this.serializer = serializer;
    this.maxFrameSize = maxFrameSize;
  }

  /**
   * The body of {@code message}.
   *
   * @throws ServiceException {@code SERIALIZATION_FAILED}, or {@code INVALID_MESSAGE} if too large
   */
  byte[] encode(ObjectNode message) {
    byte[] body;
    try {
      body = WireCodec.encode(message, serializer);
    } catch (IOException | RuntimeException e) {
      throw serializationFailed(e);
    }
    return checkSize(body);
  }

  /**
   * {@code body} if it fits in a frame.
   *
   * @throws ServiceException {@code INVALID_MESSAGE} if it does not
   */
  byte[] checkSize(byte[] body) {
    if (body.length > maxFrameSize) {
      throw ServiceException.of(
          ServiceException.INVALID_MESSAGE,
          "Message of "
              + body.length
              + " bytes exceeds the maximum frame size of "
              + maxFrameSize
              + " bytes");
    }
    return body;
  }

  static ServiceException serializationFailed(Exception e) {
    if (e instanceof ServiceException) {
      return (ServiceException) e;
    }
    return ServiceException.of(
        ServiceException.SERIALIZATION_FAILED,
        "Failed to serialize message: " + Values.rootMessage(e),
        e);
  }
}
