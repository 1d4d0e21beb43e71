package io.gatehouse.cli.connect;

import io.modelcontextprotocol.modern.McpHttp;
import io.modelcontextprotocol.modern.McpSchema;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Maps between the host's generation (2025-xx: initialize, a session, list-changed notifications
 * on a GET stream) and a server's 2026-07-28 generation (stateless requests that carry their
 * protocol version, client info and capabilities in {@code params._meta}, the method and name
 * mirrored in {@code Mcp-Method}/{@code Mcp-Name}, list changes on {@code subscriptions/listen}).
 * Pure JSON transforms; {@link Bridge} does the HTTP.
 */
final class GenerationMapping {
  /** The stateless revision the bridge speaks to servers that offer it. */
  static final String MODERN = McpSchema.LATEST_PROTOCOL_VERSION;
  /** Host revisions the bridge answers {@code initialize} with when the host asks for one of them. */
  static final List<String> HOST_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");
  /** What the bridge answers a host asking for a revision it does not know (the host decides). */
  static final String HOST_FALLBACK_VERSION = "2025-06-18";

  /** Host requests relayed to a 2026-07-28 server (the rest are answered by the bridge or refused). */
  static final Set<String> RELAYED = Set.of(McpSchema.METHOD_TOOLS_LIST, McpSchema.METHOD_TOOLS_CALL,
      McpSchema.METHOD_RESOURCES_LIST, McpSchema.METHOD_RESOURCES_TEMPLATES_LIST, McpSchema.METHOD_RESOURCES_READ,
      McpSchema.METHOD_PROMPTS_LIST, McpSchema.METHOD_PROMPTS_GET, McpSchema.METHOD_COMPLETION_COMPLETE);
  /** Result members that exist only in 2026-07-28 (caching hints, the result type). */
  static final List<String> MODERN_ONLY_RESULT_FIELDS = List.of("ttlMs", "cacheScope", "resultType");
  /** The {@code _meta} namespace the protocol reserves for itself; never shown to a 2025-xx host. */
  static final String RESERVED_META_PREFIX = "io.modelcontextprotocol/";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private GenerationMapping() {}

  /** The {@code server/discover} request the bridge sends to learn whether the server is modern. */
  static ObjectNode discoverRequest(String id, ObjectNode hostInitialize) {
    ObjectNode request = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id)
        .put("method", McpSchema.METHOD_SERVER_DISCOVER);
    request.putObject("params").set("_meta", meta(hostInitialize, null));
    return request;
  }

  /** True when a {@code server/discover} result lists 2026-07-28. */
  static boolean offersModern(JsonNode discoverAnswer) {
    for (JsonNode version : discoverAnswer.path("result").path("supportedVersions")) {
      if (MODERN.equals(version.asString(""))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The host's {@code initialize} answered from the server's {@code server/discover} result: the
   * host's revision when the bridge knows it, the server's capabilities (without resource
   * subscriptions, which the bridge does not relay), server info and instructions.
   */
  static ObjectNode initializeResult(JsonNode hostInitialize, JsonNode discoverAnswer) {
    JsonNode discovered = discoverAnswer.path("result");
    String asked = hostInitialize.path("params").path("protocolVersion").asString("");
    ObjectNode result = JSON.createObjectNode()
        .put("protocolVersion", HOST_VERSIONS.contains(asked) ? asked : HOST_FALLBACK_VERSION);
    ObjectNode capabilities = result.putObject("capabilities");
    for (String kind : List.of("tools", "resources", "prompts", "completions", "logging")) {
      JsonNode capability = discovered.path("capabilities").get(kind);
      if (capability instanceof ObjectNode object) {
        ObjectNode copy = object.deepCopy();
        if ("resources".equals(kind)) {
          copy.remove("subscribe");
        }
        capabilities.set(kind, copy);
      }
    }
    JsonNode serverInfo = discovered.path("_meta").get(McpSchema.MetaKeys.SERVER_INFO);
    if (serverInfo instanceof ObjectNode info) {
      result.set("serverInfo", info.deepCopy());
    } else {
      result.putObject("serverInfo").put("name", "gatehouse").put("version", "unknown");
    }
    if (discovered.hasNonNull("instructions")) {
      result.put("instructions", discovered.path("instructions").asString(""));
    }
    return result;
  }

  /** The notification kinds to subscribe to, from the server's capabilities. */
  static ObjectNode listenRequest(String id, ObjectNode hostInitialize, JsonNode capabilities) {
    ObjectNode request = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id)
        .put("method", McpSchema.METHOD_SUBSCRIPTIONS_LISTEN);
    ObjectNode params = request.putObject("params");
    ObjectNode notifications = params.putObject("notifications");
    if (capabilities.path("tools").path("listChanged").asBoolean(false)) {
      notifications.put(McpSchema.SubscriptionFilter.TOOLS_LIST_CHANGED, true);
    }
    if (capabilities.path("prompts").path("listChanged").asBoolean(false)) {
      notifications.put(McpSchema.SubscriptionFilter.PROMPTS_LIST_CHANGED, true);
    }
    if (capabilities.path("resources").path("listChanged").asBoolean(false)) {
      notifications.put(McpSchema.SubscriptionFilter.RESOURCES_LIST_CHANGED, true);
    }
    params.set("_meta", meta(hostInitialize, null));
    return request;
  }

  /**
   * A host request as a 2026-07-28 request: the same id, method and params, with the protocol
   * version, the host's client info and no client capabilities (the bridge cannot relay the
   * server's requests for input) added to {@code _meta}; the host's own {@code _meta} (e.g. its
   * progress token) is kept.
   */
  static ObjectNode modernRequest(ObjectNode hostRequest, ObjectNode hostInitialize, String logLevel) {
    ObjectNode request = hostRequest.deepCopy();
    JsonNode given = request.get("params");
    ObjectNode params = given instanceof ObjectNode object ? object : JSON.createObjectNode();
    JsonNode hostMeta = params.get("_meta");
    ObjectNode meta = meta(hostInitialize, logLevel);
    if (hostMeta instanceof ObjectNode own) {
      ObjectNode merged = own.deepCopy();
      meta.properties().forEach(e -> merged.set(e.getKey(), e.getValue()));
      meta = merged;
    }
    params.set("_meta", meta);
    request.set("params", params);
    return request;
  }

  /**
   * The request metadata headers of a 2026-07-28 request: {@code MCP-Protocol-Version},
   * {@code Mcp-Method} and, for the methods that name a primitive, {@code Mcp-Name} (Base64
   * sentinel form when the value is not plain printable ASCII).
   */
  static Map<String, String> headers(JsonNode modernRequest) {
    Map<String, String> headers = new LinkedHashMap<>();
    String method = modernRequest.path("method").asString("");
    headers.put(McpHttp.Headers.MCP_PROTOCOL_VERSION, MODERN);
    headers.put(McpHttp.Headers.MCP_METHOD, headerValue(method));
    String nameKey = switch (method) {
      case McpSchema.METHOD_TOOLS_CALL, McpSchema.METHOD_PROMPTS_GET -> "name";
      case McpSchema.METHOD_RESOURCES_READ -> "uri";
      default -> null;
    };
    if (nameKey != null) {
      String name = modernRequest.path("params").path(nameKey).asString("");
      if (!name.isEmpty()) {
        headers.put(McpHttp.Headers.MCP_NAME, headerValue(name));
      }
    }
    return headers;
  }

  /** Plain when safe in an HTTP header, else {@code =?base64?…?=} (UTF-8). */
  static String headerValue(String value) {
    boolean plain = !value.isEmpty() && value.strip().equals(value)
        && value.chars().allMatch(c -> c >= 0x20 && c < 0x7F)
        && !(value.startsWith(McpHttp.Headers.BASE64_VALUE_PREFIX) && value.endsWith(McpHttp.Headers.BASE64_VALUE_SUFFIX));
    return plain ? value : McpHttp.Headers.BASE64_VALUE_PREFIX
        + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + McpHttp.Headers.BASE64_VALUE_SUFFIX;
  }

  /**
   * A 2026-07-28 message for a 2025-xx host: results lose the members 2025-xx does not have and
   * the protocol's reserved {@code _meta} keys; notifications lose their reserved {@code _meta}
   * keys (e.g. the subscription id). Null when the host must not see it (the subscription
   * acknowledgement, server requests the bridge cannot answer).
   */
  static ObjectNode toHost(JsonNode modern) {
    if (!(modern instanceof ObjectNode message)) {
      return null;
    }
    ObjectNode copy = message.deepCopy();
    String method = copy.path("method").asString("");
    if (McpSchema.METHOD_NOTIFICATION_SUBSCRIPTIONS_ACKNOWLEDGED.equals(method)) {
      return null;
    }
    if (!method.isEmpty() && copy.has("id")) {
      return null;   // a request from the server: 2026-07-28 servers ask for input in results instead
    }
    if (copy.get("result") instanceof ObjectNode result) {
      MODERN_ONLY_RESULT_FIELDS.forEach(result::remove);
      dropReservedMeta(result);
    }
    if (copy.get("params") instanceof ObjectNode params) {
      dropReservedMeta(params);
      if (params.isEmpty()) {
        copy.remove("params");
      }
    }
    return copy;
  }

  /** The result type of a modern answer other than a complete result (e.g. {@code input_required}), or null. */
  static String incompleteResultType(JsonNode modern) {
    String type = modern.path("result").path("resultType").asString("");
    return type.isEmpty() || "complete".equals(type) ? null : type;
  }

  private static void dropReservedMeta(ObjectNode holder) {
    if (holder.get("_meta") instanceof ObjectNode meta) {
      List<String> reserved = new ArrayList<>();
      meta.propertyNames().forEach(name -> {
        if (name.startsWith(RESERVED_META_PREFIX)) {
          reserved.add(name);
        }
      });
      reserved.forEach(meta::remove);
      if (meta.isEmpty()) {
        holder.remove("_meta");
      }
    }
  }

  private static ObjectNode meta(ObjectNode hostInitialize, String logLevel) {
    ObjectNode meta = JSON.createObjectNode().put(McpSchema.MetaKeys.PROTOCOL_VERSION, MODERN);
    JsonNode clientInfo = hostInitialize == null ? null : hostInitialize.path("params").get("clientInfo");
    if (clientInfo instanceof ObjectNode info) {
      meta.set(McpSchema.MetaKeys.CLIENT_INFO, info.deepCopy());
    } else {
      meta.putObject(McpSchema.MetaKeys.CLIENT_INFO).put("name", "gatehouse-connect").put("version", "1");
    }
    meta.putObject(McpSchema.MetaKeys.CLIENT_CAPABILITIES);
    if (logLevel != null) {
      meta.put(McpSchema.MetaKeys.LOG_LEVEL, logLevel);
    }
    return meta;
  }
}
