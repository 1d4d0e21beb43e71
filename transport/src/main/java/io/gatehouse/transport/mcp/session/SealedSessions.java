package io.gatehouse.transport.mcp.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.gatehouse.transport.encoding.Base64Url;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals {@link SessionState} into the {@code Mcp-Session-Id} and opens it again, so any node with
 * the same {@link SessionKeys} can serve a session it never saw. The id is {@code <key id>.} and
 * the base64url of a random 96-bit nonce followed by the AES-GCM ciphertext and tag of the state
 * as JSON; the associated data binds the purpose and the key id, so no other sealed value of this
 * key opens as a session. Only the canonical base64url spelling opens. An id that does not open
 * (unknown key, tampered, malformed, non-canonical), is older than the maximum age, names another
 * owner or was closed on this node reads as absent: 404.
 *
 * <p>Closing is local: this node remembers a closed id (DELETE, eviction, idle expiry, refused
 * credential) until it would have aged out anyway and does not re-create it; another node that
 * never held it still can. Bounded at {@link #MAX_TOMBSTONES}.
 */
public final class SealedSessions {
  /**
   * The absolute lifetime of a session id, from {@code initialize}: the id cannot be renewed
   * (clients keep it), so this bounds how long a stolen id is worth anything anywhere.
   */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);
  /** Session ids longer than this are not opened (and not issued: initialize gets 400). */
  public static final int MAX_ID_CHARS = 4096;
  /** Closed ids remembered per node; the oldest are forgotten first beyond it. */
  static final int MAX_TOMBSTONES = 100_000;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final String PURPOSE = "gatehouse mcp session id v1|";

  private final SessionKeys keys;
  private final McpJsonMapper json;
  private final Clock clock;
  private final Duration maxAge;
  private final SecureRandom random = new SecureRandom();
  private final Cache<String, Boolean> closed;

  public SealedSessions(SessionKeys keys, McpJsonMapper json, Clock clock, Duration maxAge) {
    this.keys = keys;
    this.json = json;
    this.clock = clock;
    this.maxAge = maxAge;
    this.closed = Caffeine.newBuilder().maximumSize(MAX_TOMBSTONES)
        .expireAfterWrite(maxAge).build();
  }

  /** The keys in use. */
  public SessionKeys keys() {
    return keys;
  }

  /** The state of a session {@code initialize} creates now. */
  public SessionState newState(String owner, String protocolVersion,
      McpSchema.ClientCapabilities capabilities, McpSchema.Implementation clientInfo) {
    McpSchema.Implementation info = clientInfo == null ? null
        // Icons and URLs are not needed to serve the session and only lengthen the id.
        : new McpSchema.Implementation(clientInfo.name(), clientInfo.title(), clientInfo.version());
    return new SessionState(owner, protocolVersion, capabilities, info,
        clock.instant().getEpochSecond());
  }

  /**
   * Seals {@code state} under the sealing key.
   *
   * @throws IllegalArgumentException when the id would exceed {@link #MAX_ID_CHARS}
   */
  public String seal(SessionState state) {
    String keyId = keys.sealingKeyId();
    try {
      byte[] plain = json.writeValueAsBytes(state);
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keys.sealingKey(), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad(keyId));
      byte[] sealed = cipher.doFinal(plain);
      byte[] out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
      String id = keyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
      if (id.length() > MAX_ID_CHARS) {
        throw new IllegalArgumentException("client capabilities too large for a session id");
      }
      return id;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot seal a session id: " + e.getClass().getSimpleName());
    }
  }

  /**
   * The state sealed in {@code id} if it opens under one of the keys, is not older than the
   * maximum age, belongs to {@code owner} and was not closed on this node; empty otherwise.
   */
  public Optional<SessionState> open(String id, String owner) {
    if (id == null || id.length() > MAX_ID_CHARS || closed.getIfPresent(id) != null) {
      return Optional.empty();
    }
    int dot = id.indexOf('.');
    SecretKey key = dot <= 0 ? null : keys.key(id.substring(0, dot));
    // One spelling per id: else a variant of a closed id (its last character's unused bits
    // changed) would decode to the same bytes and pass the tombstone, which is kept by text.
    if (key == null || !Base64Url.isCanonical(id, dot + 1, id.length())) {
      return Optional.empty();
    }
    SessionState state;
    try {
      byte[] in = Base64.getUrlDecoder().decode(id.substring(dot + 1));
      if (in.length < NONCE_BYTES + TAG_BITS / 8) {
        return Optional.empty();
      }
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      cipher.updateAAD(aad(id.substring(0, dot)));
      byte[] plain = cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
      state = json.readValue(plain, SessionState.class);
    } catch (GeneralSecurityException | IllegalArgumentException | java.io.IOException e) {
      return Optional.empty(); // tampered, truncated or sealed for something else
    }
    if (state == null || state.owner() == null || expired(state.issuedAt())
        || !MessageDigest.isEqual(state.owner().getBytes(StandardCharsets.UTF_8),
            owner.getBytes(StandardCharsets.UTF_8))) {
      return Optional.empty();
    }
    return Optional.of(state);
  }

  /** True when a session issued at {@code issuedAt} (epoch seconds) is past the maximum age. */
  public boolean expired(long issuedAt) {
    long now = clock.instant().getEpochSecond();
    // A clock step back on another node must not extend a session either.
    return now - issuedAt > maxAge.toSeconds() || issuedAt - now > 60;
  }

  /** Remembers that {@code id} was closed here, so this node does not re-create it. */
  public void closed(String id) {
    closed.put(id, Boolean.TRUE);
  }

  private static byte[] aad(String keyId) {
    return (PURPOSE + keyId).getBytes(StandardCharsets.UTF_8);
  }
}
