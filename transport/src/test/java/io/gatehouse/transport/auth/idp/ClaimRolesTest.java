package io.gatehouse.transport.auth.idp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import io.gatehouse.transport.auth.jwt.InvalidTokenException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Roles from the claim shapes of Keycloak, Entra ID, Okta and plain OAuth scopes. */
class ClaimRolesTest {
  private static JWTClaimsSet claims(String name, Object value) {
    return new JWTClaimsSet.Builder().subject("s").claim(name, value).build();
  }

  @Test
  void keycloakRealmRolesAreMappedAndUnmappedNamesDropped() throws Exception {
    ClaimRoles roles = new ClaimRoles("realm_access.roles",
        Map.of("mcp-reader", "viewer", "mcp-admin", "admin"));
    assertThat(roles.roles(claims("realm_access",
        Map.of("roles", List.of("mcp-reader", "offline_access", "uma_authorization")))))
        .containsExactly("viewer");
  }

  @Test
  void scopeIsSplitOnSpaces() throws Exception {
    assertThat(new ClaimRoles("scope", null).roles(claims("scope", " viewer  manager ")))
        .containsExactly("viewer", "manager");
    assertThat(new ClaimRoles("scope", Map.of("mcp:read", "viewer"))
        .roles(claims("scope", "openid mcp:read"))).containsExactly("viewer");
  }

  @Test
  void entraScpIsAStringAndOktaScpAnArray() throws Exception {
    Map<String, String> mapping = Map.of("Mcp.Read", "viewer");
    assertThat(new ClaimRoles("scp", mapping).roles(claims("scp", "User.Read Mcp.Read")))
        .containsExactly("viewer");
    assertThat(new ClaimRoles("scp", mapping).roles(claims("scp", List.of("openid", "Mcp.Read"))))
        .containsExactly("viewer");
  }

  @Test
  void oktaGroupsAndEntraRolesAreArrays() throws Exception {
    assertThat(new ClaimRoles("groups", Map.of("MCP Admins", "admin"))
        .roles(claims("groups", List.of("Everyone", "MCP Admins")))).containsExactly("admin");
    assertThat(new ClaimRoles("roles", Map.of("Mcp.Read", "viewer"))
        .roles(claims("roles", List.of("Mcp.Read")))).containsExactly("viewer");
  }

  @Test
  void anAbsentPathGrantsNoRoles() throws Exception {
    ClaimRoles roles = new ClaimRoles("realm_access.roles", null);
    assertThat(roles.roles(claims("other", 1))).isEmpty();
    assertThat(roles.roles(claims("realm_access", "not an object"))).isEmpty();
  }

  @Test
  void malformedClaimsAreRefused() {
    assertThatThrownBy(() -> new ClaimRoles("groups", null).roles(claims("groups", 7)))
        .isInstanceOf(InvalidTokenException.class).hasMessageContaining("neither a string");
    assertThatThrownBy(() -> new ClaimRoles("groups", null)
        .roles(claims("groups", List.of("admin", 7))))
        .isInstanceOf(InvalidTokenException.class);
    assertThatThrownBy(() -> new ClaimRoles("scope", null).roles(claims("scope", Map.of())))
        .isInstanceOf(InvalidTokenException.class);
  }

  @Test
  void withoutAMappingEveryNameMustBeAValidRole() {
    assertThatThrownBy(() -> new ClaimRoles("groups", null)
        .roles(claims("groups", List.of("MCP Admins"))))
        .isInstanceOf(InvalidTokenException.class).hasMessageContaining("groups claim");
  }

  @Test
  void badConfigurationIsRefusedAtStart() {
    assertThatThrownBy(() -> new ClaimRoles("realm_access..roles", null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ClaimRoles("groups", Map.of("x", "Not A Role")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("roleMapping");
  }
}
