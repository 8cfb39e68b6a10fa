package io.ephemeral.store.redis;

import io.ephemeral.broker.store.RemoteStore;
import io.ephemeral.broker.store.StoreUnavailableException;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A {@link RedisStore}'s connection for the broker's event loop: the calls of a turn are written as
 * one pipeline of RESP commands, the same commands the store threads send through Jedis (GET and
 * PTTL for a plain read, EVALSHA of the store's scripts otherwise), and Redis's replies are read as
 * they arrive and decoded by the store's own decoders ({@link RedisStore#decodeAll}).
 *
 * <p>Implementation notes. Connecting blocks (on a store thread, bounded by the store's connect and
 * call timeouts): it authenticates, selects the database and loads the scripts, so EVALSHA finds
 * them. After that the channel is non-blocking and every method runs on the loop thread. Redis
 * answers a connection's commands in order, so the batches waiting for answers form a queue, each
 * knowing how many replies it awaits. A NOSCRIPT reply (Redis restarted or its scripts were
 * flushed) fails that call as the store threads do and then the connection, so that the next one
 * loads the scripts again.
 */
final class RedisLoopConnection implements RemoteStore.LoopConnection {
  private static final byte[] AUTH = "AUTH".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SELECT = "SELECT".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CLIENT = "CLIENT".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SETNAME = "SETNAME".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SCRIPT = "SCRIPT".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LOAD = "LOAD".getBytes(StandardCharsets.US_ASCII);

  private final RedisStore store;
  private final SocketChannel channel;
  private final long timeoutMillis;
  private final RespWriter out = new RespWriter();
  private final RespReader in = new RespReader();

  /** Batches whose replies are due, in the order they were sent. */
  private final ArrayDeque<Batch> due = new ArrayDeque<>();

  private boolean closed;

  /** Calls sent together and the replies that have come for them. */
  private static final class Batch {
    final List<Invocation<?>> invocations;
    final int expected;
    final List<Object> replies;

    /** Null for the store's own follow-up calls, whose replies nobody reads. */
    final Consumer<List<Object>> done;

    Batch(List<Invocation<?>> invocations, int expected, Consumer<List<Object>> done) {
      this.invocations = invocations;
      this.expected = expected;
      this.replies = new ArrayList<>(expected);
      this.done = done;
    }
  }

  private RedisLoopConnection(RedisStore store, SocketChannel channel, long timeoutMillis) {
    this.store = store;
    this.channel = channel;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * Connects to the endpoint's (standalone) Redis and prepares the connection.
   *
   * @throws StoreUnavailableException when Redis cannot be reached or refuses the connection
   */
  static RedisLoopConnection open(RedisStore store, RedisEndpoint endpoint) {
    SocketChannel channel = null;
    UnixSocket unix = null;
    try {
      // The hello below is a blocking exchange with the store's timeout, through a Socket: a TCP
      // channel's own view, or for a Unix socket (whose channel has none) a UnixSocket.
      Socket socket;
      if (endpoint.unixSocket() != null) {
        unix = UnixSocket.connect(endpoint.unixSocket(), endpoint.timeoutMillis());
        socket = unix;
      } else {
        HostAndPort where = HostAndPort.from(endpoint.hosts().get(0));
        channel = SocketChannel.open();
        socket = channel.socket();
        socket.setTcpNoDelay(true);
        socket.connect(
            new InetSocketAddress(where.getHost(), where.getPort()),
            endpoint.connectTimeoutMillis());
        socket.setSoTimeout(endpoint.timeoutMillis());
      }
      RespWriter hello = new RespWriter();
      int replies = 0;
      if (endpoint.password() != null) {
        byte[] password = endpoint.password().getBytes(StandardCharsets.UTF_8);
        if (endpoint.user() != null) {
          hello.command(3).arg(AUTH).arg(endpoint.user().getBytes(StandardCharsets.UTF_8));
          hello.arg(password);
        } else {
          hello.command(2).arg(AUTH).arg(password);
        }
        replies++;
      }
      if (endpoint.database() != 0) {
        hello.command(2).arg(SELECT).arg(ScriptArgs.number(endpoint.database()));
        replies++;
      }
      hello.command(3).arg(CLIENT).arg(SETNAME);
      hello.arg("ephemeral-broker".getBytes(StandardCharsets.US_ASCII));
      replies++;
      for (Scripts s : Scripts.values()) {
        hello.command(3).arg(SCRIPT).arg(LOAD).arg(s.source);
        replies++;
      }
      hello.writeTo(socket.getOutputStream());
      RespReader answers = new RespReader();
      for (int i = 0; i < replies; i++) {
        Object reply;
        while ((reply = answers.next()) == RespReader.INCOMPLETE) {
          if (answers.readFrom(socket.getInputStream()) < 0) {
            throw new IOException("Redis closed the connection");
          }
        }
        if (reply instanceof JedisDataException refused) {
          throw refused;
        }
      }
      if (unix != null) {
        channel = unix.takeChannel();
      }
      channel.configureBlocking(false);
      return new RedisLoopConnection(store, channel, endpoint.timeoutMillis());
    } catch (IOException e) {
      closeQuietly(unix);
      closeQuietly(channel);
      throw new StoreUnavailableException(
          "cannot reach Redis at " + store.describe() + ": " + RedisFailures.reason(e), e);
    } catch (JedisException e) {
      closeQuietly(unix);
      closeQuietly(channel);
      throw store.failureOf(e);
    }
  }

  @Override
  public SocketChannel channel() {
    return channel;
  }

  @Override
  public long timeoutMillis() {
    return timeoutMillis;
  }

  @Override
  public void send(List<RemoteStore.Call<?>> calls, Consumer<List<Object>> done) {
    List<Invocation<?>> invocations;
    try {
      invocations = store.record(calls);
    } catch (RuntimeException e) {
      done.accept(Collections.nCopies(calls.size(), e)); // a call that is not one store call
      return;
    }
    queue(invocations, done);
  }

  private void queue(List<Invocation<?>> invocations, Consumer<List<Object>> done) {
    if (closed) {
      if (done != null) {
        done.accept(
            Collections.nCopies(
                invocations.size(),
                new StoreUnavailableException("the connection to Redis is closed")));
      }
      return;
    }
    int expected = 0;
    for (Invocation<?> inv : invocations) {
      store.encode(inv, out);
      expected += RedisStore.replies(inv);
    }
    Batch batch = new Batch(invocations, expected, done);
    if (expected == 0) {
      complete(batch);
    } else {
      due.add(batch);
    }
  }

  @Override
  public boolean flush() throws IOException {
    return out.isEmpty() || out.writeTo(channel);
  }

  @Override
  public void read() throws IOException {
    boolean lostScripts = false;
    while (true) {
      int n = in.readFrom(channel);
      if (n < 0) {
        throw new IOException("Redis closed the connection");
      }
      Object reply;
      while (!due.isEmpty() && (reply = in.next()) != RespReader.INCOMPLETE) {
        Batch head = due.peek();
        head.replies.add(reply);
        lostScripts |= reply instanceof JedisNoScriptException;
        if (head.replies.size() == head.expected) {
          due.poll();
          complete(head);
        }
      }
      if (due.isEmpty() && in.next() != RespReader.INCOMPLETE) {
        throw new ProtocolException("Redis sent a reply nobody asked for");
      }
      if (n == 0 || !in.full()) {
        break;
      }
    }
    if (lostScripts) {
      throw new IOException("Redis lost the store's scripts (restarted?)");
    }
  }

  private void complete(Batch batch) {
    if (batch.done == null) {
      return; // a follow-up: its outcome changes no answer
    }
    List<byte[]> expired = new ArrayList<>(0);
    List<Object> results = store.decodeAll(batch.invocations, batch.replies, expired);
    if (!expired.isEmpty()) {
      List<Invocation<?>> removals = new ArrayList<>(expired.size());
      for (byte[] key : expired) {
        removals.add(store.expiredCall(key));
      }
      queue(removals, null); // written at the end of the loop's turn
    }
    batch.done.accept(results);
  }

  @Override
  public void fail(String reason) {
    StoreUnavailableException why =
        new StoreUnavailableException(
            "the connection to Redis at "
                + store.describe()
                + " failed ("
                + reason
                + "); the request's outcome is unknown");
    closed = true;
    closeQuietly(channel);
    Batch batch;
    while ((batch = due.poll()) != null) {
      if (batch.done != null) {
        batch.done.accept(Collections.nCopies(batch.invocations.size(), why));
      }
    }
  }

  @Override
  public void close() {
    fail("the connection was closed");
  }

  private static void closeQuietly(Closeable channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing more to do with it
      }
    }
  }
}
