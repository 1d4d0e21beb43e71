package io.gatehouse.bench.support;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.server.Gatehouse;
import io.gatehouse.transport.server.GatehouseServer;
import java.nio.file.Path;
import java.util.List;

/**
 * A Gatehouse server on an ephemeral loopback port with mTLS required and the {@link EchoTool},
 * the real MCP SDK server behind it; with the auth pipeline assembled from the config's
 * {@code auth:} section, or with {@code insecureNoAuthentication()}; optionally also serving the
 * tool over MCP 2026-07-28.
 */
public final class GatehouseTarget implements AutoCloseable {
  private final GatehouseServer server;

  private GatehouseTarget(TransportConfig config, boolean withAuth, boolean modern) {
    Gatehouse.Builder builder = Gatehouse.server(config)
        .tools(EchoTool.spec())
        .mcp(spec -> spec.serverInfo("gatehouse-bench", "1.0"));
    if (modern) {
      // Non-blocking, so served on the event loop: the SDK's servlet target runs its sync echo on
      // the request's thread, so neither target hops to another thread per call.
      builder.modernAsyncTools(List.of(EchoTool.modernAsyncSpec()));
    }
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
    return withoutAuth(config, false);
  }

  /** As {@link #withoutAuth(TransportConfig)}; {@code modern} also serves MCP 2026-07-28 on {@code /mcp}. */
  public static GatehouseTarget withoutAuth(TransportConfig config, boolean modern) {
    return new GatehouseTarget(config, false, modern);
  }

  /** Starts {@code config} with the auth pipeline its {@code auth:} section describes. */
  public static GatehouseTarget withAuth(TransportConfig config) {
    return withAuth(config, false);
  }

  /** As {@link #withAuth(TransportConfig)}; {@code modern} also serves MCP 2026-07-28 on {@code /mcp}. */
  public static GatehouseTarget withAuth(TransportConfig config, boolean modern) {
    return new GatehouseTarget(config, true, modern);
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
