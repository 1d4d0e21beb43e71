package io.gatehouse.transport.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A deliberately small HTTP/1.1 client over a raw (TLS) socket, independent of the SDK and of
 * Netty, so tests control every byte sent and see every byte received.
 */
public final class RawHttp implements Closeable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.socket.setSoTimeout(20_000);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1:{@code port}; TLS when {@code tls} is not null. */
  public static RawHttp connect(SSLContext tls, int port) throws IOException {
    return connect(tls, port, 0);
  }

  /** As {@link #connect(SSLContext, int)}, with a small receive buffer when positive. */
  public static RawHttp connect(SSLContext tls, int port, int receiveBuffer) throws IOException {
    Socket plain = new Socket();
    if (receiveBuffer > 0) {
      plain.setReceiveBufferSize(receiveBuffer);
    }
    plain.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    if (tls == null) {
      return new RawHttp(plain);
    }
    SSLSocket ssl = (SSLSocket) tls.getSocketFactory()
        .createSocket(plain, "localhost", port, true);
    ssl.startHandshake();
    return new RawHttp(ssl);
  }

  /**
   * Connects to 127.0.0.1:{@code port}, sends {@code preamble} (e.g. a PROXY protocol header) in
   * the clear, then starts TLS on the same socket when {@code tls} is not null.
   */
  public static RawHttp connectWithPreamble(SSLContext tls, int port, byte[] preamble)
      throws IOException {
    Socket plain = new Socket();
    plain.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    plain.getOutputStream().write(preamble);
    plain.getOutputStream().flush();
    if (tls == null) {
      return new RawHttp(plain);
    }
    SSLSocket ssl = (SSLSocket) tls.getSocketFactory()
        .createSocket(plain, "localhost", port, true);
    ssl.setSoTimeout(10_000);
    ssl.startHandshake();
    return new RawHttp(ssl);
  }

  /** The certificate the server presented on this TLS connection. */
  public java.security.cert.X509Certificate serverCertificate() throws IOException {
    return (java.security.cert.X509Certificate)
        ((SSLSocket) socket).getSession().getPeerCertificates()[0];
  }

  /** The headers an MCP POST needs, plus {@code Mcp-Session-Id} when {@code session} is not null. */
  public static Map<String, String> mcpHeaders(String session) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", "application/json, text/event-stream");
    headers.put("Content-Type", "application/json");
    if (session != null) {
      headers.put("Mcp-Session-Id", session);
    }
    return headers;
  }

  /** A request head with {@code Host: localhost}, the given headers and a body. */
  public static String request(String method, String path, Map<String, String> headers,
      String body) {
    StringBuilder text = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    if (headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("host"))) {
      text.append("Host: localhost\r\n");
    }
    headers.forEach((k, v) -> text.append(k).append(": ").append(v).append("\r\n"));
    if (body != null) {
      text.append("Content-Length: ")
          .append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
    }
    return text.append("\r\n").append(body == null ? "" : body).toString();
  }

  /** Sends raw bytes. */
  public RawHttp send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
    return this;
  }

  /** Sends raw bytes (e.g. deliberately malformed UTF-8). */
  public RawHttp send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Sends a request and reads a complete response. */
  public Response exchange(String request) throws IOException {
    try {
      send(request);
    } catch (java.net.SocketException refusedMidWrite) {
      // The server may answer early (413, 431) and close while the request is still being
      // written; that answer is what the caller asks about, so read it if it arrived.
      try {
        return read();
      } catch (IOException noAnswer) {
        refusedMidWrite.addSuppressed(noAnswer);
        throw refusedMidWrite;
      }
    }
    return read();
  }

  /** Reads a response head and, unless it is an event stream, its whole body. */
  public Response read() throws IOException {
    Response head = readHead();
    if ("text/event-stream".equals(head.header("content-type"))) {
      return head;
    }
    String body;
    if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
      StringBuilder all = new StringBuilder();
      for (String chunk = readChunk(); chunk != null; chunk = readChunk()) {
        all.append(chunk);
      }
      body = all.toString();
    } else {
      int length = Integer.parseInt(head.headers().getOrDefault("content-length", "0"));
      body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
    return new Response(head.status(), head.headers(), body);
  }

  /** Reads a head only (status and headers). */
  public Response readHead() throws IOException {
    String status = line();
    if (status == null) {
      throw new SocketException("connection closed before a response");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = line(); line != null && !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
    }
    return new Response(Integer.parseInt(status.split(" ")[1]), headers, "");
  }

  /** One chunk of a chunked body; null at the last chunk. */
  public String readChunk() throws IOException {
    int size = Integer.parseInt(line().trim(), 16);
    if (size == 0) {
      line();
      return null;
    }
    String chunk = new String(in.readNBytes(size), StandardCharsets.UTF_8);
    line();
    return chunk;
  }

  /** Reads chunks until one contains an SSE {@code data:} line, skipping comment pings. */
  public String readEvent() throws IOException {
    for (String chunk = readChunk(); chunk != null; chunk = readChunk()) {
      if (chunk.contains("data:")) {
        return chunk;
      }
    }
    return null;
  }

  /** True when the server closed the connection (EOF or reset) before {@code timeoutMillis}. */
  public boolean closedByPeer(int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    try {
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }

  /**
   * Everything the peer sends until it closes the connection (EOF or reset), or null when it is
   * still open after {@code timeoutMillis}.
   */
  public String readUntilClosed(long timeoutMillis) throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    byte[] buffer = new byte[4096];
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return null;
        }
        socket.setSoTimeout((int) Math.max(1, left));
        int n = in.read(buffer);
        if (n < 0) {
          return seen.toString(StandardCharsets.UTF_8);
        }
        seen.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException e) {
      return null;
    } catch (SocketException e) {
      return seen.toString(StandardCharsets.UTF_8);
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** A response: status, lowercase header names, body. */
  public record Response(int status, Map<String, String> headers, String body) {
    /** A header's value, or null. */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }
}
