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
 * {@code EPHEMERAL_PIPE}; without either, {@link io.ephemeral.junit.EphemeralBrokerSessionListener}
 * gives each launcher session a broker of its own, started on first use and stopped with the
 * session. Without the listener, one broker per JVM is stopped when the JVM exits.
 */
package io.ephemeral.junit;
