package io.gatehouse.transport.mcp.session;

import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.mcp.context.McpContextKeys;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.server.HmacRequestStateCodec;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.RequestStateCodec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code requestState} codec of MCP 2026-07-28 multi round-trip requests ({@code
 * InputRequiredResult}) under the nodes' shared {@link SessionKeys}, so a round answered on one
 * node continues a request another node started. Each key of the set gives its own HMAC key,
 * derived for this purpose alone (HMAC-SHA256 of {@link #PURPOSE} under the session key), and
 * the SDK's {@link HmacRequestStateCodec} seals with it, bound to the caller's principal. The
 * sealed form is {@code <key id>.<SDK token>}: the first key seals, every key of the set opens
 * (rotation as for session ids, docs/deployment.md). An unknown key id fails like tampering.
 */
public final class SealedRequestState implements RequestStateCodec {
  /** Domain separation from the session-id sealing under the same keys. */
  static final String PURPOSE = "gatehouse mcp requestState v1";

  private final Supplier<SessionKeys> keys;
  private final McpJsonMapper jsonMapper;
  /** Codecs of the current key set, by key id; rebuilt when the set is replaced. */
  private volatile Codecs codecs;

  private record Codecs(SessionKeys keys, Map<String, HmacRequestStateCodec> byId) {}

  /** @param keys the node's current keys (read on every use: the set may be replaced) */
  public SealedRequestState(Supplier<SessionKeys> keys, McpJsonMapper jsonMapper) {
    this.keys = keys;
    this.jsonMapper = jsonMapper;
  }

  @Override
  public String seal(McpRequestContext context, String state) {
    SessionKeys current = keys.get();
    String id = current.sealingKeyId();
    return id + "." + codec(current, id).seal(context, state);
  }

  @Override
  public String open(McpRequestContext context, String sealed) {
    SessionKeys current = keys.get();
    int dot = sealed == null ? -1 : sealed.indexOf('.');
    String id = dot <= 0 ? null : sealed.substring(0, dot);
    if (id == null || current.key(id) == null) {
      // Let the SDK's codec refuse it exactly as it refuses a tampered state.
      return codec(current, current.sealingKeyId()).open(context, sealed == null ? "" : sealed);
    }
    return codec(current, id).open(context, sealed.substring(dot + 1));
  }

  private HmacRequestStateCodec codec(SessionKeys current, String id) {
    Codecs known = codecs;
    if (known == null || known.keys() != current) {
      known = new Codecs(current, new ConcurrentHashMap<>());
      codecs = known;
    }
    return known.byId().computeIfAbsent(id, k -> HmacRequestStateCodec.builder()
        .key(derive(current.key(k)))
        .principalExtractor(t -> t == null ? null
            : McpContextKeys.principal(t).map(Principal::id).orElse(null))
        .jsonMapper(jsonMapper)
        .build());
  }

  private static byte[] derive(SecretKey sessionKey) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(sessionKey.getEncoded(), "HmacSHA256"));
      return mac.doFinal(PURPOSE.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
