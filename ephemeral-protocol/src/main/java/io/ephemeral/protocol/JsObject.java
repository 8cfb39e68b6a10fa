package io.ephemeral.protocol;

import java.util.Arrays;
import java.util.HashMap;

/*
 * A parsed JSON object with the member semantics of a V8 object built by JSON.parse:
 *
 *  - a repeated key keeps the slot of its first occurrence and the value of its last;
 *  - enumeration (and so JSON.stringify) lists array-index keys ("0" .. "4294967294" in canonical
 *    decimal form) first, in ascending numeric order, then all other keys in insertion order;
 *  - remove() is `delete obj[key]`: a later put() of the same key appends at the end.
 *
 * Members live in parallel arrays in insertion order; removed slots become null tombstones. Small
 * objects (every request the Node client sends has at most eight members) are searched linearly;
 * a hash index is built only once an object grows past LINEAR_SCAN_LIMIT members, so a document
 * with many keys stays O(n) overall.
 *
 * Not thread-safe; instances never escape one parse/serialize call.
 */
final class JsObject {

  /** Largest array index: 2^32 - 2 (2^32 - 1 is a length, not an index, in ECMAScript). */
  static final long MAX_ARRAY_INDEX = 4_294_967_294L;

  private static final int LINEAR_SCAN_LIMIT = 8;

  private String[] keys = new String[4];
  private Object[] values = new Object[4];

  /** Numeric value of each key that is an array index, else -1. */
  private long[] indexes = new long[4];

  private int size;
  private int arrayIndexKeys;
  private HashMap<String, Integer> lookup;

  /** Sets {@code key} to {@code value}, keeping the key's first position if it already exists. */
  void put(String key, Object value) {
    int slot = find(key);
    if (slot >= 0) {
      values[slot] = value;
      return;
    }
    if (size == keys.length) {
      int capacity = size * 2;
      keys = Arrays.copyOf(keys, capacity);
      values = Arrays.copyOf(values, capacity);
      indexes = Arrays.copyOf(indexes, capacity);
    }
    long index = arrayIndex(key);
    keys[size] = key;
    values[size] = value;
    indexes[size] = index;
    if (index >= 0) {
      arrayIndexKeys++;
    }
    if (lookup != null) {
      lookup.put(key, size);
    } else if (size + 1 > LINEAR_SCAN_LIMIT) {
      lookup = new HashMap<>(size * 4);
      for (int i = 0; i <= size; i++) {
        if (keys[i] != null) {
          lookup.put(keys[i], i);
        }
      }
    }
    size++;
  }

  /** Returns whether {@code key} is a member. */
  boolean has(String key) {
    return find(key) >= 0;
  }

  /** Returns the value of {@code key}, or null when absent (JSON null is never Java null). */
  Object get(String key) {
    int slot = find(key);
    return slot < 0 ? null : values[slot];
  }

  /** Removes {@code key} and returns its value, or null when absent. */
  Object remove(String key) {
    int slot = find(key);
    if (slot < 0) {
      return null;
    }
    Object value = values[slot];
    if (indexes[slot] >= 0) {
      arrayIndexKeys--;
    }
    keys[slot] = null;
    values[slot] = null;
    indexes[slot] = -1;
    if (lookup != null) {
      lookup.remove(key);
    }
    return value;
  }

  private int find(String key) {
    if (lookup != null) {
      Integer slot = lookup.get(key);
      return slot == null ? -1 : slot;
    }
    for (int i = 0; i < size; i++) {
      if (key.equals(keys[i])) {
        return i;
      }
    }
    return -1;
  }

  /** Writes the members in JavaScript enumeration order, without whitespace. */
  void writeTo(StringBuilder out) {
    out.append('{');
    boolean first = true;
    if (arrayIndexKeys > 0) {
      // Pack (index << 31 | slot) into one long so a primitive sort orders by index; the index
      // needs 32 bits and the slot 31, so the packed value stays positive.
      long[] order = new long[arrayIndexKeys];
      int n = 0;
      for (int i = 0; i < size; i++) {
        if (indexes[i] >= 0) {
          order[n++] = (indexes[i] << 31) | i;
        }
      }
      Arrays.sort(order);
      for (long packed : order) {
        first = writeMember((int) (packed & Integer.MAX_VALUE), first, out);
      }
    }
    for (int i = 0; i < size; i++) {
      if (keys[i] != null && indexes[i] < 0) {
        first = writeMember(i, first, out);
      }
    }
    out.append('}');
  }

  private boolean writeMember(int slot, boolean first, StringBuilder out) {
    if (!first) {
      out.append(',');
    }
    JsJson.quote(keys[slot], out);
    out.append(':');
    JsJson.write(values[slot], out);
    return false;
  }

  /** The numeric value of {@code key} if it is a canonical array index, else -1. */
  static long arrayIndex(String key) {
    int len = key.length();
    if (len == 0 || len > 10) {
      return -1;
    }
    char first = key.charAt(0);
    if (first == '0') {
      return len == 1 ? 0 : -1;
    }
    long value = 0;
    for (int i = 0; i < len; i++) {
      int digit = key.charAt(i) - '0';
      if (digit < 0 || digit > 9) {
        return -1;
      }
      value = value * 10 + digit;
    }
    return value <= MAX_ARRAY_INDEX ? value : -1;
  }
}
