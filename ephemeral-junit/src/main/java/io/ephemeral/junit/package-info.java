/**
 * JUnit Jupiter integration of the ephemeral broker.
 *
 * <ul>
 *   <li>{@link io.ephemeral.junit.EphemeralBroker}: registers {@link
 *       io.ephemeral.junit.EphemeralBrokerExtension}, which injects {@link
 *       io.ephemeral.client.BrokerClient}s.
 *   <li>{@link io.ephemeral.junit.Leased}: a slot of a named pool per test or per class.
 *   <li>{@link io.ephemeral.junit.BrokerLock}: mutual exclusion across JVMs.
 *   <li>{@link io.ephemeral.junit.SharedValues}: values computed once per run.
 * </ul>
 *
 * <p>The broker is the one named by the system property {@code ephemeral.pipe} or the variable
 * {@code EPHEMERAL_PIPE}; without either, every JVM of one build (all Surefire and Failsafe forks
 * of a Maven invocation, all Gradle test workers) shares the build's broker, a process of its own
 * that the first JVM starts and that ends a few seconds after the last one left ({@link
 * io.ephemeral.client.BrokerScope}; {@code ephemeral.scope} or {@code EPHEMERAL_SCOPE} name a scope
 * explicitly). Each JVM prints one line saying which broker and scope it uses.
 */
package io.ephemeral.junit;
