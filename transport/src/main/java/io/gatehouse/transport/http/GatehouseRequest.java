package io.gatehouse.transport.http;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ByteProcessor;
import io.netty.util.DefaultAttributeMap;
import io.netty.util.ReferenceCounted;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * One complete HTTP request as the stages and the MCP endpoint see it: method, path, headers,
 * body, the connection it came on, and attributes stages attach (the principal, the negotiated
 * protocol version). The JSON-RPC body is parsed at most once, on first use, in one pass ({@link
 * #jsonRpcMessage(McpJsonMapper, byte[])}), and the parsed message is shared by every stage and
 * handed to the SDK by the MCP endpoint, so what authorization checks is exactly what the SDK
 * receives.
 *
 * <p>Reference counted: the holder that stops forwarding it releases it.
 */
public final class GatehouseRequest extends DefaultAttributeMap implements ReferenceCounted {
  private final FullHttpRequest http;
  private final Channel channel;
  private final McpJsonMapper jsonMapper;
  private static final TypeRef<HashMap<String, Object>> JSON_OBJECT = new TypeRef<>() {};
  /** Goes on over ASCII other than NUL: {@code forEachByte} answers the first other byte's index, or -1. */
  private static final ByteProcessor WHILE_ASCII = b -> b > 0;

  private final String path;
  private volatile Optional<McpSchema.JSONRPCMessage> jsonRpc;

  public GatehouseRequest(FullHttpRequest http, Channel channel, McpJsonMapper jsonMapper) {
    this.http = http;
    this.channel = channel;
    this.jsonMapper = jsonMapper;
    this.path = new QueryStringDecoder(http.uri()).path();
  }

  /** The HTTP method. */
  public HttpMethod method() {
    return http.method();
  }

  /** The decoded path, without query. */
  public String path() {
    return path;
  }

  /** All request headers. */
  public HttpHeaders headers() {
    return http.headers();
  }

  /** One header's first value, or null. */
  public String header(CharSequence name) {
    return http.headers().get(name);
  }

  /** A read-only view of the body. */
  public ByteBuf content() {
    return http.content().asReadOnly();
  }

  /** The connection the request came on (for channel attributes set at the TLS handshake). */
  public Channel channel() {
    return channel;
  }

  /** The client's address: the peer, or the client a trusted proxy reported ({@link ClientAddress}). */
  public InetSocketAddress remoteAddress() {
    return (InetSocketAddress) ClientAddress.of(channel);
  }

  /** The TLS session, empty on plain HTTP; its peer certificates identify mTLS clients. */
  public Optional<SSLSession> sslSession() {
    SslHandler ssl = channel.pipeline().get(SslHandler.class);
    return ssl == null ? Optional.empty() : Optional.of(ssl.engine().getSession());
  }

  /** True for {@code application/json}, with or without parameters. */
  public static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return type.trim().toLowerCase(Locale.ROOT).equals("application/json");
  }

  /**
   * The body as one JSON-RPC message; empty unless this is a POST with a JSON content type whose
   * body is well-formed UTF-8 and exactly one well-formed JSON-RPC request, notification or
   * response (batches are not accepted).
   */
  public Optional<McpSchema.JSONRPCMessage> jsonRpcMessage() {
    Optional<McpSchema.JSONRPCMessage> parsed = jsonRpc;
    if (parsed == null) {
      parsed = parse();
      jsonRpc = parsed;
    }
    return parsed;
  }

  /** The JSON-RPC method of a request or notification body. */
  public Optional<String> jsonRpcMethod() {
    // Written out rather than as an Optional chain: asked for every call with auth on.
    McpSchema.JSONRPCMessage m = jsonRpcMessage().orElse(null);
    if (m instanceof McpSchema.JSONRPCRequest r) {
      return Optional.ofNullable(r.method());
    }
    return m instanceof McpSchema.JSONRPCNotification n ? Optional.ofNullable(n.method())
        : Optional.empty();
  }

  /**
   * The tool a {@code tools/call} request names; empty for anything else. Authorization checks it
   * before the SDK sees the call.
   */
  public Optional<String> toolName() {
    // Written out: the chain's bound method references were allocated on every tools/call.
    McpSchema.JSONRPCMessage m = jsonRpcMessage().orElse(null);
    if (m instanceof McpSchema.JSONRPCRequest r && McpSchema.METHOD_TOOLS_CALL.equals(r.method())
        && r.params() instanceof Map<?, ?> params && params.get("name") instanceof String name) {
      return Optional.of(name);
    }
    return Optional.empty();
  }

  /**
   * The body as strict UTF-8: malformed input throws instead of being replaced. Decoded from a
   * heap copy: the decoder's array loop is several times faster than its loop over the direct
   * buffer the codec hands us, which showed in the JFR profile of the 2026-07-28 path.
   */
  public String strictUtf8Body() throws CharacterCodingException {
    ByteBuf content = http.content();
    byte[] bytes = ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes(), false);
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes)).toString();
  }

  private Optional<McpSchema.JSONRPCMessage> parse() {
    if (!HttpMethod.POST.equals(http.method())
        || !isJson(http.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
      return Optional.empty();
    }
    ByteBuf content = http.content();
    // Strict: malformed UTF-8 is refused, not replaced (what is checked is what the SDK runs).
    // A body of ASCII bytes is valid UTF-8 as it is; only other bodies need the decoder. A NUL
    // byte is never valid JSON, and refusing it keeps the byte parser from guessing UTF-16/32.
    if (content.forEachByte(WHILE_ASCII) >= 0) {
      if (content.forEachByte(ByteProcessor.FIND_NUL) >= 0) {
        return Optional.empty();
      }
      try {
        strictUtf8Body();
      } catch (CharacterCodingException e) {
        return Optional.empty();
      }
    }
    try {
      return Optional.ofNullable(jsonRpcMessage(jsonMapper, ByteBufUtil.getBytes(content)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // batches (a JSON array) included
    }
  }

  /**
   * One JSON-RPC message from {@code body} in a single parse: the body is read into a map once
   * and a request or notification is built from it directly, where the SDK's {@code
   * McpSchema.deserializeJsonRpcMessage} reads it into the same map and then converts that map
   * into the record in a second pass. The same shape decides (a {@code method} with an {@code id}
   * is a request, without one a notification; {@code result} or {@code error} a response, left to
   * the SDK: clients rarely send them); {@code jsonrpc} and {@code method} must be strings.
   */
  static McpSchema.JSONRPCMessage jsonRpcMessage(McpJsonMapper jsonMapper, byte[] body)
      throws IOException {
    Map<String, Object> map = jsonMapper.readValue(body, JSON_OBJECT);
    if (map == null) {
      return null;
    }
    Object version = map.get("jsonrpc");
    if (version != null && !(version instanceof String)) {
      return null;
    }
    if (map.containsKey("method")) {
      if (!(map.get("method") instanceof String method)) {
        return null;
      }
      return map.containsKey("id")
          ? new McpSchema.JSONRPCRequest((String) version, method, map.get("id"), map.get("params"))
          : new McpSchema.JSONRPCNotification((String) version, method, map.get("params"));
    }
    if (map.containsKey("result") || map.containsKey("error")) {
      return jsonMapper.convertValue(map, McpSchema.JSONRPCResponse.class);
    }
    return null;
  }

  @Override
  public int refCnt() {
    return http.refCnt();
  }

  @Override
  public GatehouseRequest retain() {
    http.retain();
    return this;
  }

  @Override
  public GatehouseRequest retain(int increment) {
    http.retain(increment);
    return this;
  }

  @Override
  public GatehouseRequest touch() {
    http.touch();
    return this;
  }

  @Override
  public GatehouseRequest touch(Object hint) {
    http.touch(hint);
    return this;
  }

  @Override
  public boolean release() {
    return http.release();
  }

  @Override
  public boolean release(int decrement) {
    return http.release(decrement);
  }
}
