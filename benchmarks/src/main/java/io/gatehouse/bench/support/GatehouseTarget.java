package io.gatehouse.bench.support;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.server.Gatehouse;
import io.gatehouse.transport.server.GatehouseServer;
import java.nio.file.Path;

/**
 * A Gatehouse server on an ephemeral loopback port with mTLS required and the {@link EchoTool},
 * the real MCP SDK server behind it; with the auth pipeline assembled from the config's
 * {@code auth:} section, or with {@code insecureNoAuthentication()}.
 */
public final class GatehouseTarget implements AutoCloseable {
  private final GatehouseServer server;

  private GatehouseTarget(TransportConfig config, boolean withAuth) {
    Gatehouse.Builder builder = Gatehouse.server(config)
        .tools(EchoTool.spec())
        .mcp(spec -> spec.serverInfo("gatehouse-bench", "1.0"));
    server = (withAuth ? builder : builder.insecureNoAuthentication()).start();
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

  /** Starts {@code config} with insecureNoAuthentication(): mTLS only, every caller anonymous. */
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
  }
}
