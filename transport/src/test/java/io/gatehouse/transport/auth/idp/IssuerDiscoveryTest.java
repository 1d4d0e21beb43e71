package io.gatehouse.transport.auth.idp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Where metadata is looked for; the live exchange is in ExternalIssuerTest. */
class IssuerDiscoveryTest {
  @Test
  void rfc8414InsertsTheWellKnownPathBeforeTheIssuerPathAndOpenIdAppendsIt() {
    assertThat(IssuerDiscovery.metadataUrls(URI.create("https://kc.example.com/realms/mcp")))
        .containsExactly(
            URI.create("https://kc.example.com/.well-known/oauth-authorization-server/realms/mcp"),
            URI.create("https://kc.example.com/realms/mcp/.well-known/openid-configuration"));
    assertThat(IssuerDiscovery.metadataUrls(URI.create("https://idp.example:8443")))
        .containsExactly(
            URI.create("https://idp.example:8443/.well-known/oauth-authorization-server"),
            URI.create("https://idp.example:8443/.well-known/openid-configuration"));
  }

  @Test
  void onlyHttpsIssuersAreDiscovered() {
    IssuerDiscovery discovery =
        new IssuerDiscovery(null, Duration.ofMillis(200), Duration.ofMillis(200));
    assertThatThrownBy(() -> discovery.jwksUri("http://127.0.0.1:1"))
        .isInstanceOf(IOException.class).hasMessageContaining("not an https URL");
  }
}
