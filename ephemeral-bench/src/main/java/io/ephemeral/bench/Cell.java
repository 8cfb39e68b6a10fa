package io.ephemeral.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One cell of the comparison: an operation at a number of connections × pipeline depth. */
final class Cell {
  final Workload.Op op;
  final int connections;
  final int pipeline;

  Cell(Workload.Op op, int connections, int pipeline) {
    if (connections < 1 || connections > 1000 || pipeline < 1 || pipeline > 4096) {
      throw new IllegalArgumentException(
          "connections must be 1..1000 and pipeline 1..4096, got " + connections + "x" + pipeline);
    }
    this.op = op;
    this.connections = connections;
    this.pipeline = pipeline;
  }

  /**
   * The default cells: ping, get, set at 1×1, 8×1, 1×32, 50×1, then lease+release pairs at 1×32.
   */
  static List<Cell> defaults(List<Workload.Op> ops, List<int[]> shapes) {
    List<Cell> cells = new ArrayList<>();
    for (Workload.Op op : ops) {
      if (op == Workload.Op.LEASE) {
        continue;
      }
      for (int[] s : shapes) {
        cells.add(new Cell(op, s[0], s[1]));
      }
    }
    if (ops.contains(Workload.Op.LEASE)) {
      cells.add(new Cell(Workload.Op.LEASE, 1, 32));
    }
    return cells;
  }

  /** {@code get:1x32}. */
  static Cell parse(String spec) {
    int colon = spec.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "a cell is OP:CONNSxPIPELINE, e.g. get:1x32; got '" + spec + "'");
    }
    int[] shape = parseShape(spec.substring(colon + 1));
    return new Cell(parseOp(spec.substring(0, colon)), shape[0], shape[1]);
  }

  static Workload.Op parseOp(String s) {
    try {
      return Workload.Op.valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown op '"
              + s
              + "' (ping, get, set, lease, setnx, incr, compute, barrier, acquire, lock)");
    }
  }

  static int[] parseShape(String s) {
    String[] p = s.trim().toLowerCase(Locale.ROOT).split("[x×]");
    if (p.length != 2) {
      throw new IllegalArgumentException("a shape is CONNSxPIPELINE, e.g. 8x1; got '" + s + "'");
    }
    try {
      return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a shape is CONNSxPIPELINE, e.g. 8x1; got '" + s + "'");
    }
  }

  /** The operation as the table names it; a lease or lock cell counts lease+release pairs. */
  String label() {
    return switch (op) {
      case LEASE -> "lease+release";
      case LOCK -> "lock+release";
      case SETNX -> "setIfAbsent";
      default -> op.name().toLowerCase(Locale.ROOT);
    };
  }

  String shape() {
    return connections + "×" + pipeline;
  }

  /** Requests per counted operation: a lease cell counts pairs. */
  int requestsPerOp() {
    return op.pairs() ? 2 : 1;
  }

  @Override
  public String toString() {
    return label() + " " + shape();
  }
}
