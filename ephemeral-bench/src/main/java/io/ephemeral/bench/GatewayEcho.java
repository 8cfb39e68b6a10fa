package io.ephemeral.bench;

import io.ephemeral.client.service.Serializer;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceInterface;
import java.util.concurrent.CompletableFuture;

/**
 * The echo as a typed {@code @ServiceInterface}, for the gateway benchmark's {@code :proxy} cells:
 * the same params as the call cells, {@code {"n": n, "text": filler}}, as a record, to the same
 * callee, the answer checked the same way.
 */
final class GatewayEcho {
  /** The params of a proxy call. */
  record Message(long n, String text) {}

  @ServiceInterface("bench-echo-json")
  interface Json {
    Message echo(Message m);
  }

  @ServiceInterface("bench-echo-json")
  interface JsonAsync {
    CompletableFuture<Message> echo(Message m);
  }

  @ServiceInterface("bench-echo-msgpack")
  interface Msgpack {
    Message echo(Message m);
  }

  @ServiceInterface("bench-echo-msgpack")
  interface MsgpackAsync {
    CompletableFuture<Message> echo(Message m);
  }

  private GatewayEcho() {}

  /**
   * The caller of a {@code :proxy} cell: {@code proxy.echo(new Message(n, filler))}, checked to
   * answer the same message.
   */
  static GatewayLoad.EchoCaller proxyCaller(ServiceClient caller, GatewayCell cell) {
    String filler = GatewayBench.filler(cell.payloadBytes);
    boolean json = cell.serializer == Serializer.JSON;
    Json jsonProxy = json ? caller.proxy(Json.class) : null;
    JsonAsync jsonAsync = json ? caller.proxy(JsonAsync.class) : null;
    Msgpack msgpackProxy = json ? null : caller.proxy(Msgpack.class);
    MsgpackAsync msgpackAsync = json ? null : caller.proxy(MsgpackAsync.class);
    return new GatewayLoad.EchoCaller() {
      @Override
      public void call(long n) {
        Message sent = new Message(n, filler);
        check(sent, json ? jsonProxy.echo(sent) : msgpackProxy.echo(sent));
      }

      @Override
      public CompletableFuture<?> callAsync(long n) {
        Message sent = new Message(n, filler);
        return (json ? jsonAsync.echo(sent) : msgpackAsync.echo(sent))
            .thenApply(answer -> check(sent, answer));
      }
    };
  }

  private static Message check(Message sent, Message answer) {
    if (!sent.equals(answer)) {
      String got = String.valueOf(answer);
      throw new BenchException(
          "echo answered something else than was sent: call n="
              + sent.n()
              + ", answer "
              + (got.length() > 200 ? got.substring(0, 200) + "…" : got));
    }
    return answer;
  }
}
