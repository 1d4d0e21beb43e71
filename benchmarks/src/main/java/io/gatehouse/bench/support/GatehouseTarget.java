package io.gatehouse.bench.support;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.gatehouse.transport.server.GatehouseServer;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * A Gatehouse server on an ephemeral loopback port with mTLS required and the {@link EchoTool},
 * the real MCP SDK server behind it.
 */
public final class GatehouseTarget implements AutoCloseable {
  private final McpSyncServer mcp;
  private final GatehouseServer server;
  private final NettyStreamableServerTransportProvider transport;

  private GatehouseTarget(TransportConfig config, UnaryOperator<GatehouseServer.Builder> customize) {
    transport = new NettyStreamableServerTransportProvider(config.limits());
    mcp = McpServer.sync(transport)
        .serverInfo("gatehouse-bench", "1.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
        .tools(EchoTool.spec())
        .build();
    server = customize.apply(GatehouseServer.builder(config, transport)).start();
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

  /** Starts {@code config} with the stages {@code customize} adds (identity: no auth stage). */
  public static GatehouseTarget start(TransportConfig config, UnaryOperator<GatehouseServer.Builder> customize) {
    return new GatehouseTarget(config, customize);
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** Open MCP sessions. */
  public int sessionCount() {
    return transport.sessionCount();
  }

  @Override
  public void close() {
    server.close();
    mcp.close();
  }
}
