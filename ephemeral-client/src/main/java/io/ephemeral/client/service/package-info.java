/**
 * A service on the broker's service gateway, wire compatible with the Node {@code ipc-bro} {@code
 * IPCClient}: {@link io.ephemeral.client.service.ServiceClient} registers a name, serves methods
 * and calls the methods of other services (Java or Node) through the hub.
 *
 * <h2>Typed interfaces</h2>
 *
 * <p>An interface annotated {@link io.ephemeral.client.service.ServiceInterface} is a service's
 * contract: {@code client.proxy(Users.class)} calls it, {@code client.registerService(impl)} serves
 * it. One parameter is the call's params as it is, none is <code>{}</code>, several are an object
 * of their names, so Node {@code ipc-bro} peers send and receive the objects a record or POJO maps
 * to.
 *
 * <h2>Values</h2>
 *
 * <p>Params and results travel as the bytes they were sent in ({@link
 * io.ephemeral.client.service.Params}) and are mapped to Java types on demand by the client's
 * {@link io.ephemeral.client.service.ValueMapper}: the application's Jackson 2 {@code ObjectMapper}
 * or Jackson 3 {@code JsonMapper}, or by default the Jackson the class path has. {@code serve} and
 * {@code CallHandler} take the params without any JSON library in the signature; the {@code
 * JsonNode} methods remain for Jackson 2 users.
 *
 * <h2>Interceptors, trace context, cancellation</h2>
 *
 * <p>{@link io.ephemeral.client.service.CallInterceptor}s wrap the calls a client makes and {@link
 * io.ephemeral.client.service.ServeInterceptor}s the calls it serves, as OkHttp's interceptor
 * chain. A call's context carries a W3C {@code traceparent}/{@code tracestate} to nested calls.
 * When a caller gives a call up (a cancelled future, an interrupted wait, its timeout), the client
 * sends the gateway a {@code CANCEL} frame, which the gateway passes on to the callee: its context
 * reports {@code isCancelled()}, a blocked handler thread is interrupted, and the calls nested in
 * it are cancelled in turn.
 *
 * <h2>Calls and errors</h2>
 *
 * <p>{@code call} waits for the result, {@code callAsync} returns a future completed on the
 * callback executor, {@code callAll} runs a batch with a concurrency limit and reports failures per
 * item. Every failure is a {@link io.ephemeral.client.service.ServiceException} whose {@code
 * code()} is one of its constants or a remote handler's custom code, of the subtype that stands for
 * the code ({@code ServiceNotFoundException}, {@code CallTimeoutException}, ...). Routing failures,
 * a callee that disconnects and a connection that closes fail calls at once; a call's timeout is
 * the smaller of the client's timeout and the time left to its chain's deadline.
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
 * results, batch bookkeeping). With the default handler pool a connection keeps a second thread, to
 * which its reader may pass its reading so as to run a call's handler itself (no pool thread to
 * wake); such a handler may block as on the pool. Listeners run on these internal threads and must
 * be quick. With {@code busyPoll} set, readers and threads waiting in {@code call} poll for that
 * long before they sleep, trading CPU for the latency of a wake-up.
 *
 * <h2>Connections</h2>
 *
 * <p>{@code connect()} registers every pool connection and waits for the acknowledgements; a
 * failure leaves the client disconnected with nothing retried. Connections lost later are
 * re-established with exponential backoff and re-registered with the current method list. {@code
 * disconnect()} never reconnects.
 */
package io.ephemeral.client.service;
