package io.gatehouse.transport.auth.idp;

import com.nimbusds.jwt.JWTClaimsSet;
import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.pki.identity.RoleNames;
import io.gatehouse.transport.auth.jwt.InvalidTokenException;
import io.gatehouse.transport.auth.jwt.JwtAuthenticator;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Roles from an external issuer's token: a dotted claim path ({@code realm_access.roles}, {@code
 * roles}, {@code groups}, {@code scope}, {@code scp}) to an array of names or to one string of
 * space-separated names (how {@code scope} is written, RFC 9068 §2.2.3), then an
 * optional mapping of IdP names to Gatehouse roles. With a mapping, names it does not list are
 * dropped (an IdP has many roles Gatehouse must not honour by accident); without one, every name
 * must be a valid role name or the token is refused.
 */
public final class ClaimRoles implements JwtAuthenticator.RoleClaims {
  private final String claim;
  private final List<String> path;
  private final Map<String, String> mapping;

  /** Roles from {@code claim}, mapped through {@code mapping} when it is not null. */
  public ClaimRoles(String claim, Map<String, String> mapping) {
    if (claim == null || claim.isBlank() || claim.startsWith(".") || claim.endsWith(".")
        || claim.contains("..")) {
      throw new IllegalArgumentException("rolesClaim must be a dotted claim path, got " + claim);
    }
    this.claim = claim;
    this.path = List.of(claim.split("\\."));
    this.mapping = mapping == null ? null : Map.copyOf(mapping);
    if (this.mapping != null) {
      try {
        RoleNames.validate(new ArrayList<>(new LinkedHashSet<>(this.mapping.values())));
      } catch (IdentityFormatException e) {
        throw new IllegalArgumentException("roleMapping: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public Set<String> roles(JWTClaimsSet claims) throws InvalidTokenException {
    List<String> names = names(claims);
    List<String> roles = new ArrayList<>();
    for (String name : names) {
      if (mapping == null) {
        roles.add(name);
      } else if (mapping.containsKey(name)) {
        roles.add(mapping.get(name));
      }
    }
    try {
      return new LinkedHashSet<>(RoleNames.validate(new ArrayList<>(new LinkedHashSet<>(roles))));
    } catch (IdentityFormatException e) {
      throw new InvalidTokenException(claim + " claim: " + e.getMessage());
    }
  }

  private List<String> names(JWTClaimsSet claims) throws InvalidTokenException {
    Object value = claims.getClaims();
    for (String segment : path) {
      if (!(value instanceof Map<?, ?> map)) {
        return List.of(); // absent path: no roles, like an absent top-level claim
      }
      value = map.get(segment);
    }
    if (value == null) {
      return List.of();
    }
    if (value instanceof String names) {
      return List.of(names.strip().split(" +")).stream().filter(s -> !s.isEmpty()).toList();
    }
    if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
      throw new InvalidTokenException(claim + " claim is neither a string nor an array of strings");
    }
    return list.stream().map(String.class::cast).toList();
  }
}
