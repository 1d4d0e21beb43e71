package io.gatehouse.bench.e2e;

import io.gatehouse.bench.support.EchoTool;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import jakarta.servlet.http.HttpServlet;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The transport users would pick today: the MCP SDK's {@link
 * HttpServletStreamableServerTransportProvider} on Jetty 12 (ee10) for the 2025-xx revisions, or
 * its 2026-07-28 {@link HttpServletMcpTransport} ({@link #modern}); TLS with {@code
 * needClientAuth}, Jetty's defaults otherwise. Same tool, same TLS material as Gatehouse.
 */
final class SdkJettyTarget implements AutoCloseable {
  private final Server jetty;
  private final AutoCloseable mcp;
  private final ServerConnector connector;

  /** The legacy (Streamable HTTP with sessions) transport. */
  static SdkJettyTarget legacy(SSLContext tls) throws Exception {
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder().mcpEndpoint("/mcp").build();
    McpSyncServer mcp = McpServer.sync(transport)
        .serverInfo("sdk-jetty-bench", "1.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
        .tools(EchoTool.spec())
        .build();
    return new SdkJettyTarget(tls, transport, mcp::close);
  }

  /** The 2026-07-28 (stateless) transport, JSON responses for plain results. */
  static SdkJettyTarget modern(SSLContext tls) throws Exception {
    McpSyncTool echo = EchoTool.modernSpec();
    McpSyncToolRepository tools = new McpSyncToolRepository() {
      @Override
      public ToolsPage list(io.modelcontextprotocol.modern.server.McpRequestContext context, String cursor) {
        return ToolsPage.of(List.of(echo.definition()));
      }

      @Override
      public McpSyncTool find(io.modelcontextprotocol.modern.server.McpRequestContext context, String name) {
        return EchoTool.NAME.equals(name) ? echo : null;
      }
    };
    io.modelcontextprotocol.modern.server.McpServer mcp = io.modelcontextprotocol.modern.server.McpServer.builder()
        .serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation.builder("sdk-jetty-bench", "1.0").build())
        .feature(ToolsFeature.ofSync(tools))
        .build();
    HttpServletMcpTransport transport = HttpServletMcpTransport.builder(mcp).endpoint("/mcp").build();
    return new SdkJettyTarget(tls, transport, () -> {
      transport.closeGracefully();
      mcp.closeGracefully();
    });
  }

  private SdkJettyTarget(SSLContext tls, HttpServlet transport, AutoCloseable mcp) throws Exception {
    this.mcp = mcp;

    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setSslContext(tls);
    ssl.setNeedClientAuth(true);
    HttpConfiguration http = new HttpConfiguration();
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setSniHostCheck(false); // the client connects to 127.0.0.1 by the name localhost
    http.addCustomizer(secure);
    jetty = new Server();
    connector = new ServerConnector(jetty, new SslConnectionFactory(ssl, "http/1.1"),
        new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ServletHolder servlet = new ServletHolder(transport);
    servlet.setAsyncSupported(true);
    context.addServlet(servlet, "/mcp");
    jetty.setHandler(context);
    jetty.start();
  }

  int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    mcp.close();
    jetty.stop();
  }
}
