package io.gatehouse.cli.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The JSON transforms between a 2025-xx host and a 2026-07-28 server (no network). */
class GenerationMappingTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  static ObjectNode json(String text) {
    return (ObjectNode) JSON.readTree(text);
  }

  static final ObjectNode INIT = json("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
      + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"sampling\":{}},\"clientInfo\":{\"name\":\"host\",\"version\":\"7\"}}}");

  @Test
  void aHostRequestKeepsItsIdParamsAndProgressTokenAndGainsTheModernMetaAndHeaders() {
    ObjectNode host = json("{\"jsonrpc\":\"2.0\",\"id\":\"a-1\",\"method\":\"tools/call\",\"params\":"
        + "{\"name\":\"whoami\",\"arguments\":{\"x\":1},\"_meta\":{\"progressToken\":\"p\"}}}");
    ObjectNode modern = GenerationMapping.modernRequest(host, INIT, "debug");
    assertThat(modern.path("id").asString()).isEqualTo("a-1");
    assertThat(modern.path("params").path("arguments").path("x").asInt()).isEqualTo(1);
    JsonNode meta = modern.path("params").path("_meta");
    assertThat(meta.path("progressToken").asString()).isEqualTo("p");
    assertThat(meta.path("io.modelcontextprotocol/protocolVersion").asString()).isEqualTo("2026-07-28");
    assertThat(meta.path("io.modelcontextprotocol/clientInfo").path("name").asString()).isEqualTo("host");
    // The bridge cannot relay the server's requests for input: no client capabilities are claimed.
    assertThat(meta.path("io.modelcontextprotocol/clientCapabilities").isEmpty()).isTrue();
    assertThat(meta.path("io.modelcontextprotocol/logLevel").asString()).isEqualTo("debug");
    assertThat(host.path("params").path("_meta").has("io.modelcontextprotocol/protocolVersion")).as("input untouched").isFalse();
    assertThat(GenerationMapping.headers(modern)).hasSize(3).containsAllEntriesOf(Map.of(
        "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "whoami"));
  }

  @Test
  void namesThatAreNotPlainAsciiGoInTheBase64SentinelForm() {
    ObjectNode read = json("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{\"uri\":\"file:///tmp/é x.txt\"}}");
    String name = GenerationMapping.headers(read).get("Mcp-Name");
    assertThat(name).startsWith("=?base64?").endsWith("?=");
    assertThat(new String(Base64.getDecoder().decode(name.substring(9, name.length() - 2)), StandardCharsets.UTF_8))
        .isEqualTo("file:///tmp/é x.txt");
    assertThat(GenerationMapping.headerValue(" padded")).startsWith("=?base64?");
    assertThat(GenerationMapping.headerValue("=?base64?looks-encoded?=")).isNotEqualTo("=?base64?looks-encoded?=");
    assertThat(GenerationMapping.headers(json("{\"method\":\"tools/list\",\"params\":{}}"))).doesNotContainKey("Mcp-Name");
  }

  @Test
  void initializeIsAnsweredFromDiscoverInTheHostsRevision() {
    JsonNode discover = json("{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"result\":{\"supportedVersions\":[\"2026-07-28\"],"
        + "\"capabilities\":{\"tools\":{\"listChanged\":true},\"resources\":{\"subscribe\":true,\"listChanged\":true}},"
        + "\"instructions\":\"hi\",\"ttlMs\":5,\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{\"name\":\"gh\",\"version\":\"1\"}}}}");
    assertThat(GenerationMapping.offersModern(discover)).isTrue();
    ObjectNode result = GenerationMapping.initializeResult(INIT, discover);
    assertThat(result.path("protocolVersion").asString()).isEqualTo("2025-11-25");
    assertThat(result.path("capabilities").path("tools").path("listChanged").asBoolean()).isTrue();
    assertThat(result.path("capabilities").path("resources").has("subscribe")).as("not relayed").isFalse();
    assertThat(result.path("serverInfo").path("name").asString()).isEqualTo("gh");
    assertThat(result.path("instructions").asString()).isEqualTo("hi");
    ObjectNode unknownRevision = INIT.deepCopy();
    ((ObjectNode) unknownRevision.path("params")).put("protocolVersion", "2099-01-01");
    assertThat(GenerationMapping.initializeResult(unknownRevision, discover).path("protocolVersion").asString())
        .isEqualTo(GenerationMapping.HOST_FALLBACK_VERSION);
    assertThat(GenerationMapping.offersModern(json("{\"result\":{\"supportedVersions\":[\"2025-11-25\"]}}"))).isFalse();
    assertThat(GenerationMapping.listenRequest("l", INIT, result.path("capabilities")).path("params").path("notifications"))
        .isEqualTo(json("{\"toolsListChanged\":true,\"resourcesListChanged\":true}"));
  }

  @Test
  void answersAndNotificationsLoseWhatOnly2026HasAndAcknowledgementsAndServerRequestsAreDropped() {
    ObjectNode answer = GenerationMapping.toHost(json("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"tools\":[],"
        + "\"cacheScope\":\"private\",\"ttlMs\":1000,\"resultType\":\"complete\","
        + "\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{},\"vendor/x\":1}}}"));
    assertThat(answer.path("result")).isEqualTo(json("{\"tools\":[],\"_meta\":{\"vendor/x\":1}}"));
    ObjectNode changed = GenerationMapping.toHost(json("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\","
        + "\"params\":{\"_meta\":{\"io.modelcontextprotocol/subscriptionId\":\"s\"}}}"));
    assertThat(changed).isEqualTo(json("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}"));
    assertThat(GenerationMapping.toHost(json("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/subscriptions/acknowledged\"}"))).isNull();
    assertThat(GenerationMapping.toHost(json("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"sampling/createMessage\"}"))).isNull();
    assertThat(GenerationMapping.incompleteResultType(json("{\"result\":{\"resultType\":\"input_required\"}}")))
        .isEqualTo("input_required");
    assertThat(GenerationMapping.incompleteResultType(json("{\"result\":{}}"))).isNull();
  }
}
