package io.gatehouse.cli.demo;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * One MCP Java SDK client as one identity (a client certificate in its {@link SSLContext}, or a
 * bearer token), and what it saw: the status of each call, 200 for a result.
 */
public final class McpProbe implements AutoCloseable {
  /** Status reported when the server's answer was not an HTTP status (e.g. the TLS handshake failed). */
  public static final int NO_STATUS = -1;

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final String baseUrl;
  private final SSLContext tls;
  private final String bearer;
  private final McpSyncClient client;

  private McpProbe(String baseUrl, SSLContext tls, String bearer) {
    this.baseUrl = baseUrl;
    this.tls = tls;
    this.bearer = bearer;
    HttpClientStreamableHttpTransport.Builder transport = HttpClientStreamableHttpTransport
        .builder(baseUrl)
        .endpoint("/mcp")
        .customizeClient(b -> b.sslContext(tls))
        .connectTimeout(TIMEOUT);
    if (bearer != null) {
      transport.addHttpRequestCustomizer((request, method, uri, body, context) ->
          request.header("Authorization", "Bearer " + bearer));
    }
    this.client = McpClient.sync(transport.build())
        .clientInfo(McpSchema.Implementation.builder("gatehouse-demo", "1.0").build())
        .requestTimeout(TIMEOUT)
        .initializationTimeout(TIMEOUT)
        .build();
  }

  /**
   * Connects (MCP initialize) to {@code baseUrl}/mcp.
   *
   * @throws ProbeException with the HTTP status when the server refused
   */
  public static McpProbe connect(String baseUrl, SSLContext tls, String bearer) {
    McpProbe probe = new McpProbe(baseUrl, tls, bearer);
    try {
      probe.client.initialize();
      return probe;
    } catch (RuntimeException e) {
      probe.client.close();
      throw new ProbeException(status(e), e);
    }
  }

  /** {@code tools/list}: the names this identity may see. */
  public List<String> toolNames() {
    return client.listTools().tools().stream().map(McpSchema.Tool::name).sorted().toList();
  }

  /** {@code tools/call}: the result, or a {@link ProbeException} with the HTTP status. */
  public McpSchema.CallToolResult call(String tool, Map<String, Object> arguments) {
    try {
      return client.callTool(McpSchema.CallToolRequest.builder(tool).arguments(arguments).build());
    } catch (RuntimeException e) {
      throw new ProbeException(status(e), e);
    }
  }

  /** The text of a result's first content item. */
  public static String text(McpSchema.CallToolResult result) {
    return result.content().isEmpty() ? ""
        : result.content().get(0) instanceof McpSchema.TextContent t ? t.text() : "";
  }

  /** Status of a plain {@code GET path} on the same server with the same credentials. */
  public int get(String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT).GET();
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    HttpClient http = HttpClient.newBuilder().sslContext(tls).connectTimeout(TIMEOUT).build();
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (java.io.IOException e) {
      return NO_STATUS;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return NO_STATUS;
    }
  }

  /** The HTTP status carried by {@code error} or one of its causes, else {@link #NO_STATUS}. */
  public static int status(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof McpHttpClientTransportAuthorizationException auth && auth.getResponseInfo() != null) {
        return auth.getResponseInfo().statusCode();
      }
      if (t instanceof ProbeException probe) {
        return probe.status();
      }
    }
    return NO_STATUS;
  }

  /** Ends the session (the SDK sends DELETE). */
  @Override
  public void close() {
    client.closeGracefully();
  }

  /** The server refused: {@link #status()} is the HTTP status, or {@link #NO_STATUS}. */
  public static final class ProbeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    ProbeException(int status, Throwable cause) {
      super(status == NO_STATUS ? "no HTTP answer: " + rootMessage(cause) : "HTTP " + status, cause);
      this.status = status;
    }

    /** The HTTP status, or {@link #NO_STATUS}. */
    public int status() {
      return status;
    }

    private static String rootMessage(Throwable t) {
      Throwable root = t;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
  }
}
