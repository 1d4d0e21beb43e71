package io.gatehouse.transport.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An SSE stream coalesces its flushes: the stream answering one POST sends its head, the response
 * and the end in one flush (through TLS: one record, one socket write; it once took three), while
 * a listening stream's head and every message of a longer stream still leave at once.
 */
class SseStreamFlushTest {
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  /** Counts flushes on their way to the socket. */
  private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
    int flushes;

    @Override
    public void flush(ChannelHandlerContext ctx) {
      flushes++;
      ctx.flush();
    }
  }

  private final FlushCounter counter = new FlushCounter();
  private final ChannelInboundHandlerAdapter endpoint = new ChannelInboundHandlerAdapter();
  private final EmbeddedChannel channel = new EmbeddedChannel(counter, new HttpResponseEncoder(), endpoint);

  private SseStream stream() {
    return SseStream.create(channel.pipeline().context(endpoint), McpJsonDefaults.getMapper());
  }

  private static McpSchema.JSONRPCResponse response(int id) {
    return new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, id, Map.of("content", "pong"), null);
  }

  private String written() {
    StringBuilder out = new StringBuilder();
    for (Object o = channel.readOutbound(); o != null; o = channel.readOutbound()) {
      ByteBuf b = (ByteBuf) o;
      out.append(b.toString(StandardCharsets.UTF_8));
      b.release();
    }
    return out.toString();
  }

  @Test
  void aRequestStreamSendsHeadResponseAndEndInOneFlush() {
    SseStream stream = stream().openForResponse(KEEP_ALIVE);
    assertThat(counter.flushes).as("the head waits for the answer").isZero();

    // what the SDK does with a request stream: send the response, then close gracefully
    stream.sendMessage(response(7)).then(stream.closeGracefully()).subscribe();
    channel.runPendingTasks();

    assertThat(counter.flushes).isEqualTo(1);
    String http = written();
    assertThat(http).startsWith("HTTP/1.1 200 OK\r\n").contains("content-type: text/event-stream")
        .contains("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,").endsWith("0\r\n\r\n");
    channel.runPendingTasks();
    assertThat(counter.flushes).as("the queued flush finds nothing left").isEqualTo(1);
  }

  @Test
  void aListeningStreamFlushesItsHeadAtOnce() {
    stream().open(KEEP_ALIVE);
    assertThat(counter.flushes).isEqualTo(1);
    assertThat(written()).startsWith("HTTP/1.1 200 OK\r\n");
  }

  @Test
  void aMessageOnAStreamThatStaysOpenIsFlushedWithoutWaitingForTheEnd() {
    SseStream stream = stream().openForResponse(KEEP_ALIVE);
    stream.sendMessage(new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION,
        McpSchema.METHOD_NOTIFICATION_PROGRESS, Map.of("progress", 1))).subscribe();
    channel.runPendingTasks();

    assertThat(counter.flushes).isEqualTo(1);
    assertThat(written()).startsWith("HTTP/1.1 200 OK\r\n").contains("notifications/progress")
        .doesNotEndWith("0\r\n\r\n");

    stream.sendMessage(response(8)).subscribe();
    channel.runPendingTasks();
    assertThat(counter.flushes).isEqualTo(2);
    assertThat(written()).contains("\"id\":8");
    stream.close();
    channel.runPendingTasks();
    assertThat(written()).isEqualTo("0\r\n\r\n");
  }
}
