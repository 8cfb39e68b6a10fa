package io.ephemeral.spring;

import io.ephemeral.client.service.Serializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The {@code ephemeral.*} properties of the Spring Boot starter. */
@ConfigurationProperties(prefix = "ephemeral")
public class EphemeralProperties {
  /** The broker's socket path. Default: the {@code EPHEMERAL_PIPE} environment variable. */
  private Path pipe;

  /**
   * A named broker scope to find or start when no pipe is given (the find-or-start of {@code
   * ephemeral-broker start --scope}): every application and process using the scope shares its
   * broker, which ends a few seconds after the last left. Starting it needs {@code
   * io.ephemeral:ephemeral-broker} on the class path.
   */
  private String scope;

  /**
   * The name this application registers as a service. Default: the name of the
   * {@code @ServiceInterface} its {@code @BrokerService} beans implement, else none (it calls as an
   * anonymous caller).
   */
  private String serviceName;

  /** The timeout of a call (and of connecting); nested calls wait at most until their deadline. */
  private Duration timeout = Duration.ofSeconds(30);

  /**
   * Start a broker inside the application (for development and tests); needs {@code
   * io.ephemeral:ephemeral-broker} on the class path. Its socket is {@code pipe} if given, else a
   * private temporary path.
   */
  private boolean embedded;

  /**
   * Packages to scan for {@code @ServiceInterface} interfaces to inject as proxies, besides the
   * application's own (e.g. those of a library of shared contracts).
   */
  private List<String> proxyPackages = new ArrayList<>();

  /** The encoding of the frames this application sends. */
  private Serializer serializer = Serializer.JSON;

  /**
   * Give every call a W3C traceparent (a new trace for a request that has none) and put the trace
   * id into the logging MDC as {@code traceId} while a call is served.
   */
  private boolean traceIds = true;

  /** The value of {@code ephemeral.pipe}. */
  public Path getPipe() {
    return pipe;
  }

  /** Sets {@code ephemeral.pipe}. */
  public void setPipe(Path pipe) {
    this.pipe = pipe;
  }

  /** The value of {@code ephemeral.scope}. */
  public String getScope() {
    return scope;
  }

  /** Sets {@code ephemeral.scope}. */
  public void setScope(String scope) {
    this.scope = scope;
  }

  /** The value of {@code ephemeral.service-name}. */
  public String getServiceName() {
    return serviceName;
  }

  /** Sets {@code ephemeral.service-name}. */
  public void setServiceName(String serviceName) {
    this.serviceName = serviceName;
  }

  /** The value of {@code ephemeral.timeout}. */
  public Duration getTimeout() {
    return timeout;
  }

  /** Sets {@code ephemeral.timeout}. */
  public void setTimeout(Duration timeout) {
    this.timeout = timeout;
  }

  /** The value of {@code ephemeral.embedded}. */
  public boolean isEmbedded() {
    return embedded;
  }

  /** Sets {@code ephemeral.embedded}. */
  public void setEmbedded(boolean embedded) {
    this.embedded = embedded;
  }

  /** The value of {@code ephemeral.proxy-packages}. */
  public List<String> getProxyPackages() {
    return proxyPackages;
  }

  /** Sets {@code ephemeral.proxy-packages}. */
  public void setProxyPackages(List<String> proxyPackages) {
    this.proxyPackages = proxyPackages;
  }

  /** The value of {@code ephemeral.serializer}. */
  public Serializer getSerializer() {
    return serializer;
  }

  /** Sets {@code ephemeral.serializer}. */
  public void setSerializer(Serializer serializer) {
    this.serializer = serializer;
  }

  /** The value of {@code ephemeral.trace-ids}. */
  public boolean isTraceIds() {
    return traceIds;
  }

  /** Sets {@code ephemeral.trace-ids}. */
  public void setTraceIds(boolean traceIds) {
    this.traceIds = traceIds;
  }
}
