package io.ephemeral.client.service;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Implementation notes.
 *
 * One connection to the gateway: a non-blocking SocketChannel, a daemon reader thread that owns
 * a Selector (the role can pass to the link's spare thread, below), and a queue of outgoing
 * frames.
 *
 * Reading: the reader reads whatever has arrived into one buffer and cuts every complete frame
 * from it (a frame's length is checked against maxFrameSize before the buffer grows for it), so
 * a burst of frames costs one read. When a read finds nothing, the reader may first spin on
 * non-blocking reads for `spinNanos` (the next frame of a busy conversation usually arrives
 * within microseconds, and waking a sleeping thread costs tens of them), then waits in select().
 *
 * Writing: send() queues the frame; whoever holds `writeLock` writes every queued frame, many
 * per write, so concurrent senders share system calls. A sender that finds the lock taken
 * returns at once: the holder checks the queue again after unlocking, so no frame is left
 * behind. Other threads that hold the lock write until the queue is empty, waiting for room in
 * the socket if need be (backpressure); beyond QUEUE_LIMIT queued bytes they wait for the lock
 * instead of leaving their frame to the holder. The reader thread never waits on a write: the
 * gateway may stop reading from us while its output to us is full, and only the reader can
 * empty that. When the socket is full the reader leaves the rest queued, marks `readerFlush`
 * and writes it when select() reports room (handlers that run on the reader thread send their
 * responses this way). Whichever thread writes the queue empty clears the mark, so that the
 * reader's select() waits for data only again (with the mark left set, select() would return at
 * once for as long as the socket has room, and the reader would spin).
 *
 * Handing reading over: the owner may ask, while the reader delivers a frame, to run a task on
 * this very thread once another thread reads (handOffAndRun: a handler that may block runs on
 * the thread that read its CALL, without waking a handler thread first). A link has at most two
 * threads: the reader and a spare that waits to read. At a hand-off the reader stops after the
 * frame it delivered, leaves its buffer (with any frames after that one) in `readBuf`, makes the
 * spare the reader (a volatile write the spare waits for, so it sees the buffer) and runs the
 * task; then it becomes the spare. While the other thread runs a task there is no spare and no
 * hand-off: the owner uses its executor. Only the last complete frame of what was read can be
 * handed over, so the frames of a burst are never left waiting for the next reader to wake. The wake-up of the next reader is off the call's path.
 *
 * close() is idempotent and reports the closure to the owner exactly once, with the first cause
 * (null for a deliberate close). `closed` is set before the owner hears of it, so an owner that
 * checks isClosed() under its own lock and then installs the link cannot miss the closure. A
 * channel registered with a selector is released when the reader closes its selector, so
 * close() wakes the reader.
 */
final class Link {
  /** Receives what a link reads. Called on the link's reader thread. */
  interface Owner {
    void onMessage(Link link, WireMessage message);

    void onUndecodable(Link link, Exception error);

    void onClosed(Link link, Throwable cause);
  }

  static final int READ_BUFFER = 64 * 1024;
  private static final int WRITE_BUFFER = 64 * 1024;
  private static final long QUEUE_LIMIT = 1024 * 1024;

  final int index;
  final CompletableFuture<Void> registration = new CompletableFuture<>();

  /** The name this connection calls as: its service's, or the identity the gateway gave it. */
  private volatile String callerName;

  private final SocketChannel channel;
  private final Selector selector;
  private final SelectionKey key;
  private final Owner owner;
  private final int maxFrameSize;
  private final long spinNanos;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final String threadName;

  /** The thread that reads now (it changes at a hand-off). */
  private volatile Thread reader;

  /** A thread of this link waiting to read, or null (see the notes on handing reading over). */
  private volatile LinkThread spare;

  /** This link's threads alive: the reader, and a spare or a thread running a handed-off task. */
  private final AtomicInteger threads = new AtomicInteger();

  // Reader only: the read buffer, kept here across a hand-off, and the task to run after one.
  private ByteBuffer readBuf = ByteBuffer.allocate(READ_BUFFER);
  private Runnable afterHandOff;

  /** Reader only: whether the frame being delivered is the last complete one read so far. */
  private boolean lastInBuffer;

  private final WireCodec.Reader decoder = new WireCodec.Reader();

  private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final ReentrantLock writeLock = new ReentrantLock();

  /**
   * Set when the reader left frames queued because the socket was full; cleared by whichever thread
   * writes the queue empty. While set, the reader's select() also waits for room.
   */
  private volatile boolean readerFlush;

  /** How many times the reader has waited in select(), for tests. */
  private volatile long selects;

  // Guarded by writeLock: bytes being written (read mode), a large body behind them, and a
  // frame taken from the queue that did not fit into `out` yet.
  private final ByteBuffer out = ByteBuffer.allocateDirect(WRITE_BUFFER).flip();
  private ByteBuffer large;
  private byte[] carry;

  private Link(
      int index, SocketChannel channel, Owner owner, int maxFrameSize, long spinNanos, String name)
      throws IOException {
    this.index = index;
    this.channel = channel;
    this.owner = owner;
    this.maxFrameSize = maxFrameSize;
    this.spinNanos = spinNanos;
    channel.configureBlocking(false);
    this.selector = Selector.open();
    try {
      this.key = channel.register(selector, SelectionKey.OP_READ);
    } catch (IOException | RuntimeException e) {
      selector.close();
      throw e;
    }
    this.threadName = name;
  }

  /** Connects to the gateway and starts reading. */
  static Link open(
      Path gateway, int index, Owner owner, int maxFrameSize, long spinNanos, String threadName)
      throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    Link link;
    try {
      ch.connect(UnixDomainSocketAddress.of(gateway));
      link = new Link(index, ch, owner, maxFrameSize, spinNanos, threadName);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    link.startThread(true);
    return link;
  }

  boolean isClosed() {
    return closed.get();
  }

  String callerName() {
    return callerName;
  }

  void callerName(String name) {
    this.callerName = name;
  }

  /** Whether the calling thread is now the reader of a link of {@code owner}. */
  static boolean isReaderOf(Owner owner) {
    Thread t = Thread.currentThread();
    return t instanceof LinkThread
        && ((LinkThread) t).link.owner == owner
        && ((LinkThread) t).link.reader == t;
  }

  /** A thread of a link, so that the owner can recognize its own readers. */
  private static final class LinkThread extends Thread {
    final Link link;

    LinkThread(Link link, String name) {
      super(name);
      this.link = link;
      setDaemon(true);
    }

    @Override
    public void run() {
      link.serveAsThread(this);
    }
  }

  /** Starts a thread of this link: the reader, or a spare that waits to read. */
  private void startThread(boolean asReader) {
    LinkThread t = new LinkThread(this, threadName);
    threads.incrementAndGet();
    if (asReader) {
      reader = t;
    }
    try {
      t.start();
    } catch (RuntimeException | Error e) {
      threads.decrementAndGet();
      throw e;
    }
  }

  /**
   * Called by the owner on the reader thread while it delivers a frame: once the delivery returns,
   * another thread of this link reads and this thread runs {@code task}. False, and the task is not
   * taken, when no thread waits to read (then one is started for next time, if this link has fewer
   * than two), or when more complete frames wait behind this one: those would wait for the next
   * reader to wake up, and a burst is better read to its end by the thread that is awake.
   */
  boolean handOffAndRun(Runnable task) {
    if (Thread.currentThread() != reader || afterHandOff != null || !lastInBuffer || closed.get()) {
      return false;
    }
    if (spare == null) {
      if (threads.get() < 2) {
        startThread(false);
      }
      return false;
    }
    afterHandOff = task;
    return true;
  }

  /** A link thread's life: read while it is the reader, run what it was handed, wait to read. */
  private void serveAsThread(LinkThread me) {
    try {
      while (true) {
        if (reader != me) {
          spare = me;
          while (reader != me) {
            if (closed.get()) {
              return;
            }
            LockSupport.park(this);
          }
        }
        Runnable task = readLoop();
        if (task != null) {
          try {
            task.run();
          } finally {
            Thread.interrupted(); // an interrupt meant for the task must not reach select()
          }
        }
        if (closed.get()) {
          return;
        }
      }
    } finally {
      threads.decrementAndGet();
    }
  }

  /**
   * Queues one frame and writes what is queued if no other thread is writing. Returns once the
   * frame is written or left to the thread that writes. On failure the link is closed and the error
   * rethrown.
   */
  void send(byte[] body) throws IOException {
    if (closed.get()) {
      throw new IOException("Connection closed");
    }
    queue.add(body);
    boolean onReader = Thread.currentThread() == reader;
    if (!onReader && queuedBytes.addAndGet(4L + body.length) > QUEUE_LIMIT) {
      writeLock.lock();
    } else {
      if (onReader) {
        queuedBytes.addAndGet(4L + body.length);
      }
      if (!writeLock.tryLock()) {
        return; // the holder writes our frame before it lets go (see flushQueued)
      }
    }
    try {
      flushQueued(onReader);
    } catch (IOException | RuntimeException e) {
      close(e);
      throw e;
    }
  }

  /** Writes the queue while holding writeLock, then unlocks; repeats if frames came meanwhile. */
  private void flushQueued(boolean onReader) throws IOException {
    while (true) {
      try {
        if (!onReader) {
          readerFlush = false; // we wait for room ourselves
        }
        if (!drain(!onReader)) {
          readerFlush = true; // only the reader stops early; it writes the rest when there is room
          return;
        }
        // Everything queued is written, whoever wrote it: the reader must stop asking select()
        // for room, or select() returns at once for as long as the socket has room, for ever.
        readerFlush = false;
      } finally {
        writeLock.unlock();
      }
      if (queue.isEmpty() || readerFlush || !writeLock.tryLock()) {
        return;
      }
    }
  }

  /**
   * Writes queued frames until none is left (true), or, when it may not wait, until the socket is
   * full (false). Under writeLock.
   */
  private boolean drain(boolean mayWait) throws IOException {
    long idle = 0;
    while (true) {
      if (out.hasRemaining() || large != null) {
        int n = out.hasRemaining() ? channel.write(out) : channel.write(large);
        if (large != null && !large.hasRemaining()) {
          large = null;
        }
        if (n > 0) {
          idle = 0;
          continue;
        }
        if (closed.get()) {
          throw new IOException("Connection closed");
        }
        if (!mayWait) {
          return false;
        }
        // The socket is full: the gateway is behind. Rare, so poll rather than keep a selector.
        idle =
            Math.min(
                Math.max(idle * 2, TimeUnit.MICROSECONDS.toNanos(50)),
                TimeUnit.MILLISECONDS.toNanos(5));
        LockSupport.parkNanos(idle);
        continue;
      }
      if (!fill()) {
        return true;
      }
    }
  }

  /** Moves queued frames into `out` (and `large`); false if there was nothing. */
  private boolean fill() {
    out.clear();
    boolean any = false;
    while (true) {
      byte[] body = carry != null ? carry : queue.poll();
      carry = null;
      if (body == null) {
        break;
      }
      if (out.remaining() < 4 + body.length) {
        if (4 + body.length <= out.capacity() || out.remaining() < 4) {
          carry = body; // next round
          break;
        }
        // Larger than the buffer: its header goes last in `out`, its body is written from the
        // array.
        queuedBytes.addAndGet(-4L - body.length);
        out.putInt(body.length);
        large = ByteBuffer.wrap(body);
        any = true;
        break;
      }
      queuedBytes.addAndGet(-4L - body.length);
      out.putInt(body.length).put(body);
      any = true;
    }
    out.flip();
    return any;
  }

  /** Closes the connection; the owner hears of it once, with the first cause. */
  void close(Throwable cause) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
    selector.wakeup();
    LinkThread idle = spare;
    if (idle != null) {
      LockSupport.unpark(idle);
    }
    registration.completeExceptionally(
        ServiceException.of(
            ServiceException.CONNECTION_FAILED,
            "Connection closed before registration"
                + (cause == null ? "" : ": " + cause.getMessage()),
            cause));
    owner.onClosed(this, cause);
  }

  /**
   * Reads and delivers frames while this thread is the reader. Returns the task to run after a
   * hand-off (another thread reads from then on); once the link is closed, a task that was handed
   * over just before (it still runs: its call has to be answered or failed), else null.
   */
  private Runnable readLoop() {
    ByteBuffer buf = readBuf;
    boolean handedOff = false;
    try {
      buf = cutFrames(buf); // frames the previous reader left behind at its hand-off
      while (afterHandOff == null) {
        int n = channel.read(buf);
        if (n < 0) {
          throw new EOFException("Connection closed by the gateway");
        }
        if (n == 0 && !(spinNanos > 0 && (n = spin(buf)) > 0)) {
          awaitReadable();
          continue;
        }
        buf = cutFrames(buf);
      }
      Runnable task = afterHandOff;
      afterHandOff = null;
      readBuf = buf;
      LinkThread next = spare;
      spare = null;
      handedOff = true;
      reader = next; // publishes readBuf to the next reader
      LockSupport.unpark(next);
      return task;
    } catch (IOException | RuntimeException e) {
      close(closed.get() ? null : e);
      Runnable left = afterHandOff;
      afterHandOff = null;
      return left;
    } catch (Error e) {
      close(closed.get() ? null : e); // e.g. out of memory in a handler run on this thread
      throw e;
    } finally {
      if (!handedOff) {
        try {
          selector.close(); // releases the channel if close() deferred it
        } catch (IOException ignored) {
          // nothing left to release
        }
      }
    }
  }

  /** Non-blocking reads for up to spinNanos; the bytes read, or 0. */
  private int spin(ByteBuffer buf) throws IOException {
    long until = System.nanoTime() + spinNanos;
    do {
      Thread.onSpinWait();
      int n = channel.read(buf);
      if (n != 0) {
        if (n < 0) {
          throw new EOFException("Connection closed by the gateway");
        }
        return n;
      }
    } while (System.nanoTime() - until < 0 && !closed.get());
    return 0;
  }

  private void awaitReadable() throws IOException {
    if (closed.get()) {
      throw new IOException("Connection closed");
    }
    boolean flush = readerFlush;
    int ops = flush ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
    if (key.interestOps() != ops) {
      key.interestOps(ops);
    }
    selector.select();
    selects++; // only the reader writes it
    selector.selectedKeys().clear();
    if (flush && readerFlush && key.isWritable() && writeLock.tryLock()) {
      flushQueued(true);
    }
  }

  /**
   * Hands every complete frame in {@code buf} (write mode) to the owner and returns the buffer to
   * read into next: the same one compacted, or a larger one when the next frame needs it.
   */
  private ByteBuffer cutFrames(ByteBuffer buf) throws IOException {
    byte[] a = buf.array();
    int end = buf.position();
    int pos = 0;
    while (end - pos >= 4) {
      long length = Integer.toUnsignedLong(buf.getInt(pos));
      if (length > maxFrameSize) {
        throw new IOException(
            "Frame of " + length + " bytes exceeds the maximum of " + maxFrameSize + " bytes");
      }
      if (end - pos - 4 < length) {
        break;
      }
      int next = pos + 4 + (int) length;
      lastInBuffer = end - next < 4 || end - next - 4 < Integer.toUnsignedLong(buf.getInt(next));
      deliver(a, pos + 4, (int) length);
      pos = next;
      if (closed.get()) {
        throw new IOException("Connection closed");
      }
      if (afterHandOff != null) {
        break; // the next reader cuts the frames after this one
      }
    }
    int left = end - pos;
    int need = left >= 4 ? 4 + buf.getInt(pos) : 4;
    ByteBuffer next =
        need > buf.capacity()
            ? ByteBuffer.allocate(need)
            : left == 0 && buf.capacity() > READ_BUFFER ? ByteBuffer.allocate(READ_BUFFER) : buf;
    if (next == buf) {
      System.arraycopy(a, pos, a, 0, left);
      buf.position(left);
    } else {
      next.put(a, pos, left);
    }
    return next;
  }

  private void deliver(byte[] a, int off, int len) {
    WireMessage message;
    try {
      message = decoder.read(a, off, len);
    } catch (IOException | RuntimeException e) {
      owner.onUndecodable(this, e);
      return;
    }
    owner.onMessage(this, message);
  }

  /** Whether a thread of this link waits to take reading over (for tests). */
  boolean hasSpare() {
    return spare != null && !closed.get();
  }

  /** Whether the reader still has frames to write once the socket has room (for tests). */
  boolean awaitsRoom() {
    return readerFlush;
  }

  /** How many times the reader has returned from select() so far (for tests). */
  long selects() {
    return selects;
  }

  @Override
  public String toString() {
    return "Link#" + index + (closed.get() ? " (closed)" : "");
  }
}
