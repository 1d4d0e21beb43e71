package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.eventually;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.mcpHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client trust bundle rotated on disk while the server runs, through the whole certificate
 * pipeline (handshake trust, OCSP from each real CA's own {@code ca serve}, RBAC): a second CA
 * appended is trusted by new connections without a restart, then the first removed is refused on
 * new connections while a connection opened before keeps working. Clients present their leaf
 * only, so both the handshake and the revocation stage must find the issuer in the bundle as it
 * is now.
 */
class TrustBundleRotationTest {
  /**
   * The file watcher (two 200 ms debounce periods, 1 s poll) plus TLS handshakes and an OCSP
   * round trip per try: about 1 s when quiet, and a loaded 2-core machine stretches it several
   * times (5 s was the bound before).
   */
  static final Duration RELOADED_WITHIN = Duration.ofSeconds(30);
  private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
      + "\"params\":{\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},"
      + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";

  @TempDir Path dir;

  @Test
  void appendedCaIsTrustedAndRemovedCaRefusedOnNewConnectionsWithoutRestart() throws Exception {
    try (RealCa oldCa = RealCa.start(dir.resolve("old-ca"));
        RealCa newCa = RealCa.start(dir.resolve("new-ca"))) {
      Path bundle = Files.copy(oldCa.chainPem(), dir.resolve("trust-bundle.pem"));
      AuthConfig authConfig = AuthConfig.defaults()
          .withPolicy(AuthFixture.writePolicy(dir))
          .withLockout(AuthFixture.lenientLockout())
          .withAudit(AuthConfig.Audit.toFile(dir.resolve("audit.log")));
      TransportConfig config = TransportConfig.defaults().withAddress("127.0.0.1", 0)
          .withTls(TransportConfig.Tls.of(oldCa.serverCertificate(), oldCa.serverKey())
              .withClientAuth(TransportConfig.ClientAuthMode.NONE, bundle))
          .withAuth(authConfig.withResource(URI.create(AuthFixture.RESOURCE)));
      RealCa.Identity alice = oldCa.client("alice", "viewer");
      RealCa.Identity bob = newCa.client("bob", "viewer");
      // Both trust the server's CA; each presents its leaf alone.
      SSLContext aliceTls = oldCa.clientContextPresenting(List.of(alice.certificate()), alice.key());
      SSLContext bobTls = oldCa.clientContextPresenting(List.of(bob.certificate()), bob.key());

      try (TestServer server = TestServer.startSecure(config)) {
        int port = server.port();
        assertThat(initialize(aliceTls, port)).isEqualTo(200);
        assertThat(initialize(bobTls, port)).as("new CA not trusted yet").isEqualTo(-1);
        RawHttp aliceOpen = RawHttp.connect(aliceTls, port);
        assertThat(aliceOpen.exchange(initializeRequest()).status()).isEqualTo(200);

        // 1. The new CA appended (written in place): its clients are accepted, OCSP included.
        Files.write(bundle, Files.readAllBytes(newCa.chainPem()), StandardOpenOption.APPEND);
        long appended = System.nanoTime();
        assertThat(eventually(RELOADED_WITHIN, () -> initialize(bobTls, port) == 200))
            .as("a client of the appended CA is accepted (handshake and revocation)").isTrue();
        System.out.println("TrustBundleRotationTest: appended CA trusted after "
            + (System.nanoTime() - appended) / 1_000_000 + " ms");
        assertThat(initialize(aliceTls, port)).isEqualTo(200);

        // 2. A garbage bundle is refused: the trust stays as it was.
        Path good = Files.copy(bundle, dir.resolve("bundle.good"));
        replace(bundle, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n".getBytes());
        Thread.sleep(1_000);
        assertThat(initialize(bobTls, port)).isEqualTo(200);
        assertThat(initialize(aliceTls, port)).isEqualTo(200);
        replace(bundle, Files.readAllBytes(good));

        // 3. The old CA removed (file replaced by rename): its clients are refused on new
        //    connections; the connection alice opened before goes on.
        replace(bundle, Files.readAllBytes(newCa.chainPem()));
        assertThat(eventually(RELOADED_WITHIN, () -> initialize(aliceTls, port) == -1))
            .as("a client of the removed CA is refused at the handshake").isTrue();
        assertThat(initialize(bobTls, port)).isEqualTo(200);
        assertThat(aliceOpen.exchange(initializeRequest()).status()).isEqualTo(200);
        aliceOpen.close();
      }
    }
  }

  private static String initializeRequest() {
    return RawHttp.request("POST", "/mcp", mcpHeaders(Map.of()), INITIALIZE);
  }

  /** The status of an MCP initialize on a new connection; -1 when the connection failed (TLS). */
  private static int initialize(SSLContext tls, int port) {
    try (RawHttp raw = RawHttp.connect(tls, port)) {
      return raw.exchange(initializeRequest()).status();
    } catch (IOException refused) {
      return -1;
    }
  }

  private static void replace(Path file, byte[] content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
