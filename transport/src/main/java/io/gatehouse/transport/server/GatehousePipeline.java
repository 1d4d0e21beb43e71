package io.gatehouse.transport.server;

import io.gatehouse.transport.server.extension.TlsHandshakeObserver;
import io.gatehouse.transport.server.extension.PipelineSlot;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.http.BodyLimitAggregator;
import io.gatehouse.transport.http.ClientAddress;
import io.gatehouse.transport.http.GatehouseRequestDecoder;
import io.gatehouse.transport.http.HealthStage;
import io.gatehouse.transport.http.HostOriginStage;
import io.gatehouse.transport.http.InFlightRequests;
import io.gatehouse.transport.http.ReadinessCheck;
import io.gatehouse.transport.http.ReadinessStage;
import io.gatehouse.transport.http.ProtocolVersionStage;
import io.gatehouse.transport.http.RequestCycleHandler;
import io.gatehouse.transport.http.RequestLimitsHandler;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.http.SecurityHeadersHandler;
import io.gatehouse.transport.http.StageHandler;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection pipeline, in the one order every request follows (docs/transport.md): PROXY
 * protocol header (only with {@code proxyProtocol.trustedProxies}) → TLS → size
 * and timeout limits → Host/Origin → MCP-Protocol-Version → public endpoints → authenticate →
 * revocation → authorize → MCP. Each step is its own named handler; {@link #initChannel} is the
 * single place that order is written.
 */
final class GatehousePipeline extends ChannelInitializer<SocketChannel> {
  private static final int MAX_REQUEST_LINE = 8192;

  private final TransportConfig.Limits limits;
  private final Supplier<SslContext> tls; // null: plain HTTP
  private final InFlightRequests inFlight;
  private final ChannelGroup channels;
  private final NettyStreamableServerTransportProvider mcp;
  private final ChannelHandler securityHeaders = new SecurityHeadersHandler();
  private final ChannelHandler decoder;
  private final List<Map.Entry<String, ChannelHandler>> requestStages = new ArrayList<>();
  private final ChannelHandler connectionErrors = new ConnectionErrorHandler();
  private final ChannelHandler handshakeFailures;
  private final ProxyProtocolHandlers proxyProtocol; // null: off

  GatehousePipeline(TransportConfig config, Supplier<SslContext> tls, Map<PipelineSlot, List<RequestStage>> slots,
      NettyStreamableServerTransportProvider mcp, InFlightRequests inFlight, ChannelGroup channels,
      TlsHandshakeObserver handshakes, List<ReadinessCheck> readiness) {
    this.handshakeFailures = handshakes == null ? null : new HandshakeFailureHandler(handshakes);
    this.limits = config.limits();
    this.proxyProtocol = config.proxyProtocol().enabled()
        ? new ProxyProtocolHandlers(config.proxyProtocol().trustedProxies()) : null;
    this.tls = tls;
    this.inFlight = inFlight;
    this.channels = channels;
    this.mcp = mcp;
    this.decoder = new GatehouseRequestDecoder(mcp.jsonMapper());
    addStage("host-origin", new HostOriginStage(config.allowedHosts(), config.allowedOrigins(),
        loopback(config.bind()), !config.plainHttp()));
    addStage("mcp-protocol-version", new ProtocolVersionStage(
        NettyStreamableServerTransportProvider.PATH, mcp.servedProtocolVersions()));
    addStage("healthz", new HealthStage());
    addStage("readyz", new ReadinessStage(readiness));
    for (PipelineSlot slot : PipelineSlot.values()) {
      List<RequestStage> stages = slots.getOrDefault(slot, List.of());
      if (slot == PipelineSlot.AUTHENTICATE && stages.isEmpty()) {
        // Fail closed: only Gatehouse's insecureNoAuthentication() puts AnonymousStage here.
        throw new IllegalStateException("no authentication stage: refusing to serve");
      }
      for (RequestStage stage : stages) {
        addStage(slot.name().toLowerCase(java.util.Locale.ROOT) + ":" + stage.name(), stage);
      }
    }
  }

  /** {@code bind} is a loopback address (so only this machine can reach the server). */
  private static boolean loopback(String bind) {
    try {
      return java.net.InetAddress.getByName(bind).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private void addStage(String name, RequestStage stage) {
    String unique = name;
    for (int i = 2; names().contains(unique); i++) {
      unique = name + "#" + i;
    }
    requestStages.add(Map.entry(unique, new StageHandler(stage)));
  }

  private List<String> names() {
    return requestStages.stream().map(Map.Entry::getKey).toList();
  }

  /** Handler names in pipeline order, for documentation and tests. */
  List<String> stageNames() {
    return names();
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    channels.add(ch);
    int maxBuffered = limits.sseMaxBufferedBytes();
    ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(maxBuffered / 2, maxBuffered));
    ChannelPipeline p = ch.pipeline();
    if (proxyProtocol != null) {
      proxyProtocol.addHandlers(ch); // before TLS: the header precedes the handshake
    }
    if (tls != null) {
      // The context current now: a renewed certificate reaches new connections only.
      SslHandler handler = tls.get().newHandler(ch.alloc());
      handler.setHandshakeTimeoutMillis(limits.requestReadTimeout().toMillis());
      p.addLast("tls", handler);
      if (handshakeFailures != null) {
        p.addLast("tls-handshake", handshakeFailures);
      }
    }
    p.addLast("http", new HttpServerCodec(new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_REQUEST_LINE)
        .setMaxHeaderSize(limits.maxHeaderBytes())));
    p.addLast("security-headers", securityHeaders);
    p.addLast("request-cycle", new RequestCycleHandler(limits.requestReadTimeout(), inFlight));
    p.addLast("header-limits", new RequestLimitsHandler(limits.maxHeaderCount()));
    p.addLast("body-limit", new BodyLimitAggregator(limits.maxBodyBytes()));
    p.addLast("request", decoder);
    for (Map.Entry<String, ChannelHandler> stage : requestStages) {
      p.addLast(stage.getKey(), stage.getValue());
    }
    p.addLast("mcp", mcp.newHandler());
    p.addLast("errors", connectionErrors);
  }

  /** Reports failed handshakes, then removes itself once a handshake succeeded. */
  @Sharable
  private static final class HandshakeFailureHandler extends ChannelInboundHandlerAdapter {
    private final TlsHandshakeObserver observer;

    HandshakeFailureHandler(TlsHandshakeObserver observer) {
      this.observer = observer;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SslHandshakeCompletionEvent done) {
        if (!done.isSuccess()) {
          observer.handshakeFailed(ClientAddress.of(ctx.channel()), done.cause());
        }
        ctx.pipeline().remove(this);
      }
      ctx.fireUserEventTriggered(evt);
    }
  }

  /** Closes a connection on any error that reaches the end of the pipeline. */
  @Sharable
  private static final class ConnectionErrorHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionErrorHandler.class);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }
}
