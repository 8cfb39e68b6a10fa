package io.ephemeral.broker.internal;

/** A CALL the gateway delivered and that is not yet answered (the router's state). */
final class PendingCall extends ExpiryHeap.Node {
  final GatewayService callee;
  final String id;
  final String callerName;
  final String method;
  final Connection caller;
  final byte[] context; // the caller's context bytes, in the caller's encoding
  final FrameMessage.Encoding callerEncoding;
  final long startedNanos = System.nanoTime();

  /** The registration that made the call: its answer goes to no other (not a later namesake). */
  final GatewayService callerService;

  /** What this call counts in the memory budget. */
  long bytes;

  /** The connection the CALL was delivered to. */
  Connection delivered;

  PendingCall madePrev;
  PendingCall madeNext;

  PendingCall(
      GatewayService callee,
      String id,
      GatewayService callerService,
      String method,
      Connection caller,
      byte[] context,
      FrameMessage.Encoding callerEncoding) {
    this.callee = callee;
    this.callerService = callerService;
    this.id = id;
    this.callerName = callerService.name;
    this.method = method;
    this.caller = caller;
    this.context = context;
    this.callerEncoding = callerEncoding;
  }
}
