package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Node scripts under src/test/node. Node.js is a required test tool: the protocol is
 * defined by what Node's JSON and crypto do, so these tests compare against the real thing.
 */
final class NodeReference {

  static final Path NODE_DIR = Paths.get("src", "test", "node");
  static final Path VECTOR_SCRIPT = NODE_DIR.resolve("make-hmac-vectors.mjs");
  static final Path REFERENCE_SCRIPT = NODE_DIR.resolve("reference.mjs");

  private NodeReference() {}

  /** Runs {@code node script args...} and returns its stdout; fails the test on any problem. */
  static byte[] run(Path script, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("node");
    command.add(script.toString());
    command.addAll(List.of(args));
    Path stdout = Files.createTempFile("node-out", ".txt");
    Path stderr = Files.createTempFile("node-err", ".txt");
    try {
      Process process;
      try {
        process =
            new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
      } catch (IOException e) {
        return fail(
            "Node.js is required to run the protocol tests, but 'node' could not be started"
                + " (install Node.js 18 or newer and put it on PATH): "
                + e.getMessage());
      }
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return fail("node " + script + " did not finish within 120 s");
      }
      if (process.exitValue() != 0) {
        return fail(
            "node "
                + script
                + " exited with "
                + process.exitValue()
                + ": "
                + Files.readString(stderr, StandardCharsets.UTF_8));
      }
      return Files.readAllBytes(stdout);
    } finally {
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }

  /**
   * JSON.stringify(JSON.parse(line)) for each line, as UTF-8 bytes, or null where JSON.parse
   * throws. Lines must not contain '\n'.
   */
  static List<byte[]> canonicalize(List<byte[]> lines) throws IOException, InterruptedException {
    Path input = Files.createTempFile("node-in", ".txt");
    try {
      Files.write(input, joinLines(lines));
      List<byte[]> results = splitLines(run(REFERENCE_SCRIPT, "canonicalize", input.toString()));
      List<byte[]> out = new ArrayList<>(results.size());
      for (byte[] result : results) {
        out.add("ERR".equals(new String(result, StandardCharsets.UTF_8)) ? null : result);
      }
      return out;
    } finally {
      Files.deleteIfExists(input);
    }
  }

  /**
   * JSON.stringify(JSON.parse(document)) for each document, which may contain any byte, as UTF-8
   * bytes, or null where JSON.parse throws.
   */
  static List<byte[]> canonicalizeAnyBytes(List<byte[]> documents)
      throws IOException, InterruptedException {
    Base64.Encoder base64 = Base64.getEncoder();
    List<byte[]> lines = new ArrayList<>();
    for (byte[] document : documents) {
      lines.add(base64.encode(document));
    }
    Path input = Files.createTempFile("node-in", ".txt");
    try {
      Files.write(input, joinLines(lines));
      List<byte[]> out = new ArrayList<>();
      for (byte[] result :
          splitLines(run(REFERENCE_SCRIPT, "canonicalize-base64", input.toString()))) {
        out.add("ERR".equals(new String(result, StandardCharsets.UTF_8)) ? null : result);
      }
      return out;
    } finally {
      Files.deleteIfExists(input);
    }
  }

  /** Whether the Node broker's HMAC check accepts each (secret, request line) pair. */
  static List<Boolean> verify(List<String> secrets, List<byte[]> requests)
      throws IOException, InterruptedException {
    Base64.Encoder base64 = Base64.getEncoder();
    List<byte[]> lines = new ArrayList<>();
    for (int i = 0; i < secrets.size(); i++) {
      String line =
          base64.encodeToString(Utf8.encode(secrets.get(i)))
              + " "
              + base64.encodeToString(requests.get(i));
      lines.add(line.getBytes(StandardCharsets.US_ASCII));
    }
    Path input = Files.createTempFile("node-in", ".txt");
    try {
      Files.write(input, joinLines(lines));
      List<Boolean> out = new ArrayList<>();
      for (byte[] result : splitLines(run(REFERENCE_SCRIPT, "verify", input.toString()))) {
        out.add(Boolean.parseBoolean(new String(result, StandardCharsets.US_ASCII)));
      }
      return out;
    } finally {
      Files.deleteIfExists(input);
    }
  }

  private static byte[] joinLines(List<byte[]> lines) {
    int size = 0;
    for (byte[] line : lines) {
      size += line.length + 1;
    }
    byte[] all = new byte[size];
    int n = 0;
    for (byte[] line : lines) {
      for (byte b : line) {
        if (b == '\n') {
          throw new IllegalArgumentException("line contains a newline");
        }
      }
      System.arraycopy(line, 0, all, n, line.length);
      n += line.length;
      all[n++] = '\n';
    }
    return all;
  }

  private static List<byte[]> splitLines(byte[] data) {
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < data.length; i++) {
      if (data[i] == '\n') {
        byte[] line = new byte[i - start];
        System.arraycopy(data, start, line, 0, line.length);
        lines.add(line);
        start = i + 1;
      }
    }
    return lines;
  }
}
