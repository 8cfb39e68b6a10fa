package io.ephemeral.spring.caller;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** An application that only calls: no {@code @BrokerService}, no service name. */
@SpringBootApplication
public class CallerApplication {}
