package io.gatehouse.example.server;

import io.gatehouse.example.config.ServerConfig;
import io.gatehouse.example.tools.ExampleTools;
import io.gatehouse.transport.server.Gatehouse;
import io.gatehouse.transport.server.GatehouseServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The example MCP server: configuration in, running server out. It only wires: the transport
 * (TLS, limits) with the auth pipeline ({@link Gatehouse}: authenticators, revocation, policy,
 * tool-list filter, rate limits, audit, meters), the example tools, and a Micrometer Prometheus
 * registry served on {@code /metrics}.
 */
public final class ExampleServer implements AutoCloseable {
  /** The MCP server name reported at initialize. */
  public static final String NAME = "gatehouse-example";

  private static final String INSTRUCTIONS = "Internal HR, project and CRM tools. Read tools are"
      + " get_*, list_*, search_*; the others change data and record who called them. Call whoami"
      + " to see your roles.";

  private final GatehouseServer server;
  private final PrometheusMeterRegistry registry;
  private final int toolCount;
  private final String mcpUrl;

  private ExampleServer(GatehouseServer server, PrometheusMeterRegistry registry, int toolCount,
      String mcpUrl) {
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
    try {
      ExampleTools example = new ExampleTools();
      List<SyncToolSpecification> tools = example.specifications();
      Gatehouse.Builder builder = Gatehouse.server(config.server())
          .tools(tools)
          .mcp(spec -> spec.serverInfo(NAME, version())
              .instructions(INSTRUCTIONS)
              // listChanged: after a policy reload, clients are told to list the tools again.
              .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build()))
          // The same tools on MCP 2026-07-28 (stateless), on the same /mcp behind the same pipeline.
          .modernTools(example.modernTools())
          .modern(modern -> modern.serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
              .builder(NAME, version()).build()).instructions(INSTRUCTIONS))
          .metrics(registry);
      if (config.metrics().enabled()) {
        builder.metricsEndpoint(registry::scrape);
      }
      GatehouseServer server = builder.start();
      return new ExampleServer(server, registry, tools.size(), url(config, server.port()));
    } catch (RuntimeException e) {
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

  /** Graceful shutdown: the server drains and closes its MCP server and auth pipeline; then metrics. */
  @Override
  public void close() {
    server.close();
    registry.close();
  }
}
