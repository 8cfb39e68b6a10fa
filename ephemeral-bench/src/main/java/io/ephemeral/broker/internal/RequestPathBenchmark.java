package io.ephemeral.broker.internal;

import io.ephemeral.bench.MicroBenchmark;
import io.ephemeral.broker.Broker;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The broker's work per request without the socket: {@link RequestParser} alone, the reply encoding
 * alone ({@link Reply} into {@link ByteOutput}), and a whole line through {@link Dispatcher}
 * (parse, checks, store, reply), on replayed request lines as udsbench and ephemeral-bench send
 * them.
 */
public class RequestPathBenchmark extends MicroBenchmark {
  static final String VALUE = "\"" + "x".repeat(100) + "\"";

  byte[] getLine = bytes("{\"action\":\"get\",\"key\":\"k123\"}");
  byte[] setLine =
      bytes("{\"action\":\"set\",\"key\":\"k123\",\"value\":" + VALUE + ",\"ttl\":60000}");
  byte[] leaseLine =
      bytes("{\"action\":\"lease\",\"key\":\"pool\",\"workerId\":\"w17\",\"ttl\":60000}");
  byte[] pingLine = bytes("{\"action\":\"ping\"}");
  byte[] nestedSetLine =
      bytes(
          "{\"action\":\"set\",\"key\":\"cfg\",\"value\":{\"a\":[1,2.5,true,null],\"b\":\"s\"},"
              + "\"ttl\":60000,\"id\":42}");

  RequestParser parser;
  Request request;
  Dispatcher dispatcher;
  Dispatcher dispatcherWithoutMetrics;
  ByteOutput out;
  Connection connection;
  Reply reply;
  byte[] storedValue = bytes(VALUE);

  @Setup(Level.Trial)
  public void setUp() {
    BrokerConfig config = BrokerConfig.resolve(Broker.builder().environment(Map.of()).maxItems(0));
    Metrics metrics = new Metrics(config.metrics());
    MemoryStore store = new MemoryStore(config.maxItems(), config.evictionPolicy(), metrics);
    Leases leases = new Leases(metrics);
    CommandTable commands = new CommandTable();
    // The loop reads the clock once per turn (TurnClock), so a turn of many requests: never ticked.
    new KvCommands(
            config,
            new TurnClock(config.clock()),
            store,
            leases,
            metrics,
            new LoopState(),
            new BrokerLog(BrokerConfig.LogLevel.ERROR, false))
        .registerAll(commands);
    parser = new RequestParser(commands, 64);
    request = new Request();
    dispatcher =
        new Dispatcher(
            config, commands, metrics, new BrokerLog(BrokerConfig.LogLevel.ERROR, false));
    // The same path with metrics off: what the per-action counters and latency histograms cost.
    BrokerConfig quiet =
        BrokerConfig.resolve(Broker.builder().environment(Map.of()).maxItems(0).metrics(false));
    Metrics off = new Metrics(false);
    CommandTable quietCommands = new CommandTable();
    new KvCommands(
            quiet,
            new TurnClock(quiet.clock()),
            new MemoryStore(0, quiet.evictionPolicy(), off),
            new Leases(off),
            off,
            new LoopState(),
            new BrokerLog(BrokerConfig.LogLevel.ERROR, false))
        .registerAll(quietCommands);
    dispatcherWithoutMetrics =
        new Dispatcher(
            quiet, quietCommands, off, new BrokerLog(BrokerConfig.LogLevel.ERROR, false));
    connection = new Connection(null); // never written to a socket here
    out = connection.out;
    reply = new Reply(null);
    dispatcher.handle(connection, setLine, 0, setLine.length);
    dispatcherWithoutMetrics.handle(connection, setLine, 0, setLine.length);
    out.clear();
  }

  @Benchmark
  public int parseGet() {
    request.reset(getLine, 0, getLine.length);
    return parser.parse(request) + request.keyLen;
  }

  @Benchmark
  public int parseSet() {
    request.reset(setLine, 0, setLine.length);
    return parser.parse(request) + request.valueEnd;
  }

  @Benchmark
  public int parseLease() {
    request.reset(leaseLine, 0, leaseLine.length);
    return parser.parse(request) + request.workerId.length();
  }

  @Benchmark
  public int parseNestedValue() {
    request.reset(nestedSetLine, 0, nestedSetLine.length);
    return parser.parse(request) + request.valueEnd;
  }

  /** A get's answer: {"ok":true,"value":…,"compressed":false} into a connection's output. */
  @Benchmark
  public int encodeGetReply() {
    request.reset(getLine, 0, getLine.length);
    reply.begin(out, request);
    reply.ok();
    reply.member(Reply.ascii(",\"value\":")).write(storedValue);
    reply.member(Reply.ascii(",\"compressed\":")).bool(false);
    reply.end();
    int n = out.size();
    out.clear();
    return n;
  }

  @Benchmark
  public int encodeErrorReply() {
    reply.begin(out, null);
    reply.error("not_found");
    int n = out.size();
    out.clear();
    return n;
  }

  @Benchmark
  public void dispatchGet(Blackhole bh) {
    dispatcher.handle(connection, getLine, 0, getLine.length);
    bh.consume(out.size());
    out.clear();
  }

  @Benchmark
  public void dispatchGetWithoutMetrics(Blackhole bh) {
    dispatcherWithoutMetrics.handle(connection, getLine, 0, getLine.length);
    bh.consume(out.size());
    out.clear();
  }

  @Benchmark
  public void dispatchSet(Blackhole bh) {
    dispatcher.handle(connection, setLine, 0, setLine.length);
    bh.consume(out.size());
    out.clear();
  }

  @Benchmark
  public void dispatchPing(Blackhole bh) {
    dispatcher.handle(connection, pingLine, 0, pingLine.length);
    bh.consume(out.size());
    out.clear();
  }

  /**
   * Only parked and deferred requests (lease waits, providers, a shared store) use it; these
   * benchmarks have none.
   */
  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
