package io.gatehouse.transport.mcp.modern;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.http.GatehouseRequest;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.JsonRpc;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The one-pass read of a 2026-07-28 body gives, for every body, what the SDK's two-pass {@code
 * JsonRpc.deserializeMessage} of the strictly decoded text gives (the endpoint's previous way):
 * the same record, or the same kind of refusal with the same JSON-RPC id.
 */
class ModernMessagesTest {
  private static final McpJsonMapper JSON = McpJsonDefaults.getMapper();

  /** Bodies a client sends, and every odd shape the fast path must leave to the SDK. */
  private static final List<byte[]> BODIES = List.of(
      ascii("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
          + "\"arguments\":{\"text\":\"hi\",\"n\":1.5,\"big\":12345678901234,\"l\":[1,null,true]},"
          + "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"tools/list\",\"params\":{}}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":9876543210,\"method\":\"ping\"}"),
      ascii(" \n{\"method\":\"notifications/cancelled\",\"jsonrpc\":\"2.0\",\"params\":{\"x\":1}}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,\"method\":\"ping\"}"),
      ascii("{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"ping\"}"),
      ascii("{\"id\":4,\"method\":\"ping\"}"),
      ascii("{\"jsonrpc\":2.0,\"id\":5,\"method\":\"ping\"}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":7}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":null}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{}}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":9}"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":10,\"id\":\"again\",\"method\":\"ping\"}"),
      ascii("  [{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]"),
      ascii("\"just a string\""),
      ascii("42"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":1,"),
      ascii("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} trailing"),
      ascii(""),
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"é☃\"}}"
          .getBytes(StandardCharsets.UTF_8),
      "\uFEFF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8),
      new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'},
      new byte[] {'{', 0, '}'});

  @Test
  void everyBodyReadsAsTheSdksTwoPassWayReadsIt() throws Exception {
    for (byte[] body : BODIES) {
      assertThat(outcome(() -> oneParse(body)))
          .as("body %s", new String(body, StandardCharsets.UTF_8))
          .isEqualTo(outcome(() -> sdkWay(body)));
    }
  }

  @Test
  void aClientsToolCallIsReadIntoTheRecordWithItsValues() throws Exception {
    JsonRpc.JSONRPCMessage message = oneParse(BODIES.get(0));
    assertThat(message).isInstanceOf(JsonRpc.JSONRPCRequest.class);
    JsonRpc.JSONRPCRequest request = (JsonRpc.JSONRPCRequest) message;
    assertThat(request.id()).isEqualTo(1);
    assertThat(request.method()).isEqualTo("tools/call");
    assertThat(((Map<?, ?>) request.params()).get("name")).isEqualTo("echo");
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static GatehouseRequest request(byte[] body) {
    DefaultFullHttpRequest http = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
        "/mcp", Unpooled.wrappedBuffer(body));
    http.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    return new GatehouseRequest(http, new EmbeddedChannel(), JSON);
  }

  private static final JsonRpc.JSONRPCMessage BATCH =
      new JsonRpc.JSONRPCNotification("batch");

  private static JsonRpc.JSONRPCMessage oneParse(byte[] body) throws Exception {
    ModernMessages.Read read = ModernMessages.read(request(body), JSON);
    return read.batch() ? BATCH : read.message();
  }

  /** What the endpoint did before the one-pass read. */
  private static JsonRpc.JSONRPCMessage sdkWay(byte[] body) throws Exception {
    String text = request(body).strictUtf8Body();
    if (text.strip().startsWith("[")) {
      return BATCH;
    }
    return JsonRpc.deserializeMessage(JSON, text);
  }

  private interface Read {
    JsonRpc.JSONRPCMessage read() throws Exception;
  }

  /** The message, or the endpoint's answer to the failure: its kind and the id it would echo. */
  private static Object outcome(Read read) {
    try {
      return read.read();
    } catch (JsonRpc.InvalidMessageException e) {
      return "invalid request, id " + e.id();
    } catch (java.io.IOException e) {
      return "parse error";
    } catch (RuntimeException e) {
      return "parse error";
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
