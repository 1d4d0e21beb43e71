package io.gatehouse.bench.e2e;

import io.gatehouse.bench.support.EchoTool;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
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
 * HttpServletStreamableServerTransportProvider} on Jetty 12 (ee10), TLS with
 * {@code needClientAuth}, Jetty's defaults otherwise. Same tool, same TLS material as Gatehouse.
 */
final class SdkJettyTarget implements AutoCloseable {
  private final Server jetty;
  private final McpSyncServer mcp;
  private final ServerConnector connector;

  SdkJettyTarget(SSLContext tls) throws Exception {
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder().mcpEndpoint("/mcp").build();
    mcp = McpServer.sync(transport)
        .serverInfo("sdk-jetty-bench", "1.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
        .tools(EchoTool.spec())
        .build();

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
