/**
 * A service on the broker's service gateway, wire compatible with the Node {@code ipc-bro} {@code
 * IPCClient}: {@link io.ephemeral.client.service.ServiceClient} registers a name, serves methods
 * and calls the methods of other services (Java or Node) through the hub.
 *
 * <h2>Calls and errors</h2>
 *
 * <p>{@code call} waits for the result, {@code callAsync} returns a future completed on the
 * callback executor, {@code callAll} runs a batch with a concurrency limit and reports failures per
 * item. Every failure is a {@link io.ephemeral.client.service.ServiceException} whose {@code
 * code()} is one of its constants or a remote handler's custom code. Routing failures, a callee
 * that disconnects and a connection that closes fail calls at once; a call's timeout is the smaller
 * of the client's timeout and the time left to its chain's deadline.
 *
 * <h2>Context</h2>
 *
 * <p>Each CALL carries a {@link io.ephemeral.client.service.CallContext}: root id, chain of
 * callers, depth and absolute deadline. A handler gets the context of its own call and makes nested
 * calls through it, which keeps root and deadline and extends the chain. As in ipc-bro, the caller
 * appends its own name and adds one to the depth: a top-level call from A carries {@code chain
 * ["A","A"], depth 2}; A calling B calling C gives C {@code chain ["A","A","B"], depth 3}; the
 * immediate caller is the last element of the chain. Contexts are never shared between calls, so
 * concurrent handlers each keep their own.
 *
 * <h2>Threads</h2>
 *
 * <p>One reader thread per connection (decodes frames, completes internal futures, runs the
 * handlers registered with {@code registerNonBlockingMethod} and writes their responses without
 * ever waiting on the socket), one timer thread per client (call timeouts, heartbeats, reconnect
 * attempts), the handler executor (every other incoming call) and the callback executor (async
 * results, batch bookkeeping). Listeners run on these internal threads and must be quick. With
 * {@code busyPoll} set, readers and threads waiting in {@code call} poll for that long before they
 * sleep, trading CPU for the latency of a wake-up.
 *
 * <h2>Connections</h2>
 *
 * <p>{@code connect()} registers every pool connection and waits for the acknowledgements; a
 * failure leaves the client disconnected with nothing retried. Connections lost later are
 * re-established with exponential backoff and re-registered with the current method list. {@code
 * disconnect()} never reconnects.
 */
package io.ephemeral.client.service;
