package io.ephemeral.client;

/**
 * One live key as reported by {@link BrokerClient#list()}.
 *
 * @param expires when the key expires, epoch milliseconds on the broker's clock
 * @param hasValue whether a value is stored (always true for keys written by this client)
 */
public record KeyInfo(long expires, boolean hasValue) {}
