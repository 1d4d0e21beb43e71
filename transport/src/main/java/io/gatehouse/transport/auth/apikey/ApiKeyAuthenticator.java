package io.gatehouse.transport.auth.apikey;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Authenticator;
import io.gatehouse.transport.auth.Principal;
import java.security.MessageDigest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * Authenticates {@code X-API-Key: gh_<id>_<secret>} against an {@link ApiKeyStore}.
 *
 * <p>Timing-safe by construction: the key is found by its public id, then the SHA-256 of the
 * presented key is compared with the stored hash using {@link MessageDigest#isEqual}, which takes
 * the same time wherever the hashes differ. An unknown id is compared against a dummy hash so it
 * costs the same. The secret never indexes a map, and only a key whose hash matches learns
 * whether it is revoked.
 *
 * <p>Principal: id = credentialId = the key id; roles from the key's record.
 */
public final class ApiKeyAuthenticator implements Authenticator {
  /** The request header carrying the key. */
  public static final String HEADER = "X-API-Key";

  private static final byte[] DUMMY_HASH = new byte[32];

  private final ApiKeyStore store;

  public ApiKeyAuthenticator(ApiKeyStore store) {
    this.store = Objects.requireNonNull(store, "store");
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
    return AuthResult.authenticated(
        new Principal(id, new LinkedHashSet<>(record.roles()), AuthMethod.API_KEY, id));
  }

  private static AuthResult reject(String reason) {
    return AuthResult.rejected(AuthMethod.API_KEY, reason);
  }
}
