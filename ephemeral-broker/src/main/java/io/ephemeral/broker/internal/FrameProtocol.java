package io.ephemeral.broker.internal;

/**
 * The gateway's framing on one connection: a 4-byte big-endian length, then a JSON or MessagePack
 * body, handed whole to the {@link GatewayRouter}; and the gateway's state of the connection (the
 * service it registered as, its encoding, its calls in flight). A frame over {@code maxFrameSize},
 * or one the memory budget cannot hold whole, is refused from its header and its body skipped as it
 * arrives, never buffered.
 */
final class FrameProtocol implements Protocol {
  private final Clients clients;
  private final GatewayRouter router;

  /** Body bytes of a refused frame still to skip. */
  long skipBytes;

  /** Encoding of the last frame received; the gateway answers in it. */
  FrameMessage.Encoding encoding;

  /** The service this connection registered as, or null. */
  GatewayService service;

  /** The pool index this connection registered with, or -1. */
  int poolIndex = -1;

  /** CALLs this connection sent that await a response. */
  int callsInFlight;

  /** What the gateway answers this connection in: its last frame's encoding, else JSON. */
  FrameMessage.Encoding answerEncoding() {
    return encoding == null ? FrameMessage.Encoding.JSON : encoding;
  }

  FrameProtocol(Clients clients, GatewayRouter router) {
    this.clients = clients;
    this.router = router;
  }

  @Override
  public int consume(Connection c, byte[] buf, int from, int to) {
    MemoryBudget budget = clients.state.budget;
    int pos = from;
    while (pos < to) {
      if (skipBytes > 0) {
        int k = (int) Math.min(skipBytes, to - pos);
        skipBytes -= k;
        pos += k;
        continue;
      }
      if (c.out.size() >= clients.pauseAt) {
        c.heldBack = true;
        break;
      }
      if (to - pos < 4) {
        break;
      }
      long size = frameSize(buf, pos);
      if (size > clients.config.maxFrameSize()) {
        router.frameTooLarge(c, size);
        skipBytes = size;
        c.completed++;
        pos += 4;
        continue;
      }
      if (to - pos - 4 < size) {
        if (size + 4 > Clients.SMALL_REQUEST
            && !budget.fitsInput(Math.max(0, size + 4 - c.in.length))) {
          // A frame the budget cannot hold whole is refused now and its body skipped.
          clients.state.limitHit(Limit.MAX_MEMORY);
          router.frameRefused(
              c,
              idNear(buf, pos + 4, to),
              "A frame of "
                  + size
                  + " bytes does not fit the broker's memory budget (maxMemory "
                  + budget.max()
                  + " bytes, "
                  + budget.used()
                  + " used)");
          skipBytes = size - (to - pos - 4);
          c.completed++;
          pos = to;
          continue;
        }
        break;
      }
      c.completed++;
      router.onFrame(c, buf, pos + 4, (int) size);
      pos += 4 + (int) size;
    }
    return pos;
  }

  /** A frame's length, from the 4-byte big-endian header at {@code buf[pos]}. */
  private static long frameSize(byte[] buf, int pos) {
    return ((buf[pos] & 0xFFL) << 24)
        | ((buf[pos + 1] & 0xFF) << 16)
        | ((buf[pos + 2] & 0xFF) << 8)
        | (buf[pos + 3] & 0xFF);
  }

  /** Frames are refused from their header ({@link #consume}), never while being kept. */
  @Override
  public boolean mayKeep(Connection c, int more) {
    return true;
  }

  @Override
  public void cannotKeep(Connection c, byte[] data, int from, int to, OutOfMemoryError e) {
    // The frame's header is at the start of what was kept, or of these bytes.
    byte[] head = c.inLen > 0 ? c.in : data;
    int at = c.inLen > 0 ? 0 : from;
    int have = c.inLen > 0 ? c.inLen : to - from;
    if (have < 4 || skipBytes > 0) {
      throw e; // nothing to refuse by: the connection's last resort
    }
    long size = frameSize(head, at);
    String id = idNear(head, at + 4, at + have);
    c.dropInput();
    c.completed++;
    router.frameRefused(c, id, "the broker ran out of heap memory holding this unfinished request");
    skipBytes = size - (have - 4);
    clients.markDirty(c);
  }

  /**
   * The {@code id} of a JSON frame refused before it was read whole, when it appears early in the
   * part received (clients write it second, after the type), or null: the refusal then names the
   * call it refuses, so the caller fails it at once instead of waiting for its timeout.
   */
  static String idNear(byte[] buf, int from, int to) {
    int end = Math.min(to, from + 256);
    if (from >= end || buf[from] != '{') {
      return null;
    }
    for (int i = from; i + 6 < end; i++) {
      if (buf[i] == '"'
          && buf[i + 1] == 'i'
          && buf[i + 2] == 'd'
          && buf[i + 3] == '"'
          && buf[i + 4] == ':'
          && buf[i + 5] == '"') {
        for (int j = i + 6; j < end; j++) {
          if (buf[j] == '"' || buf[j] == '\\' || buf[j] < 0x20) {
            return buf[j] == '"'
                ? new String(buf, i + 6, j - i - 6, java.nio.charset.StandardCharsets.US_ASCII)
                : null;
          }
        }
        return null;
      }
    }
    return null;
  }

  @Override
  public boolean holdsRequest(Connection c) {
    return c.inLen >= 4 && c.inLen - 4 >= frameSize(c.in, 0);
  }

  @Override
  public boolean skipping() {
    return skipBytes > 0;
  }

  @Override
  public boolean awaitsAnswers() {
    return callsInFlight > 0;
  }

  /** What other connections forward to a gateway peer: past the limit, it is closed. */
  @Override
  public boolean closeOnOutputLimit(Connection c) {
    return true;
  }

  @Override
  public void closed(Connection c) {
    router.onClose(c);
  }
}
