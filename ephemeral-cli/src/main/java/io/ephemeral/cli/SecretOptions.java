package io.ephemeral.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The three mutually exclusive sources of the HMAC secret of {@code ephemeral-broker start}. {@code
 * --secret-env} and {@code --secret-file} keep the secret out of {@code ps} output.
 */
record SecretOptions(String secret, String secretEnv, Path secretFile) {

  /** Whether one of the three was given. */
  boolean given() {
    return secret != null || secretEnv != null || secretFile != null;
  }

  /**
   * The secret from whichever source was given.
   *
   * @throws IllegalArgumentException if the variable is unset or empty, or the file is missing,
   *     unreadable or empty
   */
  String resolve(Map<String, String> env) {
    if (secret != null) {
      return requireNonEmpty(secret, "--secret is empty");
    }
    if (secretEnv != null) {
      String value = env.get(secretEnv);
      if (value == null) {
        throw new IllegalArgumentException(
            "--secret-env: environment variable " + secretEnv + " is not set");
      }
      return requireNonEmpty(
          value, "--secret-env: environment variable " + secretEnv + " is empty");
    }
    String text;
    try {
      text = Files.readString(secretFile, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--secret-file: no such file: " + secretFile, e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--secret-file: cannot read " + secretFile + ": " + e.getMessage(), e);
    }
    return requireNonEmpty(trimNewline(text), "--secret-file: " + secretFile + " is empty");
  }

  /** Removes trailing line breaks, as {@code $(cat FILE)} in a shell would. */
  static String trimNewline(String text) {
    int end = text.length();
    while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
      end--;
    }
    return text.substring(0, end);
  }

  private static String requireNonEmpty(String value, String message) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException(message);
    }
    return value;
  }
}
