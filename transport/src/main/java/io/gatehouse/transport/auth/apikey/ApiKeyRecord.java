package io.gatehouse.transport.auth.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * One API key as stored: never the key itself, only the SHA-256 of it.
 *
 * @param id public identifier, 16 lowercase hex characters, also part of the key
 * @param name who or what the key is for (shown by {@code apikey list} and audit)
 * @param roles the roles the key carries
 * @param created when the key was created
 * @param revoked true once revoked; a revoked key is refused and never reinstated
 * @param revokedAt when it was revoked, or null
 * @param sha256 lowercase hex SHA-256 of the UTF-8 key string
 * @param spiffeId the SPIFFE ID the key authenticates as (the same principal as the certificate
 *     naming it), or null: the key id is the principal. Left out of the file when null, so files
 *     without bound keys stay readable by earlier versions
 */
public record ApiKeyRecord(
    String id,
    String name,
    List<String> roles,
    Instant created,
    boolean revoked,
    Instant revokedAt,
    String sha256,
    @JsonInclude(JsonInclude.Include.NON_NULL) String spiffeId) {
  public ApiKeyRecord {
    roles = roles == null ? null : List.copyOf(roles);
  }

  /** A key whose principal is its id. */
  public ApiKeyRecord(String id, String name, List<String> roles, Instant created,
      boolean revoked, Instant revokedAt, String sha256) {
    this(id, name, roles, created, revoked, revokedAt, sha256, null);
  }

  ApiKeyRecord revokedAt(Instant when) {
    return new ApiKeyRecord(id, name, roles, created, true, when, sha256, spiffeId);
  }
}
