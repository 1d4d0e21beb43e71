package io.gatehouse.transport.conformance;

import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The reference column of docs/conformance.md: the same {@link EverythingServer} fixture on the
 * MCP SDK's own servlet transport ({@code HttpServletStreamableServerTransportProvider}) on Jetty
 * 12, set up as the SDK's own conformance server is (plain HTTP, no auth, localhost Host/Origin
 * allowed), on an ephemeral loopback port.
 */
final class SdkServletConformanceServer implements AutoCloseable {
  private final Server jetty;
  private final ServerConnector connector;
  private final McpSyncServer mcp;

  SdkServletConformanceServer() throws Exception {
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder()
            .mcpEndpoint("/mcp")
            .keepAliveInterval(Duration.ofSeconds(30))
            .securityValidator(DefaultServerTransportSecurityValidator.builder()
                .allowedOrigin("http://localhost:*")
                .allowedHost("localhost:*")
                .build())
            .build();
    mcp = EverythingServer.build(McpServer.sync(transport));
    jetty = new Server();
    connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    ServletHolder servlet = new ServletHolder(transport);
    servlet.setAsyncSupported(true);
    context.addServlet(servlet, "/mcp");
    jetty.setHandler(context);
    jetty.start();
  }

  String url() {
    return "http://localhost:" + connector.getLocalPort() + "/mcp";
  }

  @Override
  public void close() throws Exception {
    mcp.close();
    jetty.stop();
  }
}
