package io.gatehouse.transport.mcp;

import io.gatehouse.transport.mcp.observation.ToolCallObserver;
import io.gatehouse.transport.mcp.context.McpContextKeys;
import io.gatehouse.transport.auth.CredentialLease;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.RequestPrincipal;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.HttpResponses;
import io.gatehouse.transport.mcp.modern.ModernEndpoint;
import io.gatehouse.transport.http.ModernProtocol;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider.SessionEntry;
import io.gatehouse.transport.mcp.session.SessionState;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.HttpHeaders;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The MCP endpoint: Streamable HTTP POST/GET/DELETE on {@code /mcp}, 404 elsewhere. Runs on the
 * event loop and never blocks it: SDK work is subscribed on Reactor's bounded-elastic scheduler,
 * or on the event loop when the provider was told the SDK never blocks the subscriber ({@link
 * NettyStreamableServerTransportProvider#sdkOffloadsBlockingHandlers}); answers are written back
 * through the channel. The body parsed by the stages ({@link GatehouseRequest#jsonRpcMessage()})
 * is the message handed to the SDK: it is not parsed again.
 */
final class McpEndpointHandler extends SimpleChannelInboundHandler<GatehouseRequest> {
  private static final Logger log = LoggerFactory.getLogger(McpEndpointHandler.class);
  private static final TypeRef<McpSchema.InitializeRequest> INITIALIZE_REQUEST = new TypeRef<>() {};

  private final NettyStreamableServerTransportProvider provider;

  McpEndpointHandler(NettyStreamableServerTransportProvider provider) {
    this.provider = provider;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, GatehouseRequest request) {
    // The connection (and any stream it is about to carry) lives no longer than this credential.
    provider.credentials.bind(ctx.channel(), CredentialLease.get(request).orElse(null));
    if (!request.path().equals(NettyStreamableServerTransportProvider.PATH)) {
      error(ctx, HttpResponseStatus.NOT_FOUND, "not_found", "no such resource");
      return;
    }
    Principal principal = RequestPrincipal.get(request).orElse(null);
    ModernEndpoint modern = provider.modern;
    if (modern != null && ModernProtocol.isModern(request)) {
      modern.serve(ctx, request, principal,
          principal == null ? null : transportContext(request, principal), provider.closing);
      return;
    }
    if (principal == null) {
      error(ctx, HttpResponseStatus.UNAUTHORIZED, "unauthorized", "authentication required");
      return;
    }
    if (provider.closing || provider.sessionFactory == null) {
      error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable", "MCP is not serving");
      return;
    }
    McpTransportContext context = transportContext(request, principal);
    HttpMethod method = request.method();
    if (HttpMethod.POST.equals(method)) {
      post(ctx, request, principal, context);
    } else if (HttpMethod.GET.equals(method)) {
      get(ctx, request, principal);
    } else if (HttpMethod.DELETE.equals(method)) {
      delete(ctx, request, principal, context);
    } else {
      FullHttpResponse response = HttpResponses.error(
          HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "use POST, GET or DELETE");
      response.headers().set(HttpHeaderNames.ALLOW, "GET, POST, DELETE");
      ctx.writeAndFlush(response);
    }
  }

  private void post(ChannelHandlerContext ctx, GatehouseRequest request, Principal principal,
      McpTransportContext context) {
    String accept = request.header(HttpHeaderNames.ACCEPT);
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
      error(ctx, HttpResponseStatus.BAD_REQUEST, "invalid_request",
          "Accept must list application/json and text/event-stream");
      return;
    }
    if (!GatehouseRequest.isJson(request.header(HttpHeaderNames.CONTENT_TYPE))) {
      error(ctx, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
          "Content-Type must be application/json");
      return;
    }
    McpSchema.JSONRPCMessage message = request.jsonRpcMessage().orElse(null);
    if (message == null) {
      error(ctx, HttpResponseStatus.BAD_REQUEST, "invalid_request",
          "body must be one JSON-RPC 2.0 message");
      return;
    }
    if (message instanceof McpSchema.JSONRPCRequest r
        && McpSchema.METHOD_INITIALIZE.equals(r.method())) {
      initialize(ctx, r, principal, context, CredentialLease.get(request).orElse(null));
      return;
    }
    SessionEntry entry = session(ctx, request, principal);
    if (entry == null) {
      return;
    }
    if (message instanceof McpSchema.JSONRPCRequest r) {
      SseStream stream = SseStream.create(ctx, provider.jsonMapper)
          .openForResponse(provider.limits.sseKeepAlive());
      entry.openStreams.incrementAndGet();
      stream.onClose(entry.openStreams::decrementAndGet);
      observeToolCall(request, r, stream);
      LegacyPrimitiveFilter primitives = provider.legacyPrimitives;
      if (primitives != null && LegacyPrimitiveFilter.filtersListOf(r.method())) {
        // The SDK lists every prompt/resource; the caller sees only its grants (docs/authorization.md).
        stream.rewriteResponses(response -> r.id().equals(response.id())
            ? primitives.filterResponse(r.method(), response, context, provider.jsonMapper)
            : response);
      }
      McpStreamableServerSession.McpStreamableServerSessionStream sessionStream =
          entry.session.responseStream(stream);
      offLoop(sessionStream.handle(r), context).subscribe(null, err -> {
        log.warn("MCP request {} failed: {}", r.method(), err.toString());
        stream.close();
      });
      return;
    }
    Mono<Void> accepted = message instanceof McpSchema.JSONRPCResponse response
        ? entry.session.accept(response)
        : entry.session.accept((McpSchema.JSONRPCNotification) message);
    offLoop(accepted, context).subscribe(
        null,
        err -> {
          log.warn("MCP message failed: {}", err.toString());
          error(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "server_error", "internal error");
        },
        () -> ctx.writeAndFlush(HttpResponses.empty(HttpResponseStatus.ACCEPTED)));
  }

  /** Times a {@code tools/call} from here to its response (or the end of its stream). */
  private void observeToolCall(GatehouseRequest request, McpSchema.JSONRPCRequest r, SseStream stream) {
    ToolCallObserver observer = provider.toolCalls;
    String tool = request.toolName().orElse(null);
    if (observer == null || tool == null) {
      return;
    }
    long start = System.nanoTime();
    AtomicReference<ToolCallObserver.Outcome> outcome =
        new AtomicReference<>(ToolCallObserver.Outcome.ABORTED);
    stream.observeResponses(response -> {
      if (r.id().equals(response.id())) {
        outcome.set(isError(response) ? ToolCallObserver.Outcome.ERROR : ToolCallObserver.Outcome.OK);
      }
    });
    stream.onClose(() -> observer.toolCallEnded(tool, outcome.get(), System.nanoTime() - start));
  }

  private static boolean isError(McpSchema.JSONRPCResponse response) {
    Object result = response.result();
    if (response.error() != null) {
      return true;
    }
    if (result instanceof McpSchema.CallToolResult call) {
      return Boolean.TRUE.equals(call.isError());
    }
    return result instanceof Map<?, ?> map && Boolean.TRUE.equals(map.get("isError"));
  }

  private void initialize(ChannelHandlerContext ctx, McpSchema.JSONRPCRequest request,
      Principal principal, McpTransportContext context, CredentialLease lease) {
    McpSchema.InitializeRequest init;
    try {
      init = provider.jsonMapper.convertValue(request.params(), INITIALIZE_REQUEST);
    } catch (RuntimeException e) {
      error(ctx, HttpResponseStatus.BAD_REQUEST, "invalid_request", "malformed initialize");
      return;
    }
    String owner = SessionEntry.ownerKey(principal);
    // The version the SDK answers with: the client's when spoken here, else the latest.
    List<String> versions = provider.protocolVersions();
    String version = versions.contains(init.protocolVersion())
        ? init.protocolVersion() : versions.get(versions.size() - 1);
    SessionState state =
        provider.sealed.newState(owner, version, init.capabilities(), init.clientInfo());
    String id;
    try {
      id = provider.sealed.seal(state);
    } catch (IllegalArgumentException tooLarge) {
      error(ctx, HttpResponseStatus.BAD_REQUEST, "invalid_request", tooLarge.getMessage());
      return;
    }
    McpStreamableServerSession.McpStreamableServerSessionInit started;
    SessionEntry entry;
    // Check and insert atomically, so concurrent initializes cannot overshoot the limits.
    synchronized (provider.sessions) {
      if (!provider.makeRoom(owner)) {
        retryLater(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "too_many_sessions",
            "the server holds its maximum number of sessions");
        return;
      }
      started = provider.sessionFactory.startSession(init);
      entry = new SessionEntry(id, started.session(), principal, state.issuedAt());
      entry.lease = lease;
      provider.sessions.put(id, entry);
    }
    offLoop(started.initResult(), context).subscribe(
        result -> {
          FullHttpResponse response = HttpResponses.json(HttpResponseStatus.OK,
              json(McpSchema.JSONRPCResponse.result(request.id(), result)));
          response.headers().set(HttpHeaders.MCP_SESSION_ID, entry.id);
          ctx.writeAndFlush(response);
        },
        err -> {
          provider.remove(entry);
          log.warn("MCP initialize failed: {}", err.toString());
          error(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "server_error", "internal error");
        });
  }

  private void get(ChannelHandlerContext ctx, GatehouseRequest request, Principal principal) {
    if (!accepts(request.header(HttpHeaderNames.ACCEPT), "text/event-stream")) {
      error(ctx, HttpResponseStatus.BAD_REQUEST, "invalid_request",
          "Accept must list text/event-stream");
      return;
    }
    SessionEntry entry = session(ctx, request, principal);
    if (entry == null) {
      return;
    }
    SseStream stream = SseStream.create(ctx, provider.jsonMapper);
    // Registered before the head is written: once a client sees 200, notifications reach it.
    McpStreamableServerSession.McpStreamableServerSessionStream listening =
        entry.session.listeningStream(stream);
    stream.open(provider.limits.sseKeepAlive());
    SseStream previous = entry.listening.getAndSet(stream);
    if (previous != null) {
      previous.close();
    }
    stream.onClose(() -> {
      entry.listening.compareAndSet(stream, null);
      entry.lastActive = System.nanoTime();
      listening.close();
    });
  }

  private void delete(ChannelHandlerContext ctx, GatehouseRequest request, Principal principal,
      McpTransportContext context) {
    SessionEntry entry = session(ctx, request, principal);
    if (entry == null) {
      return;
    }
    provider.remove(entry);
    offLoop(entry.session.delete(), context).subscribe(
        null,
        err -> {
          log.warn("MCP session delete failed: {}", err.toString());
          ctx.writeAndFlush(HttpResponses.empty(HttpResponseStatus.OK));
        },
        () -> ctx.writeAndFlush(HttpResponses.empty(HttpResponseStatus.OK)));
  }

  /** The caller's session named in {@code Mcp-Session-Id}, or null after answering 400/404. */
  private SessionEntry session(
      ChannelHandlerContext ctx, GatehouseRequest request, Principal principal) {
    if (request.headers().getAll(HttpHeaders.MCP_SESSION_ID).size() > 1) {
      // A proxy reading another of them would disagree with us about the session.
      error(ctx, HttpResponseStatus.BAD_REQUEST, "invalid_request",
          "exactly one Mcp-Session-Id header is allowed");
      return null;
    }
    String id = request.header(HttpHeaders.MCP_SESSION_ID);
    if (id == null || id.isBlank()) {
      error(ctx, HttpResponseStatus.BAD_REQUEST, "missing_session",
          "Mcp-Session-Id header is required");
      return null;
    }
    SessionEntry entry = provider.find(id, principal);
    if (entry == null) {
      error(ctx, HttpResponseStatus.NOT_FOUND, "session_not_found",
          "no such session: initialize a new one");
      return null;
    }
    // The session ends when the credential it was last used with is refused (revoked).
    CredentialLease.get(request).ifPresent(lease -> entry.lease = lease);
    return entry;
  }

  private static McpTransportContext transportContext(GatehouseRequest request, Principal p) {
    return McpContextKeys.forRequest(request, p);
  }

  /**
   * SDK work with the transport context in Reactor's context, subscribed off the event loop unless
   * the SDK runs whatever may block off the subscribing thread itself: then the loop subscribes,
   * and a {@code tools/call} crosses threads twice (to the SDK's worker for the tool, back to the
   * loop to write) instead of three times.
   */
  private <T> Mono<T> offLoop(Mono<T> work, McpTransportContext context) {
    Mono<T> withContext = work.contextWrite(c -> c.put(McpTransportContext.KEY, context));
    return provider.sdkOffloadsBlockingHandlers
        ? withContext : withContext.subscribeOn(Schedulers.boundedElastic());
  }

  private byte[] json(Object value) {
    try {
      return provider.jsonMapper.writeValueAsBytes(value);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot serialize MCP response", e);
    }
  }

  private static boolean accepts(String accept, String mediaType) {
    return accept != null && accept.toLowerCase(Locale.ROOT).contains(mediaType);
  }

  private static void error(ChannelHandlerContext ctx, HttpResponseStatus status, String error,
      String description) {
    ctx.writeAndFlush(HttpResponses.error(status, error, description));
  }

  private static void retryLater(ChannelHandlerContext ctx, HttpResponseStatus status,
      String error, String description) {
    FullHttpResponse response = HttpResponses.error(status, error, description);
    response.headers().set(HttpHeaderNames.RETRY_AFTER, "60");
    ctx.writeAndFlush(response);
  }
}
