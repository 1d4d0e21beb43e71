package io.gatehouse.transport.auth.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.server.Gatehouse;
import io.gatehouse.transport.server.GatehouseServer;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.testing.TestPki;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Gatehouse#server}: the secure server is the only easy one. A config with an auth section
 * can never start unauthenticated; one without refuses unless {@code insecureNoAuthentication()}
 * is named.
 */
class FrontDoorTest {
  @TempDir Path dir;

  private TransportConfig tls(TestPki pki) {
    TestPki.Issued server = pki.server();
    return TransportConfig.defaults().withAddress("127.0.0.1", 0)
        .withTls(TransportConfig.Tls.of(server.certificatePem(), server.keyPem())
            .withClientAuth(TransportConfig.ClientAuthMode.NONE, pki.rootPem()));
  }

  @Test
  void aConfigWithAnAuthSectionCannotStartUnauthenticated() throws Exception {
    TestPki pki = TestPki.create(dir, "door");
    TransportConfig config = tls(pki).withAuth(AuthConfig.defaults()
        .withPolicy(AuthFixture.writePolicy(dir))
        .withRevocation(AuthConfig.Revocation.defaults().withMode(AuthConfig.RevocationMode.OFF)));
    assertThatThrownBy(() -> Gatehouse.server(config).insecureNoAuthentication().start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("insecureNoAuthentication() cannot turn authentication off");
    try (GatehouseServer server = Gatehouse.server(config).start()) {
      assertThat(server.auth()).isPresent();
      assertThat(server.requestStageNames())
          .contains("authenticate:authenticate", "authorize:authorize")
          .noneMatch(name -> name.contains("Anonymous"));
    }
  }

  @Test
  void withoutAnAuthSectionItRefusesUnlessTheOptOutIsNamed() throws Exception {
    TransportConfig config = tls(TestPki.create(dir, "open"));
    assertThat(config.authConfigured()).isFalse();
    assertThatThrownBy(() -> Gatehouse.server(config).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no auth section")
        .hasMessageContaining("insecureNoAuthentication()");
    try (GatehouseServer server = Gatehouse.server(config).insecureNoAuthentication().start()) {
      assertThat(server.auth()).isEmpty();
      assertThat(server.requestStageNames()).contains("authenticate:AnonymousStage");
    }
  }

  @Test
  void metricsAreNeverServedWithoutAuthentication() throws Exception {
    TransportConfig config = TransportConfig.defaults().withAddress("127.0.0.1", 0).withPlainHttp();
    assertThatThrownBy(() -> Gatehouse.server(config).insecureNoAuthentication()
        .metricsEndpoint(() -> "# secret\n").start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metricsEndpoint needs authentication");
    try (GatehouseServer server = Gatehouse.server(config).insecureNoAuthentication().start();
        RawHttp raw = RawHttp.connect(null, server.port())) {
      assertThat(raw.exchange(RawHttp.request("GET", "/metrics", Map.of(), null)).status())
          .isNotEqualTo(200);
    }
  }
}
