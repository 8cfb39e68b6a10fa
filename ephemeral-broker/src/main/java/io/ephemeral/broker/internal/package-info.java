/**
 * The broker's engine, behind the API in {@code io.ephemeral.broker}: not an API, its classes may
 * change in any release. Everything here is package-private except {@link
 * io.ephemeral.broker.internal.Engine}, the one door the API reaches the engine through, and {@link
 * io.ephemeral.broker.internal.BuilderSettings}, which the API's builder fills.
 *
 * <p>Threading: one event-loop thread ({@code EventLoop}) runs everything {@code BrokerServer}
 * builds: every connection ({@code Clients}), the store ({@code MemoryStore}), the leases ({@code
 * Leases}) and the metrics; none of them is locked. Other threads only hand tasks to the loop. Per
 * request: {@code RequestParser} picks the members out of the line with Jackson's streaming parser
 * (values stay raw bytes), {@code Dispatcher} runs parse, auth, lookup in the {@code CommandTable},
 * the table's central checks and then the {@code Command}'s handler ({@code KvCommands}), which
 * appends one response to the connection's {@code ByteOutput}; the loop writes it once per read.
 *
 * <p>A connection's first byte chooses its {@code Protocol}: JSON lines ({@code LineProtocol}, to
 * the dispatcher) or, for 0x00, the gateway's length-prefixed frames ({@code FrameProtocol}), which
 * {@code GatewayRouter} (registry, in-flight calls, deadlines) routes.
 */
package io.ephemeral.broker.internal;
