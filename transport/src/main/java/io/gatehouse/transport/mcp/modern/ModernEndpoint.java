package io.gatehouse.transport.mcp.modern;

import io.gatehouse.transport.http.ModernErrors;
import io.gatehouse.transport.http.ModernProtocol;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.HttpResponses;
import io.gatehouse.transport.mcp.observation.ToolCallObserver;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.JsonRpc;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.McpSchema.ErrorCodes;
import io.modelcontextprotocol.modern.server.McpRequestManager;
import io.modelcontextprotocol.modern.server.McpServer;
import io.modelcontextprotocol.modern.server.McpTransportResponse;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The modern (2026-07-28) side of {@code /mcp}: one self-contained POST per request, no
 * session. By the time a request gets here the shared pipeline has authenticated it and
 * authorized it from its {@code Mcp-Method}/{@code Mcp-Name} headers; this checks the body
 * against those headers (400 HeaderMismatch) and only then hands it to the SDK's {@link
 * McpRequestManager}. A plain result is one {@code application/json} response; a handler that
 * streams (progress, logging, {@code subscriptions/listen}) gets {@code text/event-stream}.
 * Runs on the event loop and never blocks it: it calls the SDK's non-blocking {@code handle}
 * there (the SDK's sync adapters and Gatehouse's tool repository move a sync handler to a
 * bounded-elastic worker by themselves), and {@code handleBlocking} only on a worker.
 */
public final class ModernEndpoint {
  private static final Logger log = LoggerFactory.getLogger(ModernEndpoint.class);

  private final McpRequestManager server;
  private final McpJsonMapper jsonMapper;
  private final Duration keepAlive;
  private final Set<Runnable> openStreams = ConcurrentHashMap.newKeySet();
  private final Supplier<ToolCallObserver> toolCalls;
  /**
   * Methods served from the embedder's synchronous prompt and resource repositories (and their
   * completions): dispatched whole on a bounded-elastic worker, because a lookup may block.
   */
  private static final Set<String> OFFLOADED_METHODS = Set.of(
      McpSchema.METHOD_PROMPTS_LIST, McpSchema.METHOD_PROMPTS_GET,
      McpSchema.METHOD_RESOURCES_LIST, McpSchema.METHOD_RESOURCES_READ,
      McpSchema.METHOD_RESOURCES_TEMPLATES_LIST, McpSchema.METHOD_COMPLETION_COMPLETE);

  /**
   * @param keepAlive interval of SSE comment pings (the transport's {@code limits.sseKeepAlive})
   * @param toolCalls the observer told of every {@code tools/call}'s end (its value may be null)
   */
  public ModernEndpoint(McpRequestManager server, McpJsonMapper jsonMapper, Duration keepAlive,
      Supplier<ToolCallObserver> toolCalls) {
    this.server = server;
    this.jsonMapper = jsonMapper;
    this.keepAlive = keepAlive;
    this.toolCalls = toolCalls;
  }

  /** Open event streams (request streams and {@code subscriptions/listen}). */
  public int openStreamCount() {
    return openStreams.size();
  }

  /** Ends every open stream (shutdown) and asks the SDK server to end its listen streams. */
  public void closeStreams() {
    if (server instanceof McpServer modern) {
      modern.closeGracefully();
    }
    openStreams.forEach(Runnable::run);
  }

  /**
   * Answers one modern request. {@code principal} is null only without an auth stage that set
   * one; {@code closing} refuses new work during shutdown.
   */
  public void serve(ChannelHandlerContext ctx, GatehouseRequest request, Principal principal,
      McpTransportContext context, boolean closing) {
    if (principal == null) {
      error(ctx, request, HttpResponseStatus.UNAUTHORIZED, "unauthorized", "authentication required");
      return;
    }
    if (closing) {
      error(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable", "MCP is not serving");
      return;
    }
    if (!HttpMethod.POST.equals(request.method())) {
      // No sessions and no GET stream in this revision.
      FullHttpResponse response = ModernErrors.fromRefusal(HttpResponses.error(
          HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "use POST"), null);
      response.headers().set(HttpHeaderNames.ALLOW, "POST");
      ctx.writeAndFlush(response);
      return;
    }
    if (!GatehouseRequest.isJson(request.header(HttpHeaderNames.CONTENT_TYPE))) {
      error(ctx, request, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
          "Content-Type must be application/json");
      return;
    }
    JsonRpc.JSONRPCMessage message;
    try {
      ModernMessages.Read read = ModernMessages.read(request, jsonMapper);
      if (read.batch()) {
        write(ctx, ModernErrors.response(null, ErrorCodes.INVALID_REQUEST,
            "batches are not accepted", null));
        return;
      }
      message = read.message();
    } catch (IOException e) { // malformed UTF-8 included
      write(ctx, ModernErrors.response(null, ErrorCodes.PARSE_ERROR, "Parse error", null));
      return;
    } catch (JsonRpc.InvalidMessageException e) {
      write(ctx, ModernErrors.response(e.id(), ErrorCodes.INVALID_REQUEST,
          "Invalid JSON-RPC message", null));
      return;
    } catch (RuntimeException e) {
      write(ctx, ModernErrors.response(null, ErrorCodes.PARSE_ERROR, "Parse error", null));
      return;
    }
    if (message instanceof JsonRpc.JSONRPCNotification notification) {
      String mismatch = ModernProtocol.mismatch(request, notification.method(), notification.params());
      if (mismatch != null) {
        write(ctx, ModernErrors.response(null, ErrorCodes.HEADER_MISMATCH, mismatch, null));
        return;
      }
      // Notifications carry no handler work in this revision: answered on the loop.
      withContext(server.handleNotification(context, notification), context).subscribe(
          null,
          err -> {
            log.warn("modern MCP notification failed: {}", err.toString());
            write(ctx, ModernErrors.response(null, ErrorCodes.INTERNAL_ERROR, "internal error", null));
          },
          () -> ctx.writeAndFlush(HttpResponses.empty(HttpResponseStatus.ACCEPTED)));
      return;
    }
    if (!(message instanceof JsonRpc.JSONRPCRequest rpc)) {
      write(ctx, ModernErrors.response(null, ErrorCodes.INVALID_REQUEST,
          "The server accepts either requests or notifications", null));
      return;
    }
    String mismatch = ModernProtocol.mismatch(request, rpc.method(), rpc.params());
    if (mismatch != null) {
      write(ctx, ModernErrors.response(rpc.id(), ErrorCodes.HEADER_MISMATCH, mismatch, null));
      return;
    }
    ToolCall call = ToolCall.start(toolCalls.get(), rpc);
    boolean offload = OFFLOADED_METHODS.contains(rpc.method());
    // Tools, discovery and subscriptions are dispatched on the loop with handle(): Gatehouse's
    // tool repository answers at once and hops to a bounded-elastic worker only for a sync tool's
    // handler (an async tool runs here). The methods of the embedder's sync prompt and resource
    // repositories, whose lookups may block too, run whole on a worker with handleBlocking.
    Mono<McpTransportResponse> answer = offload
        ? withContext(server.handleBlocking(context, rpc), context)
            .subscribeOn(Schedulers.boundedElastic())
        : withContext(server.handle(context, rpc), context);
    answer.subscribe(
        response -> respond(ctx, response, context, call, offload),
        err -> {
          call.ended(ctx, ToolCallObserver.Outcome.ABORTED);
          log.warn("modern MCP request {} failed: {}", rpc.method(), err.toString());
          write(ctx, ModernErrors.response(rpc.id(), ErrorCodes.INTERNAL_ERROR, "internal error", null));
        });
  }

  private void respond(ChannelHandlerContext ctx, McpTransportResponse response,
      McpTransportContext context, ToolCall call, boolean offloaded) {
    if (response instanceof McpTransportResponse.Result result) {
      call.answered(result.response());
      call.ended(ctx, null);
      ctx.writeAndFlush(HttpResponses.json(HttpResponseStatus.OK, json(result.response())));
    } else if (response instanceof McpTransportResponse.Error error) {
      call.ended(ctx, ToolCallObserver.Outcome.ERROR);
      JsonRpc.JSONRPCResponse body = error.response();
      int code = body.error() == null || body.error().code() == null
          ? ErrorCodes.INTERNAL_ERROR : body.error().code();
      ctx.writeAndFlush(HttpResponses.json(ModernErrors.status(code), json(body)));
    } else if (response instanceof McpTransportResponse.Streaming streaming) {
      Runnable[] end = new Runnable[1];
      Runnable onEnd = () -> {
        if (end[0] != null) {
          openStreams.remove(end[0]);
        }
        call.ended(ctx, null);
      };
      end[0] = ModernSseResponse.start(ctx, jsonMapper,
          streaming.messages()
              .doOnNext(m -> {
                if (m instanceof JsonRpc.JSONRPCResponse r) {
                  call.answered(r);
                }
              })
              .contextWrite(c -> c.put(McpTransportContext.KEY, context)),
          keepAlive, offloaded, onEnd);
      openStreams.add(end[0]);
    }
  }

  /** Times one {@code tools/call} for the observer; a no-op for other requests. */
  private static final class ToolCall {
    private static final ToolCall NONE = new ToolCall(null, null);
    private final ToolCallObserver observer;
    private final String tool;
    private final long start = System.nanoTime();
    private volatile ToolCallObserver.Outcome outcome = ToolCallObserver.Outcome.ABORTED;
    private boolean reported;

    private ToolCall(ToolCallObserver observer, String tool) {
      this.observer = observer;
      this.tool = tool;
    }

    static ToolCall start(ToolCallObserver observer, JsonRpc.JSONRPCRequest rpc) {
      if (observer == null || !McpSchema.METHOD_TOOLS_CALL.equals(rpc.method())
          || !(rpc.params() instanceof java.util.Map<?, ?> params)
          || !(params.get("name") instanceof String tool)) {
        return NONE;
      }
      return new ToolCall(observer, tool);
    }

    void answered(JsonRpc.JSONRPCResponse response) {
      boolean error = response.error() != null
          || (response.result() instanceof McpSchema.CallToolResult r && Boolean.TRUE.equals(r.isError()))
          || (response.result() instanceof java.util.Map<?, ?> m && Boolean.TRUE.equals(m.get("isError")));
      outcome = error ? ToolCallObserver.Outcome.ERROR : ToolCallObserver.Outcome.OK;
    }

    /** Reports once, on the event loop; {@code given} overrides what was answered. */
    void ended(ChannelHandlerContext ctx, ToolCallObserver.Outcome given) {
      if (observer == null) {
        return;
      }
      long nanos = System.nanoTime() - start;
      Runnable report = () -> {
        if (!reported) {
          reported = true;
          observer.toolCallEnded(tool, given != null ? given : outcome, nanos);
        }
      };
      if (ctx.executor().inEventLoop()) {
        report.run();
      } else {
        ctx.executor().execute(report);
      }
    }
  }

  private byte[] json(Object value) {
    try {
      return jsonMapper.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize MCP response", e);
    }
  }

  /** Puts the transport context into Reactor's context, where the SDK's features look. */
  private static <T> Mono<T> withContext(Mono<T> work, McpTransportContext context) {
    return work.contextWrite(c -> c.put(McpTransportContext.KEY, context));
  }

  private void error(ChannelHandlerContext ctx, GatehouseRequest request,
      HttpResponseStatus status, String error, String description) {
    ctx.writeAndFlush(ModernErrors.fromRefusal(HttpResponses.error(status, error, description),
        ModernProtocol.requestId(request)));
  }

  private static void write(ChannelHandlerContext ctx, FullHttpResponse response) {
    ctx.writeAndFlush(response);
  }
}
