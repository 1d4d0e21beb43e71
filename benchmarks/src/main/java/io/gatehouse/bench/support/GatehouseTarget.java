package io.gatehouse.bench.support;

import io.gatehouse.transport.auth.pipeline.GatehouseAuth;
import io.gatehouse.transport.auth.pipeline.RegisteredTools;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.gatehouse.transport.server.GatehouseServer;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;

/**
 * A Gatehouse server on an ephemeral loopback port with mTLS required and the {@link EchoTool},
 * the real MCP SDK server behind it; with the auth pipeline assembled from the config's
 * {@code auth:} section ({@link GatehouseAuth}), or without any auth stage.
 */
public final class GatehouseTarget implements AutoCloseable {
  private final GatehouseAuth auth;
  private final McpSyncServer mcp;
  private final GatehouseServer server;

  private GatehouseTarget(TransportConfig config, boolean withAuth) {
    auth = withAuth ? GatehouseAuth.fromConfig(config) : null;
    NettyStreamableServerTransportProvider transport = new NettyStreamableServerTransportProvider(config.limits());
    var spec = McpServer.sync(transport)
        .serverInfo("gatehouse-bench", "1.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
        .tools(EchoTool.spec());
    if (auth != null) {
      spec.addToolFilter(auth.toolListFilter());
    }
    mcp = spec.build();
    GatehouseServer.Builder builder = GatehouseServer.builder(config, transport);
    server = (auth == null ? builder : auth.install(builder, RegisteredTools.of(mcp))).start();
  }

  /**
   * The mTLS config every target shares: {@code certificate}/{@code key} for the server, client
   * certificates required and chaining to {@code trustBundle}, TLS provider {@code provider}.
   */
  public static TransportConfig config(Path certificate, Path key, Path trustBundle,
      TransportConfig.TlsProvider provider) {
    return TransportConfig.defaults().withAddress("127.0.0.1", 0)
        .withTls(TransportConfig.Tls.of(certificate, key)
            .withClientAuth(TransportConfig.ClientAuthMode.REQUIRE, trustBundle)
            .withProvider(provider));
  }

  /** Starts {@code config} without auth stages: mTLS only, every caller anonymous. */
  public static GatehouseTarget withoutAuth(TransportConfig config) {
    return new GatehouseTarget(config, false);
  }

  /** Starts {@code config} with the auth pipeline its {@code auth:} section describes. */
  public static GatehouseTarget withAuth(TransportConfig config) {
    return new GatehouseTarget(config, true);
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
    mcp.close();
    if (auth != null) {
      auth.close();
    }
  }
}
