package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.protocol.ErrorCodes;
import java.util.Arrays;

/**
 * The differential check of the two request parsers: the byte scanner ({@link RequestParser#parse})
 * and Jackson ({@link RequestParser#parseWithJackson}) give the same outcome, the same error and
 * the same request members for a line.
 */
final class ParserAgreement {
  private ParserAgreement() {}

  /** The built-in actions, with no-op handlers: what the parsers look actions up in. */
  static CommandTable commands() {
    CommandTable t = new CommandTable();
    for (String name :
        new String[] {
          "get",
          "set",
          "del",
          "list",
          "ping",
          "stats",
          "health",
          "metrics",
          "lease",
          "release",
          "services"
        }) {
      t.add(
          new Command(
              name,
              ErrorCodes.INVALID_REQUEST,
              null,
              Command.Ttl.IGNORED,
              false,
              (r, reply) -> {}));
    }
    return t;
  }

  /**
   * Both parsers on {@code line}, placed at an offset inside a larger buffer as the event loop
   * hands lines over.
   */
  static void assertParsersAgree(RequestParser parser, byte[] line) {
    byte[] buf = new byte[line.length + 6];
    Arrays.fill(buf, (byte) '{');
    System.arraycopy(line, 0, buf, 3, line.length);
    Request fast = new Request();
    fast.reset(buf, 3, line.length);
    int fastOutcome = parser.parse(fast);
    String fastError = parser.error();
    Request reference = new Request();
    reference.reset(buf, 3, line.length);
    int referenceOutcome = parser.parseWithJackson(reference);
    String referenceError = parser.error();
    String shown = BrokerFuzzTest.show(line);
    assertThat(fastOutcome).as("outcome of %s", shown).isEqualTo(referenceOutcome);
    assertThat(fastError).as("error of %s", shown).isEqualTo(referenceError);
    if (referenceOutcome == RequestParser.OK) {
      assertThat(describe(fast)).as("members of %s", shown).isEqualTo(describe(reference));
    }
  }

  /** Every member a parser fills, and whether the key is a range of the line itself. */
  static String describe(Request r) {
    return Arrays.asList(
            r.command == null ? null : r.command.name,
            r.actionPresent,
            r.actionText,
            r.keyState,
            r.keyBuf == null
                ? null
                : Arrays.toString(Arrays.copyOfRange(r.keyBuf, r.keyOff, r.keyOff + r.keyLen)),
            r.keyBuf == r.line ? r.keyOff : -1,
            r.keyText,
            r.valuePresent,
            r.valueOff,
            r.valueEnd,
            r.valueSize,
            r.ttlState,
            r.ttl,
            r.compressed,
            r.beforeSize,
            r.afterSize,
            r.workerId,
            r.sizeState,
            r.size,
            r.waitState,
            r.waitMillis,
            r.format,
            r.idOff,
            r.idEnd)
        .toString();
  }
}
