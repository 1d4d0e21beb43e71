package io.gatehouse.bench.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A minimal MCP Streamable HTTP client over one keep-alive mTLS connection (a blocking
 * {@link SSLSocket}, HTTP/1.1): {@code initialize}, {@code notifications/initialized},
 * {@code tools/call}, and {@code GET /mcp} for a listening SSE stream. In {@linkplain #modern
 * modern} mode it speaks MCP 2026-07-28 instead: no session, each {@code tools/call} a
 * self-contained POST with the {@code Mcp-Method}/{@code Mcp-Name} headers and the client's
 * {@code _meta}, as the SDK's modern client sends it. It sends exactly the
 * requests an MCP client sends and reads each response completely (Content-Length or chunked),
 * so every server under test does the same work; it does no more than that, so the load
 * generator leaves as much of the machine as possible to the server.
 */
final class McpHttpClient implements AutoCloseable {
  static final String PROTOCOL_VERSION = "2025-06-18";
  static final String MODERN_PROTOCOL_VERSION = "2026-07-28";
  /** What a modern client puts in every request's {@code _meta}. */
  private static final String MODERN_META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\""
      + MODERN_PROTOCOL_VERSION + "\",\"io.modelcontextprotocol/clientCapabilities\":{},"
      + "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"gatehouse-bench\",\"version\":\"1.0\"}}";

  /** A complete response. */
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final SSLSocket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String host;
  private final boolean modern;
  private String sessionId;
  private int nextId = 1;

  McpHttpClient(SSLContext tls, int port) throws IOException {
    this(tls, port, false);
  }

  /** {@code modern}: speak MCP 2026-07-28 (stateless) instead of the session-based revisions. */
  McpHttpClient(SSLContext tls, int port, boolean modern) throws IOException {
    this.modern = modern;
    socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", port);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {"http/1.1"});
    socket.setSSLParameters(parameters);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(30_000);
    socket.startHandshake();
    in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    out = socket.getOutputStream();
    host = "localhost:" + port;
  }

  /** The negotiated protocol and cipher suite, e.g. {@code TLSv1.3 TLS_AES_256_GCM_SHA384}. */
  String tlsDescription() {
    return socket.getSession().getProtocol() + " " + socket.getSession().getCipherSuite();
  }

  /** The session this client opened, or null. */
  String sessionId() {
    return sessionId;
  }

  /** {@code initialize} then {@code notifications/initialized}: a new MCP session. */
  void initialize() throws IOException {
    sessionId = null;
    if (modern) {
      return; // stateless: nothing to set up
    }
    Response init = post("{\"jsonrpc\":\"2.0\",\"id\":" + nextId++ + ",\"method\":\"initialize\",\"params\":"
        + "{\"protocolVersion\":\"" + PROTOCOL_VERSION + "\",\"capabilities\":{},"
        + "\"clientInfo\":{\"name\":\"gatehouse-bench\",\"version\":\"1.0\"}}}");
    sessionId = init.header("Mcp-Session-Id");
    if (init.status() != 200 || sessionId == null || !init.body().contains("\"result\"")) {
      throw new IOException("initialize failed: HTTP " + init.status() + " " + abbreviate(init.body()));
    }
    Response initialized = post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    if (initialized.status() != 202) {
      throw new IOException("notifications/initialized: HTTP " + initialized.status());
    }
  }

  /** Calls the echo tool; true when the answer is a successful result carrying {@code text}. */
  boolean callEcho(String text) throws IOException {
    Response r = post(echoCall(text));
    if (modern && !String.valueOf(r.header("Content-Type")).startsWith("application/json")) {
      return false; // the stateless path answers a plain result as one JSON response
    }
    return r.status() == 200 && r.body().contains("\"result\"") && r.body().contains(text)
        && !r.body().contains("\"isError\":true");
  }

  /**
   * Sends one echo {@code tools/call} as the first request (no session) and returns the HTTP
   * status, the body read and dropped; the server may close the connection after it. For the
   * revoked-certificate flood, whose calls are refused.
   */
  int echoCallStatus(String text) throws IOException {
    send("POST", echoCall(text).getBytes(StandardCharsets.UTF_8), "application/json, text/event-stream");
    Map<String, String> headers = new LinkedHashMap<>();
    int status = readHead(headers);
    readBody(headers);
    return status;
  }

  private String echoCall(String text) {
    return modern
        ? "{\"jsonrpc\":\"2.0\",\"id\":" + nextId++ + ",\"method\":\"tools/call\",\"params\":"
            + "{\"name\":\"echo\",\"arguments\":{\"text\":\"" + text + "\"}," + MODERN_META + "}}"
        : "{\"jsonrpc\":\"2.0\",\"id\":" + nextId++ + ",\"method\":\"tools/call\",\"params\":"
            + "{\"name\":\"echo\",\"arguments\":{\"text\":\"" + text + "\"}}}";
  }

  /** Asks for the session's listening stream ({@code GET /mcp}); the connection then belongs to it. */
  void requestListeningStream() throws IOException {
    send("GET", null, "text/event-stream");
  }

  /**
   * True when the listening stream's response head (200) has arrived within {@code waitMillis},
   * false when the server holds it back (the SDK's servlet transport sends nothing until the first
   * event; the stream is open on the server all the same).
   */
  boolean listeningStreamAnswered(int waitMillis) throws IOException {
    socket.setSoTimeout(waitMillis);
    try {
      int status = readHead(new LinkedHashMap<>());
      if (status != 200) {
        throw new IOException("GET /mcp answered HTTP " + status);
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  private Response post(String json) throws IOException {
    send("POST", json.getBytes(StandardCharsets.UTF_8), "application/json, text/event-stream");
    Map<String, String> headers = new LinkedHashMap<>();
    int status = readHead(headers);
    String body = new String(readBody(headers), StandardCharsets.UTF_8);
    if ("close".equalsIgnoreCase(headers.get("connection"))) {
      throw new IOException("server closed the connection (HTTP " + status + ")");
    }
    return new Response(status, headers, body);
  }

  private void send(String method, byte[] body, String accept) throws IOException {
    StringBuilder head = new StringBuilder(320)
        .append(method).append(" /mcp HTTP/1.1\r\nHost: ").append(host)
        .append("\r\nAccept: ").append(accept)
        .append("\r\nMCP-Protocol-Version: ").append(modern ? MODERN_PROTOCOL_VERSION : PROTOCOL_VERSION)
        .append("\r\n");
    if (modern && body != null) {
      head.append("Mcp-Method: tools/call\r\nMcp-Name: echo\r\n");
    }
    if (sessionId != null) {
      head.append("Mcp-Session-Id: ").append(sessionId).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
    if (body != null) {
      out.write(body);
    }
    out.flush();
  }

  /** Reads the status line and headers (names lowercased); returns the status. */
  private int readHead(Map<String, String> headers) throws IOException {
    String status = line();
    if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
      throw new IOException("not an HTTP/1.1 response: " + abbreviate(status));
    }
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
    }
    return Integer.parseInt(status.substring(9, 12));
  }

  private byte[] readBody(Map<String, String> headers) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream(512);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (int size = chunkSize(); size > 0; size = chunkSize()) {
        body.write(in.readNBytes(size));
        line(); // CRLF after the chunk
      }
      while (!line().isEmpty()) {
        // trailers
      }
    } else if (headers.containsKey("content-length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
    }
    return body.toByteArray();
  }

  private int chunkSize() throws IOException {
    String size = line();
    int semicolon = size.indexOf(';');
    return Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
  }

  private String line() throws IOException {
    StringBuilder s = new StringBuilder(64);
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("connection closed by the server");
      }
      if (c != '\r') {
        s.append((char) c);
      }
    }
    return s.toString();
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing a benchmark connection; nothing to recover
    }
  }
}
