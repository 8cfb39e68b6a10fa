package io.ephemeral.client.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.ephemeral.protocol.Msgpackr;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;

/**
 * A Jackson 2 mapper's values straight to and from MessagePack bytes, with no tree between: a value
 * is serialized into a {@link TokenBuffer} (a flat list of tokens) and packed from it; MessagePack
 * is unpacked into a TokenBuffer that the mapper deserializes from.
 */
final class Jackson2Msgpack {
  /*
   * Implementation notes.
   *
   * The tree path (valueToTree + WireCodec.pack, unpack + treeToValue) is the definition: these
   * methods produce the same bytes and hand the deserializer the same tokens (same number types,
   * binary as an embedded byte[], msgpackr's rules for keys, large floats, dates, undefined), and
   * the tree path does the rest. Where a tree would differ from the tokens it was built from, they
   * give up and the caller takes the tree path: duplicate names (a tree keeps the last value),
   * undefined map values (a tree drops the member), NaN and infinities (a tree's parser coerces them
   * where a TokenBuffer's refuses), embedded objects other than byte[], null
   * members a mapper without READ_NULL_PROPERTIES drops, and values deeper than MAX_DEPTH or
   * objects wider than MAX_NAMES (the duplicate check is quadratic in the names of one object).
   *
   * MessagePack needs a container's size before its contents, so a value is read from its
   * TokenBuffer twice: the first pass counts every container's entries (and checks the above),
   * the second packs.
   */
  private static final int MAX_DEPTH = 64;
  private static final int MAX_NAMES = 64;

  /** What {@link #read} returns when the value must take the tree path. */
  static final Object TREE_PATH = new Object();

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private Jackson2Msgpack() {}

  /** Whether {@code mapper}'s trees hold every member the tokens have (the default). */
  static boolean keepsNullMembers(ObjectMapper mapper) {
    try {
      return mapper.getDeserializationConfig().isEnabled(JsonNodeFeature.READ_NULL_PROPERTIES);
    } catch (LinkageError e) {
      return true; // a Jackson before 2.14 has no such feature: its trees keep null members
    }
  }

  /**
   * {@code value} serialized by {@code mapper}, to be packed byte for byte as {@code
   * WireCodec.pack(mapper.valueToTree(value))} packs; null if only the tree path maps it exactly.
   *
   * @throws IOException if the mapper cannot serialize it
   */
  static Packable serialize(ObjectMapper mapper, Object value, boolean keepsNullMembers)
      throws IOException {
    TokenBuffer tokens = new TokenBuffer(mapper, false);
    // valueToTree's configuration: no root name wrapping
    mapper.writer().without(SerializationFeature.WRAP_ROOT_VALUE).writeValue(tokens, value);
    Scratch s = SCRATCH.get();
    int containers = count(tokens, s, keepsNullMembers);
    return containers < 0 ? null : new Packable(tokens, Arrays.copyOf(s.sizes, containers));
  }

  /** A serialized value, packed straight into the frame that carries it. */
  static final class Packable {
    private final TokenBuffer tokens;
    private final int[] sizes; // of every container, in the order they start

    private Packable(TokenBuffer tokens, int[] sizes) {
      this.tokens = tokens;
      this.sizes = sizes;
    }

    /** The second pass: packs the value. */
    void packTo(MessagePacker out) throws IOException {
      int container = 0;
      try (JsonParser p = tokens.asParser()) {
        for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
          switch (t) {
            case START_OBJECT:
              out.packMapHeader(sizes[container++]);
              break;
            case START_ARRAY:
              out.packArrayHeader(sizes[container++]);
              break;
            case FIELD_NAME:
              out.packString(p.currentName());
              break;
            case VALUE_STRING:
              WireCodec.packString(p.getText(), out);
              break;
            case VALUE_NUMBER_INT:
              if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                BigInteger big = p.getBigIntegerValue();
                if (big.bitLength() < 64) {
                  Msgpackr.packInteger(out, big.longValue());
                } else {
                  out.packDouble(big.doubleValue());
                }
              } else {
                Msgpackr.packInteger(out, p.getLongValue());
              }
              break;
            case VALUE_NUMBER_FLOAT:
              // as WireCodec.packNumber: a Java double stays one
              out.packDouble(p.getDoubleValue());
              break;
            case VALUE_TRUE:
              out.packBoolean(true);
              break;
            case VALUE_FALSE:
              out.packBoolean(false);
              break;
            case VALUE_EMBEDDED_OBJECT:
              {
                byte[] bytes = (byte[]) p.getEmbeddedObject(); // count() let nothing else through
                out.packBinaryHeader(bytes.length);
                out.writePayload(bytes);
                break;
              }
            case VALUE_NULL:
              out.packNil();
              break;
            default: // END_OBJECT, END_ARRAY
              break;
          }
        }
      }
    }
  }

  /**
   * The first pass: every container's size in {@code s.sizes}, in the order they start; the number
   * of containers, or -1 if the value must take the tree path.
   */
  private static int count(TokenBuffer tokens, Scratch s, boolean keepsNullMembers)
      throws IOException {
    int containers = 0;
    int depth = 0; // open containers; stack[d] is the index of the d-th one's size
    List<String> names = s.names;
    names.clear();
    try (JsonParser p = tokens.asParser()) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          depth--;
          if (t == JsonToken.END_OBJECT) {
            int start = s.nameStarts[depth];
            names.subList(start, names.size()).clear();
          }
          continue;
        }
        if (t == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          int start = s.nameStarts[depth - 1];
          if (names.size() - start >= MAX_NAMES
              || names.subList(start, names.size()).contains(name)) {
            return -1;
          }
          names.add(name);
          s.sizes[s.stack[depth - 1]]++;
          continue;
        }
        boolean inArray = depth > 0 && !s.isObject[depth - 1];
        if (inArray) {
          s.sizes[s.stack[depth - 1]]++;
        }
        switch (t) {
          case START_OBJECT:
          case START_ARRAY:
            if (depth == MAX_DEPTH) {
              return -1;
            }
            if (containers == s.sizes.length) {
              s.sizes = Arrays.copyOf(s.sizes, containers * 2);
            }
            s.sizes[containers] = 0;
            s.stack[depth] = containers++;
            s.isObject[depth] = t == JsonToken.START_OBJECT;
            s.nameStarts[depth] = names.size();
            depth++;
            break;
          case VALUE_EMBEDDED_OBJECT:
            if (!(p.getEmbeddedObject() instanceof byte[])) {
              return -1;
            }
            break;
          case VALUE_NULL:
            if (!inArray && depth > 0 && !keepsNullMembers) {
              return -1;
            }
            break;
          default:
            break;
        }
      }
    }
    return containers;
  }

  /**
   * The MessagePack value {@code bytes} as a {@code type}, deserialized by {@code mapper} from the
   * tokens its tree would give; {@link #TREE_PATH} if only the tree path maps it exactly.
   *
   * @throws IOException if the bytes are malformed or do not fit the type
   */
  static Object read(ObjectMapper mapper, byte[] bytes, JavaType type) throws IOException {
    TokenBuffer tokens = new TokenBuffer(mapper, false);
    int r;
    try {
      MessageUnpacker in = ValueBytes.unpacker(bytes);
      if (!in.hasNext()) {
        return TREE_PATH; // let the tree path word the error
      }
      List<String> names = SCRATCH.get().names;
      names.clear();
      r = copy(in, tokens, 0, names);
    } finally {
      ValueBytes.releaseUnpacker();
    }
    if (r == GIVE_UP) {
      return TREE_PATH;
    }
    if (r == UNDEFINED) {
      tokens.writeNull(); // a tree reads a lone undefined as null
    }
    try (JsonParser p = tokens.asParser()) {
      return mapper.readValue(p, type);
    }
  }

  private static final int VALUE = 0;
  private static final int UNDEFINED = 1;
  private static final int GIVE_UP = 2;

  /** Copies one value into {@code out} as WireCodec.unpack reads it into a tree. */
  private static int copy(MessageUnpacker in, TokenBuffer out, int depth, List<String> names)
      throws IOException {
    MessageFormat format = in.getNextFormat();
    switch (format.getValueType()) {
      case NIL:
        in.unpackNil();
        out.writeNull();
        return VALUE;
      case BOOLEAN:
        out.writeBoolean(in.unpackBoolean());
        return VALUE;
      case INTEGER:
        if (format == MessageFormat.UINT64) {
          BigInteger big = in.unpackBigInteger();
          if (big.bitLength() < 64) {
            out.writeNumber(big.longValue());
          } else {
            out.writeNumber(big);
          }
        } else {
          long v = in.unpackLong();
          if (v == (int) v) {
            out.writeNumber((int) v);
          } else {
            out.writeNumber(v);
          }
        }
        return VALUE;
      case FLOAT:
        {
          double d = in.unpackDouble();
          if (!Double.isFinite(d)) {
            return GIVE_UP; // coerced otherwise by a tree's parser (NaN read as a long is 0)
          }
          if (WireCodec.isLargeInteger(d)) {
            out.writeNumber((long) d);
          } else {
            out.writeNumber(d);
          }
          return VALUE;
        }
      case STRING:
        out.writeString(in.unpackString());
        return VALUE;
      case BINARY:
        out.writeBinary(in.readPayload(in.unpackBinaryHeader()));
        return VALUE;
      case ARRAY:
        {
          if (depth == MAX_DEPTH) {
            return GIVE_UP;
          }
          int n = in.unpackArrayHeader();
          out.writeStartArray();
          for (int i = 0; i < n; i++) {
            int r = copy(in, out, depth + 1, names);
            if (r == GIVE_UP) {
              return GIVE_UP;
            }
            if (r == UNDEFINED) {
              out.writeNull();
            }
          }
          out.writeEndArray();
          return VALUE;
        }
      case MAP:
        {
          int n = in.unpackMapHeader();
          if (depth == MAX_DEPTH || n > MAX_NAMES) {
            return GIVE_UP;
          }
          int start = names.size();
          out.writeStartObject();
          for (int i = 0; i < n; i++) {
            String key = Msgpackr.readKey(in);
            if (names.subList(start, names.size()).contains(key)) {
              return GIVE_UP;
            }
            names.add(key);
            out.writeFieldName(key);
            if (copy(in, out, depth + 1, names) != VALUE) {
              return GIVE_UP; // undefined removes the member from a tree
            }
          }
          names.subList(start, names.size()).clear();
          out.writeEndObject();
          return VALUE;
        }
      case EXTENSION:
        {
          Object x = WireCodec.extension(in);
          if (x == WireCodec.UNDEFINED) {
            return UNDEFINED;
          }
          if (x == null) {
            out.writeNull();
          } else if (x instanceof String) {
            out.writeString((String) x);
          } else {
            out.writeBinary((byte[]) x);
          }
          return VALUE;
        }
      default:
        return GIVE_UP; // the tree path says what is wrong
    }
  }

  /** A thread's reusable buffers. */
  private static final class Scratch {
    final List<String> names = new ArrayList<>();
    int[] sizes = new int[16];
    final int[] stack = new int[MAX_DEPTH];
    final boolean[] isObject = new boolean[MAX_DEPTH];
    final int[] nameStarts = new int[MAX_DEPTH];
  }
}
