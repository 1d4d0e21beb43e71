package io.gatehouse.example.server;

import io.gatehouse.example.config.ServerConfig;
import io.gatehouse.example.tools.ExampleTools;
import io.gatehouse.transport.auth.pipeline.GatehouseAuth;
import io.gatehouse.transport.auth.pipeline.RegisteredTools;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.gatehouse.transport.server.GatehouseServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.gatehouse.transport.mcp.modern.PermittedToolRepository;
import io.modelcontextprotocol.modern.server.feature.McpChangeFeed;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The example MCP server: configuration in, running server out. It only wires: the transport
 * (TLS, limits), the auth pipeline ({@link GatehouseAuth}: authenticators, revocation, policy,
 * rate limits, audit, meters), the example tools with the policy's {@code tools/list} filter, and a
 * Micrometer Prometheus registry served on {@code /metrics}.
 */
public final class ExampleServer implements AutoCloseable {
  /** The MCP server name reported at initialize. */
  public static final String NAME = "gatehouse-example";

  private static final String INSTRUCTIONS = "Internal HR, project and CRM tools. Read tools are"
      + " get_*, list_*, search_*; the others change data and record who called them. Call whoami"
      + " to see your roles.";

  private final GatehouseAuth auth;
  private final McpSyncServer mcp;
  private final GatehouseServer server;
  private final PrometheusMeterRegistry registry;
  private final int toolCount;
  private final String mcpUrl;

  private ExampleServer(GatehouseAuth auth, McpSyncServer mcp, GatehouseServer server,
      PrometheusMeterRegistry registry, int toolCount, String mcpUrl) {
    this.auth = auth;
    this.mcp = mcp;
    this.server = server;
    this.registry = registry;
    this.toolCount = toolCount;
    this.mcpUrl = mcpUrl;
  }

  /**
   * Starts serving {@code config}.
   *
   * @throws IllegalArgumentException for configuration errors (one line)
   * @throws IllegalStateException when the port cannot be bound
   */
  public static ExampleServer start(ServerConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    GatehouseAuth auth = null;
    McpSyncServer mcp = null;
    io.modelcontextprotocol.modern.server.McpServer modern = null;
    try {
      auth = GatehouseAuth.fromConfig(config.server(), registry);
      var transport = new NettyStreamableServerTransportProvider(config.server().limits());
      ExampleTools example = new ExampleTools();
      List<SyncToolSpecification> tools = example.specifications();
      mcp = McpServer.sync(transport)
          .serverInfo(NAME, version())
          .instructions(INSTRUCTIONS)
          // listChanged: after a policy reload, clients are told to list the tools again.
          .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
          .tools(tools)
          .addToolFilter(auth.toolListFilter())
          .build();
      // The same tools on MCP 2026-07-28 (stateless), on the same /mcp behind the same pipeline.
      McpChangeFeed changes = new McpChangeFeed();
      modern = io.modelcontextprotocol.modern.server.McpServer.builder()
          .serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
              .builder(NAME, version()).build())
          .instructions(INSTRUCTIONS)
          .feature(ToolsFeature.ofSync(PermittedToolRepository.filteredLike(
              example.modernTools(), auth.toolListFilter())))
          .subscriptions(changes)
          .build();
      transport.serveModern(modern, changes);
      if (config.metrics().enabled()) {
        auth.metricsEndpoint(registry::scrape);
      }
      GatehouseServer server =
          auth.install(GatehouseServer.builder(config.server(), transport), RegisteredTools.of(mcp))
              .start();
      return new ExampleServer(auth, mcp, server, registry, tools.size(), url(config, server.port()));
    } catch (RuntimeException e) {
      if (modern != null) {
        modern.closeGracefully();
      }
      if (mcp != null) {
        mcp.close();
      }
      if (auth != null) {
        auth.close();
      }
      registry.close();
      throw e;
    }
  }

  /** Loopback and wildcard binds are shown as localhost, the name the demo's certificate has. */
  private static String url(ServerConfig config, int port) {
    InetSocketAddress bound = new InetSocketAddress(config.server().bind(), port);
    String host = bound.getAddress() != null
        && (bound.getAddress().isLoopbackAddress() || bound.getAddress().isAnyLocalAddress())
        ? "localhost" : config.server().bind();
    return (config.server().plainHttp() ? "http" : "https") + "://" + host + ":" + port + "/mcp";
  }

  private static String version() {
    String version = ExampleServer.class.getPackage().getImplementationVersion();
    return version == null ? "development" : version;
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** The MCP endpoint, e.g. {@code https://localhost:8443/mcp}. */
  public String mcpUrl() {
    return mcpUrl;
  }

  /** How many tools the server has (before any caller's filter). */
  public int toolCount() {
    return toolCount;
  }

  /** Graceful shutdown: the transport drains, then the MCP server, auth pipeline and metrics close. */
  @Override
  public void close() {
    server.close();
    mcp.close();
    auth.close();
    registry.close();
  }
}
