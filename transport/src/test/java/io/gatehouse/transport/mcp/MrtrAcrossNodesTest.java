package io.gatehouse.transport.mcp;

import static io.gatehouse.transport.mcp.SealedSessionAcrossNodesTest.key;
import static io.gatehouse.transport.mcp.SealedSessionAcrossNodesTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.http.ModernProtocol;
import io.gatehouse.transport.mcp.session.SessionKeys;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.TestServer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * MCP 2026-07-28 multi round-trip requests (InputRequiredResult) across two in-process nodes
 * (issue 13): the {@code requestState} a node seals under the shared session keys is opened by
 * the other node, for the same principal only; a node with another key (same key id) or another
 * caller cannot continue it; during a rotation a state sealed under the old key still opens.
 */
class MrtrAcrossNodesTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void aRoundTripStartedOnOneNodeContinuesOnTheOther() throws Exception {
    String k1 = key("k1");
    SessionKeys shared = SessionKeys.parse(k1);
    try (TestServer a = node(shared); TestServer b = node(shared);
        TestServer stranger = node(SessionKeys.parse(key("k1")));
        TestServer rotating = node(SessionKeys.parse(key("k2") + "," + k1))) {
      JsonNode first = call(a, "alice", 1, null).path("result");
      assertThat(first.path("inputRequests").has("roots")).as("round 1: %s", first).isTrue();
      String state = first.path("requestState").asString();
      assertThat(state).isNotEmpty().doesNotContain("started-for-alice");

      JsonNode resumed = call(b, "alice", 2, state);
      assertThat(resumed.path("result").path("content").get(0).path("text").asString())
          .as("round 2 on the other node: %s", resumed).isEqualTo("resumed:started-for-alice");
      assertThat(state).as("sealed under the named key").startsWith("k1.");
      assertThat(call(rotating, "alice", 3, state).path("result").path("content").get(0)
          .path("text").asString()).as("old key still opens during rotation")
          .isEqualTo("resumed:started-for-alice");

      assertThat(call(b, "bob", 4, state).has("error")).as("another principal").isTrue();
      assertThat(call(stranger, "alice", 5, state).has("error")).as("another key").isTrue();
      String tampered = state.substring(0, state.length() - 2)
          + (state.endsWith("A") ? "B" : "A") + state.charAt(state.length() - 1);
      assertThat(call(b, "alice", 6, tampered).has("error")).as("tampered").isTrue();
      assertThat(call(b, "alice", 7, "k9." + state.substring(3)).has("error"))
          .as("unknown key id").isTrue();
    }
  }

  private static JsonNode call(TestServer node, String user, int id, String requestState)
      throws IOException {
    Map<String, Object> meta = Map.of(
        "io.modelcontextprotocol/protocolVersion", ModernProtocol.VERSION,
        "io.modelcontextprotocol/clientCapabilities", Map.of("roots", Map.of()),
        "io.modelcontextprotocol/clientInfo", Map.of("name", "raw", "version", "1"));
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("name", "resume");
    params.put("arguments", Map.of());
    params.put("_meta", meta);
    if (requestState != null) {
      params.put("inputResponses", Map.of("roots", Map.of("roots", java.util.List.of())));
      params.put("requestState", requestState);
    }
    String body = JSON.writeValueAsString(Map.of("jsonrpc", "2.0", "id", id,
        "method", "tools/call", "params", params));
    Map<String, String> headers = SessionEvictionTest.headers(user, null);
    headers.put("MCP-Protocol-Version", ModernProtocol.VERSION);
    headers.put("Mcp-Method", "tools/call");
    headers.put("Mcp-Name", "resume");
    try (RawHttp raw = RawHttp.connect(null, node.port())) {
      RawHttp.Response r = raw.exchange(RawHttp.request("POST", "/mcp", headers, body));
      return JSON.readTree(r.body());
    }
  }
}
