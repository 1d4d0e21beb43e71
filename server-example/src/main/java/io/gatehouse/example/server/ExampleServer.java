package io.gatehouse.example.server;

import io.gatehouse.example.config.ServerConfig;
import io.gatehouse.example.tools.ExampleTools;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.gatehouse.transport.server.GatehouseServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;

/**
 * The example MCP server: configuration in, running server out. It only wires: transport (TLS,
 * limits), the auth pipeline (authenticators, revocation, policy, rate limits, audit), the example
 * tools, and Micrometer metrics served on {@code /metrics}.
 */
public final class ExampleServer implements AutoCloseable {
  /** The MCP server name reported at initialize. */
  public static final String NAME = "gatehouse-example";

  private final GatehouseServer server;
  private final McpSyncServer mcp;
  private final PrometheusMeterRegistry registry;
  private final int toolCount;
  private final String mcpUrl;

  private ExampleServer(GatehouseServer server, McpSyncServer mcp, PrometheusMeterRegistry registry,
      int toolCount, String mcpUrl) {
    this.mcpUrl = mcpUrl;
    this.server = server;
    this.mcp = mcp;
    this.registry = registry;
    this.toolCount = toolCount;
  }

  /**
   * Starts serving {@code config}.
   *
   * @throws IllegalArgumentException for configuration errors (one line)
   * @throws IllegalStateException when the port cannot be bound
   */
  public static ExampleServer start(ServerConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var transport = new NettyStreamableServerTransportProvider(config.server().limits());
    List<SyncToolSpecification> tools = new ExampleTools().specifications();
    McpSyncServer mcp = McpServer.sync(transport)
        .serverInfo(NAME, version())
        .instructions("Internal HR, project and CRM tools. Read tools are get_*, list_*, search_*;"
            + " the others change data and record who called them. Call whoami to see your roles.")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
        .tools(ToolMetrics.instrument(tools, registry))
        .build();
    try {
      GatehouseServer server = GatehouseServer.builder(config.server(), transport).start();
      return new ExampleServer(server, mcp, registry, tools.size(), url(config, server.port()));
    } catch (RuntimeException e) {
      mcp.close();
      registry.close();
      throw e;
    }
  }

  /** Loopback and wildcard binds are shown as localhost, the name the demo's certificate has. */
  private static String url(ServerConfig config, int port) {
    java.net.InetSocketAddress bound = new java.net.InetSocketAddress(config.server().bind(), port);
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

  /** The Prometheus registry behind {@code /metrics}. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Graceful shutdown: the transport drains, then the MCP server and metrics close. */
  @Override
  public void close() {
    server.close();
    mcp.close();
    registry.close();
  }
}
