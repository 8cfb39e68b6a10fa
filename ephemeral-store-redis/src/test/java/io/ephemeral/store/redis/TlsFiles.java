package io.ephemeral.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A private certificate authority and one server certificate signed by it, made with the {@code
 * openssl} command in a temporary directory, for a TLS {@code redis-server}. Like redis-server,
 * openssl must be installed: without it the tests fail and say so. {@link #close()} deletes the
 * directory, private keys included.
 */
public final class TlsFiles implements AutoCloseable {
  /** Password of {@link #trustStore()}. */
  public static final String TRUST_STORE_PASSWORD = "changeit";

  private final Path dir;

  private TlsFiles(Path dir) {
    this.dir = dir;
  }

  /**
   * A fresh CA and a server certificate whose subject alternative name is {@code altName}, e.g.
   * {@code IP:127.0.0.1} or {@code DNS:redis.example}.
   */
  public static TlsFiles create(String altName) {
    try {
      Path dir = Files.createTempDirectory("eph-tls-");
      Files.writeString(dir.resolve("server.ext"), "subjectAltName=" + altName + "\n");
      TlsFiles files = new TlsFiles(dir);
      files.requestWithNewKey(
          "ca.key", "-x509", "-out", "ca.crt", "-days", "2", "-subj", "/CN=ephemeral test CA");
      files.requestWithNewKey("server.key", "-out", "server.csr", "-subj", "/CN=redis under test");
      files.openssl(
          "x509",
          "-req",
          "-in",
          "server.csr",
          "-CA",
          "ca.crt",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-out",
          "server.crt",
          "-days",
          "2",
          "-extfile",
          "server.ext");
      return files;
    } catch (IOException e) {
      throw new AssertionError("cannot make TLS test certificates: " + e, e);
    }
  }

  /** Deletes the certificates, the keys and the trust store. */
  @Override
  public void close() {
    RedisServer.deleteTree(dir);
  }

  public Path caCertificate() {
    return dir.resolve("ca.crt");
  }

  public Path serverCertificate() {
    return dir.resolve("server.crt");
  }

  public Path serverKey() {
    return dir.resolve("server.key");
  }

  /** The redis-server arguments that serve TLS with the server certificate on {@code port}. */
  public List<String> redisArguments(int port) {
    return List.of(
        "--tls-port",
        Integer.toString(port),
        "--tls-cert-file",
        serverCertificate().toString(),
        "--tls-key-file",
        serverKey().toString(),
        "--tls-ca-cert-file",
        caCertificate().toString(),
        "--tls-auth-clients",
        "no");
  }

  /** A PKCS12 trust store holding the CA, for {@code -Djavax.net.ssl.trustStore}. */
  public Path trustStore() {
    Path file = dir.resolve("trust.p12");
    try (OutputStream out = Files.newOutputStream(file)) {
      caKeyStore().store(out, TRUST_STORE_PASSWORD.toCharArray());
      return file;
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError("cannot write the trust store: " + e, e);
    }
  }

  /** A TLS context that trusts the CA and nothing else. */
  public SSLContext trustingContext() {
    try {
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(caKeyStore());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError("cannot make a TLS context: " + e, e);
    }
  }

  private KeyStore caKeyStore() throws IOException, GeneralSecurityException {
    Certificate ca;
    try (InputStream in = Files.newInputStream(caCertificate())) {
      ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("ephemeral-test-ca", ca);
    return store;
  }

  /** {@code openssl req} with a new unencrypted P-256 key, written to {@code keyFile}. */
  private void requestWithNewKey(String keyFile, String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                keyFile));
    command.addAll(List.of(args));
    openssl(command.toArray(String[]::new));
  }

  private void openssl(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(
          "openssl is not installed (not on the PATH): the TLS tests need it to make"
              + " certificates. Install it (Debian/Ubuntu: apt-get install -y openssl); .ci/run does this.",
          e);
    }
    try {
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("openssl " + String.join(" ", args) + " failed:\n" + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
