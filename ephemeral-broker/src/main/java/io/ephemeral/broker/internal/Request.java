package io.ephemeral.broker.internal;

/**
 * One parsed request line. Reused by the event loop for every request (single-threaded), so parsing
 * allocates nothing for the common members: key and value are offsets into the line.
 */
final class Request {
  static final int ABSENT = 0;
  static final int VALID = 1;
  static final int INVALID = 2;

  byte[] line;
  int lineOff;
  int lineLen;

  Command command; // null: missing or unknown action
  boolean actionPresent;
  String actionText; // the action when it is not one the broker knows (for interceptors)

  int keyState; // ABSENT, VALID (a string), INVALID (present but not a string)
  byte[] keyBuf; // the line itself, or decoded bytes when the key had escapes
  int keyOff;
  int keyLen;
  String keyText; // the decoded key when it had escapes, else null (decoded on demand)

  boolean valuePresent;
  int valueOff; // raw JSON text of the value within line
  int valueEnd;
  int valueSize; // bytes that count against maxValueSize

  int ttlState; // ABSENT (missing or null), VALID, INVALID
  long ttl;

  boolean compressed;
  long beforeSize;
  long afterSize;

  String workerId; // null when missing, empty or not a string/number

  int sizeState; // lease pool size: ABSENT, VALID, INVALID
  int size;
  int waitState; // lease wait: ABSENT, VALID, INVALID
  long waitMillis;

  String format; // metrics: "json" or "prometheus"

  int idOff = -1; // raw JSON of the "id" member to echo, or -1
  int idEnd;

  void reset(byte[] line, int off, int len) {
    this.line = line;
    this.lineOff = off;
    this.lineLen = len;
    command = null;
    actionPresent = false;
    actionText = null;
    keyState = ABSENT;
    keyBuf = null;
    keyOff = 0;
    keyLen = 0;
    keyText = null;
    valuePresent = false;
    valueOff = 0;
    valueEnd = 0;
    valueSize = 0;
    ttlState = ABSENT;
    ttl = 0;
    compressed = false;
    beforeSize = 0;
    afterSize = 0;
    workerId = null;
    sizeState = ABSENT;
    size = 0;
    waitState = ABSENT;
    waitMillis = 0;
    idOff = -1;
    idEnd = 0;
    format = null;
  }

  boolean hasKey() {
    return keyState == VALID;
  }

  String keyString() {
    return keyText != null
        ? keyText
        : new String(keyBuf, keyOff, keyLen, java.nio.charset.StandardCharsets.UTF_8);
  }
}
