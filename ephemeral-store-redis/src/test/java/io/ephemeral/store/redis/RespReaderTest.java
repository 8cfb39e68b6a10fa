package io.ephemeral.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Replies arrive in pieces of any size: whatever the cut, the reader returns each reply whole and
 * in order, as the values Jedis would have returned, and nothing before it is complete.
 */
class RespReaderTest {

  /** A channel that hands out the bytes in the given pieces, one piece per read. */
  private static final class Pieces implements ReadableByteChannel {
    private final byte[] bytes;
    private final int[] cuts;
    private int next;
    private int at;

    Pieces(byte[] bytes, int[] cuts) {
      this.bytes = bytes;
      this.cuts = cuts;
    }

    @Override
    public int read(ByteBuffer dst) {
      if (at == bytes.length) {
        return 0;
      }
      int end = next < cuts.length ? cuts[next++] : bytes.length;
      int n = Math.min(end - at, dst.remaining());
      dst.put(bytes, at, n);
      at += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  private static Object randomReply(Random random, int depth) {
    switch (random.nextInt(depth > 2 ? 5 : 6)) {
      case 0:
        return (long) random.nextInt() * (random.nextBoolean() ? 1 : 100_000);
      case 1:
        return null;
      case 2:
        byte[] bulk =
            new byte[random.nextInt(3) == 0 ? random.nextInt(100_000) : random.nextInt(20)];
        random.nextBytes(bulk); // any bytes, CR and LF included
        return bulk;
      case 3:
        return new JedisDataException("ERR " + random.nextInt());
      case 4:
        return "OK".getBytes(StandardCharsets.US_ASCII); // a status reply reads as its bytes
      default:
        List<Object> items = new ArrayList<>();
        for (int i = random.nextInt(6); i > 0; i--) {
          items.add(randomReply(random, depth + 1));
        }
        return items;
    }
  }

  private static void write(Object reply, ByteArrayOutputStream out, Random random) {
    if (reply == null) {
      out.writeBytes((random.nextBoolean() ? "$-1\r\n" : "*-1\r\n").getBytes());
    } else if (reply instanceof Long n) {
      out.writeBytes((":" + n + "\r\n").getBytes());
    } else if (reply instanceof byte[] b) {
      if (Arrays.equals(b, "OK".getBytes(StandardCharsets.US_ASCII)) && random.nextBoolean()) {
        out.writeBytes("+OK\r\n".getBytes());
      } else {
        out.writeBytes(("$" + b.length + "\r\n").getBytes());
        out.writeBytes(b);
        out.writeBytes("\r\n".getBytes());
      }
    } else if (reply instanceof JedisDataException e) {
      out.writeBytes(("-" + e.getMessage() + "\r\n").getBytes());
    } else {
      List<?> items = (List<?>) reply;
      out.writeBytes(("*" + items.size() + "\r\n").getBytes());
      for (Object item : items) {
        write(item, out, random);
      }
    }
  }

  private static void assertSame(Object actual, Object expected) {
    if (expected instanceof JedisDataException e) {
      assertThat(actual).isInstanceOf(JedisDataException.class);
      assertThat(((JedisDataException) actual).getMessage()).isEqualTo(e.getMessage());
    } else if (expected instanceof List<?> items) {
      assertThat(actual).isInstanceOf(List.class);
      List<?> got = (List<?>) actual;
      assertThat(got).hasSameSizeAs(items);
      for (int i = 0; i < items.size(); i++) {
        assertSame(got.get(i), items.get(i));
      }
    } else {
      assertThat(actual).isEqualTo(expected);
    }
  }

  @Test
  void repliesCutAnywhereAreReadWholeAndInOrder() throws Exception {
    for (long seed = 1; seed <= 200; seed++) {
      Random random = new Random(seed);
      List<Object> replies = new ArrayList<>();
      ByteArrayOutputStream wire = new ByteArrayOutputStream();
      for (int i = random.nextInt(30) + 1; i > 0; i--) {
        Object reply = randomReply(random, 0);
        replies.add(reply);
        write(reply, wire, random);
      }
      byte[] bytes = wire.toByteArray();
      int[] cuts = random.ints(random.nextInt(40), 0, bytes.length + 1).sorted().toArray();
      Pieces channel = new Pieces(bytes, cuts);
      RespReader reader = new RespReader();
      List<Object> read = new ArrayList<>();
      int reads = 0;
      while (read.size() < replies.size()) {
        assertThat(reads++).as("seed %d: reads", seed).isLessThan(cuts.length + 100);
        reader.readFrom(channel);
        Object reply;
        while ((reply = reader.next()) != RespReader.INCOMPLETE) {
          read.add(reply);
        }
      }
      assertThat(reader.next()).isSameAs(RespReader.INCOMPLETE);
      for (int i = 0; i < replies.size(); i++) {
        assertSame(read.get(i), replies.get(i));
      }
    }
  }

  @Test
  void errorRepliesBecomeTheExceptionsJedisWouldThrow() throws Exception {
    assertThat(RespReader.error("NOSCRIPT No matching script"))
        .isInstanceOf(JedisNoScriptException.class);
    assertThat(RespReader.error("WRONGPASS invalid username-password pair"))
        .isInstanceOf(JedisAccessControlException.class);
    assertThat(RespReader.error("NOPERM this user has no permissions"))
        .isInstanceOf(JedisAccessControlException.class);
    assertThat(RespReader.error("LOADING Redis is loading"))
        .isExactlyInstanceOf(JedisDataException.class);
  }

  @Test
  void bytesThatAreNotRespAreRefusedWithAReason() throws Exception {
    RespReader reader = new RespReader();
    reader.readFrom(new Pieces("HTTP/1.1 400\r\n".getBytes(StandardCharsets.US_ASCII), new int[0]));
    assertThatThrownBy(reader::next)
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("unknown type 'H'");
    RespReader numbers = new RespReader();
    numbers.readFrom(new Pieces(":12x\r\n".getBytes(StandardCharsets.US_ASCII), new int[0]));
    assertThatThrownBy(numbers::next).isInstanceOf(ProtocolException.class);
  }
}
