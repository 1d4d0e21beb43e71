package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.auditContaining;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ca serve} stops: under fail-closed a new identity (nothing cached) is refused; under
 * soft-fail it is admitted and the audit log says why with a warning.
 */
class ResponderOutageTest {
  @TempDir Path dir;

  @Test
  void failClosedRefusesAndSoftFailAdmitsWithAWarning() throws Exception {
    try (RealCa ca = RealCa.start(dir.resolve("ca"))) {
      Path policy = AuthFixture.writePolicy(dir);
      SimpleMeterRegistry softMeters = new SimpleMeterRegistry();
      TransportConfig closed = AuthFixture.config(ca, AuthConfig.defaults().withPolicy(policy)
          .withAudit(AuthConfig.Audit.toFile(dir.resolve("closed.log"))));
      TransportConfig soft = AuthFixture.config(ca, AuthConfig.defaults().withPolicy(policy)
          .withRevocation(AuthConfig.Revocation.defaults()
              .withMode(AuthConfig.RevocationMode.SOFT_FAIL))
          .withAudit(AuthConfig.Audit.toFile(dir.resolve("soft.log"))));
      try (TestServer closedServer = TestServer.startSecure(closed);
          TestServer softServer = TestServer.startSecure(soft, softMeters, null)) {
        GatehouseAuth closedAuth = closedServer.auth;
        GatehouseAuth softAuth = softServer.auth;
        RealCa.Identity known = ca.client("known", "viewer");
        assertThat(get(ca.clientContext(known), closedServer.port(), "/x", Map.of()).status())
            .isEqualTo(404);

        ca.stopResponder();
        RealCa.Identity fresh = ca.client("fresh", "viewer");
        var refused = get(ca.clientContext(fresh), closedServer.port(), "/x", Map.of());
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("WWW-Authenticate")).startsWith("Bearer resource_metadata=");
        assertThat(refused.body()).contains("\"error\":\"certificate_status_unavailable\"");
        assertThat(auditContaining(dir.resolve("closed.log"), "client/fresh"))
            .containsPattern("\"decision\":\"deny\",\"principal\":\"spiffe://gatehouse.local/"
                + "client/fresh\".*\"reason\":\"[^\"]+\"");
        // An answer cached before the outage still serves until it expires (max 5 min here).
        assertThat(get(ca.clientContext(known), closedServer.port(), "/x", Map.of()).status())
            .isEqualTo(404);

        assertThat(get(ca.clientContext(fresh), softServer.port(), "/x", Map.of()).status())
            .isEqualTo(404);
        String log = auditContaining(dir.resolve("soft.log"), "\"warning\"");
        assertThat(log).containsPattern("\"decision\":\"allow\",\"principal\":\"spiffe://"
            + "gatehouse.local/client/fresh\".*\"warning\":\"revocation status unavailable: ");
        assertThat(softMeters.get(AuthMetrics.AUTH_DECISIONS)
            .tags("method", "certificate", "result", "warn").counter().count()).isEqualTo(1);
        assertThat(softMeters.get(AuthMetrics.OCSP_RESPONDER).tags("status", "unavailable")
            .timer().count()).isEqualTo(1);
      }
    }
  }
}
