package io.gatehouse.transport.server;

import io.gatehouse.transport.server.extension.TlsHandshakeObserver;
import io.gatehouse.transport.server.extension.PipelineSlot;
import io.gatehouse.transport.server.extension.ServerExtensionPoints;
import io.gatehouse.transport.auth.pipeline.GatehouseAuth;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.http.InFlightRequests;
import io.gatehouse.transport.http.ReadinessCheck;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.modelcontextprotocol.server.McpSyncServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Gatehouse MCP server: Netty over TLS (or plain HTTP on loopback), serving an {@link
 * NettyStreamableServerTransportProvider} through the request pipeline.
 *
 * <p>Start one with {@link Gatehouse#server}, which assembles authentication, the tool-list filter
 * and metrics in one order; there is no other public way to build one. Closing it also closes
 * the MCP server and the auth pipeline it owns.
 */
public final class GatehouseServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatehouseServer.class);

  private final TransportConfig config;
  private final NettyStreamableServerTransportProvider mcp;
  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;
  private final ChannelGroup channels;
  private final InFlightRequests inFlight;
  private final Channel serverChannel;
  private final List<String> pipelineNames;
  private final ReloadingSslContext tlsContext; // null: plain HTTP
  private final List<AutoCloseable> owned;
  private final GatehouseAuth auth;
  private final McpSyncServer mcpServer;
  private boolean stopped;

  private GatehouseServer(Builder b) {
    this.config = b.config;
    this.mcp = b.mcp;
    this.owned = List.copyOf(b.owned);
    this.auth = b.auth;
    this.mcpServer = b.mcpServer;
    TransportConfig.Tls tls = config.tls();
    InetAddress address = resolve(config.bind());
    if (config.plainHttp() && !address.isLoopbackAddress()) {
      throw new IllegalArgumentException("plain HTTP is only allowed on a loopback address, not "
          + config.bind() + "; configure tls.certificate and tls.privateKey");
    }
    if (b.clientAuth != null) {
      tls = tls.withClientAuth(b.clientAuth, tls.trustBundle());
    }
    // Reloaded when the certificate, key or trust bundle changes on disk (docs/transport.md).
    this.tlsContext = config.plainHttp() ? null
        : ReloadingSslContext.start(tls, b.trustManager, b.bundleTrust, b.bundleLoaded);
    this.inFlight = new InFlightRequests();
    this.channels = new DefaultChannelGroup("gatehouse", GlobalEventExecutor.INSTANCE);
    GatehousePipeline pipeline;
    try {
      pipeline = new GatehousePipeline(config, tlsContext, b.stages, mcp, inFlight, channels,
          b.handshakes, b.readiness);
    } catch (RuntimeException e) {
      if (tlsContext != null) {
        tlsContext.close(); // its watcher thread must not outlive a server that never started
      }
      throw e;
    }
    this.pipelineNames = pipeline.stageNames();
    this.acceptor = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    try {
      this.serverChannel = new ServerBootstrap()
          .group(acceptor, workers)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 1024)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(pipeline)
          .bind(new InetSocketAddress(address, config.port()))
          .syncUninterruptibly()
          .channel();
    } catch (RuntimeException e) {
      if (tlsContext != null) {
        tlsContext.close();
      }
      acceptor.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new IllegalStateException(
          "cannot listen on " + config.bind() + ":" + config.port() + ": " + e.getMessage(), e);
    }
    if (config.plainHttp()) {
      log.warn("plainHttp: serving without TLS on {}; only for tests or behind a TLS-terminating"
          + " proxy on this host", config.bind());
    }
    log.info("Gatehouse MCP listening on {}://{}:{} (TLS provider {})",
        config.plainHttp() ? "http" : "https", address().getHostString(), port(),
        config.plainHttp() ? "none" : ServerTls.provider(tls.provider()));
  }

  /** Starts configuring a server for {@code mcp}; {@link Gatehouse} is the public way in. */
  static Builder builder(
      TransportConfig config, NettyStreamableServerTransportProvider mcp) {
    return new Builder(config, mcp);
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** The bound port. */
  public int port() {
    return address().getPort();
  }

  /** The MCP transport this server serves. */
  public NettyStreamableServerTransportProvider transport() {
    return mcp;
  }

  /** The MCP SDK server behind the transport (e.g. to add tools at runtime). */
  public McpSyncServer mcpServer() {
    return mcpServer;
  }

  /** The auth pipeline (empty only for a server started with {@code insecureNoAuthentication()}). */
  public Optional<GatehouseAuth> auth() {
    return Optional.ofNullable(auth);
  }

  /** Names of the request-stage handlers, in pipeline order. */
  public List<String> requestStageNames() {
    return pipelineNames;
  }

  /** Graceful shutdown within {@code shutdownGrace}. */
  @Override
  public void close() {
    shutdown(config.shutdownGrace());
  }

  /**
   * Stops accepting connections and MCP requests, ends listening streams, waits up to {@code
   * grace} for in-flight requests, closes sessions, then closes every connection. Idempotent.
   *
   * @return true when every in-flight request finished within {@code grace}
   */
  public synchronized boolean shutdown(Duration grace) {
    if (stopped) {
      return true;
    }
    stopped = true;
    long deadline = System.nanoTime() + grace.toNanos();
    boolean drained = false;
    serverChannel.close().syncUninterruptibly();
    if (tlsContext != null) {
      tlsContext.close();
    }
    mcp.stopAccepting();
    try {
      inFlight.drain().get(remaining(deadline), TimeUnit.NANOSECONDS);
      drained = true;
    } catch (TimeoutException e) {
      log.warn("shutdown: {} requests still in flight after {}", inFlight.count(), grace);
    } catch (Exception e) {
      Thread.currentThread().interrupt();
    }
    log.debug("shutdown: in-flight requests done");
    try {
      mcp.closeGracefully().block(Duration.ofNanos(Math.max(remaining(deadline), 1)));
    } catch (RuntimeException e) {
      log.warn("shutdown: sessions did not close in time: {}", e.toString());
    }
    log.debug("shutdown: sessions closed");
    channels.close().awaitUninterruptibly(Math.max(remaining(deadline), 1), TimeUnit.NANOSECONDS);
    log.debug("shutdown: connections closed");
    acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("shutdown: closing {}: {}", resource, e.toString());
      }
    }
    return drained;
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private static InetAddress resolve(String bind) {
    try {
      return InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bind address " + bind + " does not resolve", e);
    }
  }

  /** Adds request stages and TLS trust, then starts the server. */
  public static final class Builder implements ServerExtensionPoints {
    private final TransportConfig config;
    private final NettyStreamableServerTransportProvider mcp;
    private final Map<PipelineSlot, List<RequestStage>> stages = new EnumMap<>(PipelineSlot.class);
    private TrustManagerFactory trustManager;
    private Function<List<X509Certificate>, TrustManagerFactory> bundleTrust;
    private Consumer<List<X509Certificate>> bundleLoaded;
    private TransportConfig.ClientAuthMode clientAuth;
    private TlsHandshakeObserver handshakes;
    private final List<ReadinessCheck> readiness = new ArrayList<>();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private GatehouseAuth auth;
    private McpSyncServer mcpServer;

    private Builder(TransportConfig config, NettyStreamableServerTransportProvider mcp) {
      this.config = Objects.requireNonNull(config, "config");
      this.mcp = Objects.requireNonNull(mcp, "mcp");
    }

    /** Adds {@code stage} at the end of {@code slot}. */
    @Override
    public Builder stage(PipelineSlot slot, RequestStage stage) {
      stages.computeIfAbsent(slot, s -> new ArrayList<>()).add(Objects.requireNonNull(stage));
      return this;
    }

    /**
     * Verifies client certificates with {@code trustManager} instead of {@code tls.trustBundle}.
     * It is fixed for the server's life: prefer {@link #clientTrustFromBundle}, which follows
     * changes of the bundle.
     */
    public Builder clientTrustManager(TrustManagerFactory trustManager) {
      this.trustManager = trustManager;
      this.bundleTrust = null;
      return this;
    }

    /**
     * Verifies client certificates with the trust manager {@code trust} makes from the CA
     * certificates of {@code tls.trustBundle} (for chain checks beyond PKIX defaults, such as EKU
     * clientAuth); called at start and whenever the bundle changes on disk.
     */
    @Override
    public Builder clientTrustFromBundle(
        Function<List<X509Certificate>, TrustManagerFactory> trust) {
      this.bundleTrust = Objects.requireNonNull(trust, "trust");
      this.trustManager = null;
      return this;
    }

    /**
     * Tells {@code listener} the CA certificates of {@code tls.trustBundle} at start and after each
     * change the server accepted, before new connections are checked against them (e.g. to find
     * the issuer of a client certificate for revocation checks with the same trust).
     */
    @Override
    public Builder onTrustBundleLoaded(Consumer<List<X509Certificate>> listener) {
      this.bundleLoaded = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Asks for client certificates in {@code mode}, whatever {@code tls.clientAuth} says (the auth
     * pipeline decides: REQUIRE with certificates only, OPTIONAL with a fallback method).
     */
    @Override
    public Builder clientAuth(TransportConfig.ClientAuthMode mode) {
      this.clientAuth = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** Reports failed TLS handshakes to {@code observer} (e.g. metrics by cause). */
    @Override
    public Builder tlsHandshakeObserver(TlsHandshakeObserver observer) {
      this.handshakes = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /** Adds {@code check} to what {@code GET /readyz} reports (none: always ready). */
    @Override
    public Builder readiness(ReadinessCheck check) {
      readiness.add(Objects.requireNonNull(check, "check"));
      return this;
    }

    /** Closes {@code resource} after the server stopped (in the order they were added). */
    Builder owns(AutoCloseable resource) {
      owned.add(Objects.requireNonNull(resource, "resource"));
      return this;
    }

    Builder mcpServer(McpSyncServer mcpServer) {
      this.mcpServer = mcpServer;
      return owns(mcpServer::close);
    }

    Builder auth(GatehouseAuth auth) {
      this.auth = auth;
      return this;
    }

    /** The MCP transport this server will serve. */
    @Override
    public NettyStreamableServerTransportProvider transport() {
      return mcp;
    }

    /** The configuration this server will use. */
    public TransportConfig config() {
      return config;
    }

    /**
     * Binds and starts serving.
     *
     * @throws IllegalArgumentException for configuration errors (one-line messages)
     * @throws IllegalStateException when the address cannot be bound
     */
    GatehouseServer start() {
      return new GatehouseServer(this);
    }
  }
}
