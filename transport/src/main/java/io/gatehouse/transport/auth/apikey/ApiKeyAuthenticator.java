package io.gatehouse.transport.auth.apikey;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Authenticator;
import io.gatehouse.transport.auth.CredentialLease;
import io.gatehouse.transport.auth.Principal;
import java.security.MessageDigest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Authenticates {@code X-API-Key: gh_<id>_<secret>} against the keys in force ({@link
 * ReloadingApiKeys}, the hot-reloaded key file).
 *
 * <p>Timing-safe by construction: the key is found by its public id, then the SHA-256 of the
 * presented key is compared with the stored hash using {@link MessageDigest#isEqual}, which takes
 * the same time wherever the hashes differ. An unknown id is compared against a dummy hash so it
 * costs the same. The secret never indexes a map, and only a key whose hash matches learns
 * whether it is revoked.
 *
 * <p>Principal: id = the key's SPIFFE ID when it names one (the same principal as the certificate
 * with that ID), else the key id; credentialId = the key id; roles from the key's record. With a
 * local trust domain, a key naming a SPIFFE ID of another trust domain is refused.
 */
public final class ApiKeyAuthenticator implements Authenticator, AutoCloseable {
  /** The request header carrying the key. */
  public static final String HEADER = "X-API-Key";

  private static final byte[] DUMMY_HASH = new byte[32];

  private final ReloadingApiKeys store;
  private final String localTrustDomain;

  /** The keys in force; a key naming a SPIFFE ID may name any trust domain. */
  public ApiKeyAuthenticator(ReloadingApiKeys keys) {
    this(keys, null);
  }

  /**
   * The keys in force; a key naming a SPIFFE ID must name one of {@code localTrustDomain} (null:
   * any).
   */
  public ApiKeyAuthenticator(ReloadingApiKeys keys, String localTrustDomain) {
    this.store = Objects.requireNonNull(keys, "keys");
    this.localTrustDomain = localTrustDomain;
  }

  /** Stops watching the key file. */
  @Override
  public void close() {
    store.close();
  }

  /**
   * The public id of the one API key {@code request} presents, or null (none, several, or
   * malformed). The id is not verified: use it only to key failure counters.
   */
  public static String presentedId(AuthRequest request) {
    List<String> values = request.headers(HEADER);
    return values.size() == 1 ? ApiKeyFormat.idOf(values.get(0).strip()) : null;
  }

  @Override
  public AuthMethod method() {
    return AuthMethod.API_KEY;
  }

  @Override
  public AuthResult authenticate(AuthRequest request) {
    List<String> values = request.headers(HEADER);
    if (values.isEmpty()) {
      return AuthResult.notPresent();
    }
    if (values.size() > 1) {
      return reject("duplicate " + HEADER + " header");
    }
    String key = values.get(0).strip();
    String id = ApiKeyFormat.idOf(key);
    if (id == null) {
      return reject("malformed API key");
    }
    ApiKeyRecord record = store.find(id);
    byte[] expected = record == null ? DUMMY_HASH : ApiKeyFormat.unhex(record.sha256());
    boolean hashMatches = MessageDigest.isEqual(ApiKeyFormat.sha256(key), expected);
    if (record == null || !hashMatches) {
      return reject("unknown API key " + id + " or wrong secret");
    }
    if (record.revoked()) {
      return reject("API key " + id + " is revoked");
    }
    if (record.spiffeId() != null && localTrustDomain != null
        && !record.spiffeId().startsWith("spiffe://" + localTrustDomain + "/")) {
      return reject("API key " + id + " names a SPIFFE ID outside trust domain " + localTrustDomain);
    }
    byte[] storedHash = expected;
    String principal = record.spiffeId() != null ? record.spiffeId() : id;
    return AuthResult.authenticated(
        new Principal(principal, new LinkedHashSet<>(record.roles()), AuthMethod.API_KEY, id),
        CredentialLease.revalidated(
            () -> CompletableFuture.completedFuture(stillValid(id, storedHash))));
  }

  /**
   * True while key {@code id} is in the store, not revoked and still the key that was
   * authenticated (same hash). Reads the keys in force (reloaded when the file changes).
   */
  private boolean stillValid(String id, byte[] authenticatedHash) {
    ApiKeyRecord record = store.find(id);
    return record != null && !record.revoked()
        && MessageDigest.isEqual(ApiKeyFormat.unhex(record.sha256()), authenticatedHash);
  }

  private static AuthResult reject(String reason) {
    return AuthResult.rejected(AuthMethod.API_KEY, reason);
  }
}
