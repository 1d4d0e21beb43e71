package io.gatehouse.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The one-pass JSON-RPC parse of {@link GatehouseRequest#jsonRpcMessage()}: the same messages as
 * the SDK's two-pass {@code McpSchema.deserializeJsonRpcMessage}, and the same refusals (batches,
 * malformed UTF-8), plus what a byte parser must not be allowed to guess (NUL bytes, UTF-16).
 */
class JsonRpcParseTest {
  private static final McpJsonMapper JSON = McpJsonDefaults.getMapper();

  private static Optional<McpSchema.JSONRPCMessage> parse(byte[] body) {
    DefaultFullHttpRequest http = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
        "/mcp", Unpooled.wrappedBuffer(body));
    http.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
    GatehouseRequest request = new GatehouseRequest(http, new EmbeddedChannel(), JSON);
    try {
      return request.jsonRpcMessage();
    } finally {
      request.release();
    }
  }

  private static Optional<McpSchema.JSONRPCMessage> parse(String body) {
    return parse(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void requestsAndNotificationsEqualTheSdksParse() throws Exception {
    for (String body : new String[] {
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
            + "\"arguments\":{\"text\":\"h\\u00e9llo ✓\",\"n\":[1,2.5,true,null]}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"a-string-id\",\"method\":\"tools/list\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"roots\":[]}}",
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32601,\"message\":\"no\"}}"}) {
      assertThat(parse(body)).as(body).contains(McpSchema.deserializeJsonRpcMessage(JSON, body));
    }
  }

  @Test
  void theToolNameComesFromTheParsedBody() {
    DefaultFullHttpRequest http = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
        "/mcp", Unpooled.copiedBuffer("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
            + "\"params\":{\"name\":\"crm.read_accounts\"}}", StandardCharsets.UTF_8));
    http.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    GatehouseRequest request = new GatehouseRequest(http, new EmbeddedChannel(), JSON);
    assertThat(request.toolName()).contains("crm.read_accounts");
    assertThat(request.jsonRpcMethod()).contains("tools/call");
    // Parsed once: every stage and the endpoint share the same message.
    assertThat(request.jsonRpcMessage().get()).isSameAs(request.jsonRpcMessage().get());
    request.release();
  }

  @Test
  void refusesWhatIsNotOneWellFormedMessage() {
    assertThat(parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]")).as("batch").isEmpty();
    assertThat(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":")).as("truncated").isEmpty();
    assertThat(parse("{\"jsonrpc\":\"2.0\",\"id\":1}")).as("neither method nor result").isEmpty();
    assertThat(parse("null")).as("null").isEmpty();
    // The SDK's converting pass coerces a number into the method string ("5"); the one-pass
    // parse refuses it, as it refuses a non-string jsonrpc.
    assertThat(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}")).as("numeric method").isEmpty();
    assertThat(parse("{\"jsonrpc\":2,\"id\":1,\"method\":\"ping\"}")).as("numeric jsonrpc").isEmpty();
  }

  @Test
  void refusesMalformedUtf8NulAndUtf16() {
    byte[] prefix = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"e"
        .getBytes(StandardCharsets.US_ASCII);
    byte[] suffix = "\"}}".getBytes(StandardCharsets.US_ASCII);
    for (byte[] bad : new byte[][] {{(byte) 0xC3, 0x28}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xFF}, {0}}) {
      byte[] body = new byte[prefix.length + bad.length + suffix.length];
      System.arraycopy(prefix, 0, body, 0, prefix.length);
      System.arraycopy(bad, 0, body, prefix.length, bad.length);
      System.arraycopy(suffix, 0, body, prefix.length + bad.length, suffix.length);
      assertThat(parse(body)).as("bytes %s", java.util.Arrays.toString(bad)).isEmpty();
    }
    String ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
    assertThat(parse(ping.getBytes(StandardCharsets.UTF_16LE))).as("UTF-16LE").isEmpty();
    assertThat(parse(ping.getBytes(StandardCharsets.UTF_16BE))).as("UTF-16BE").isEmpty();
    assertThat(parse(ping.getBytes(StandardCharsets.UTF_16))).as("UTF-16 with BOM").isEmpty();
    // Valid multi-byte UTF-8 is kept as it is.
    McpSchema.JSONRPCRequest r = (McpSchema.JSONRPCRequest) parse(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"é✓\"}}").orElseThrow();
    assertThat(((Map<?, ?>) r.params()).get("name")).isEqualTo("é✓");
  }
}
