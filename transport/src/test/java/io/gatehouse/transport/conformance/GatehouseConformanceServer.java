package io.gatehouse.transport.conformance;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import io.gatehouse.transport.auth.jwt.JwtConfig;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.gatehouse.transport.server.Gatehouse;
import io.gatehouse.transport.server.GatehouseServer;
import io.gatehouse.transport.testing.RealCa;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@link EverythingServer} fixture on the real Gatehouse transport as deployed: TLS with a
 * server certificate from the real test CA, the auth pipeline on (client certificates with OCSP,
 * and bearer JWTs minted by the same CA's {@code gatehouse token}), RBAC from a policy file, on an
 * ephemeral loopback port. The conformance suite's client cannot present a certificate, so it
 * authenticates with {@link #bearerToken()}.
 */
final class GatehouseConformanceServer implements AutoCloseable {
  /** The RFC 9728 resource (and JWT audience) the fixture announces. */
  static final String RESOURCE = "https://localhost/mcp";
  /** The attacker's host name of the suite's dns-rebinding-protection scenario. */
  private static final String REBINDING_HOST = "evil.example.com";
  /** One role that may use every fixture tool, prompt and resource. */
  private static final String POLICY = """
      roles:
        conformance:
          tools: ["*"]
          prompts: ["*"]
          resource_uris: ["*"]
      """;

  private final RealCa ca;
  private final GatehouseServer server;
  private final String token;

  GatehouseConformanceServer(Path dir) throws IOException {
    ca = RealCa.start(dir.resolve("ca"));
    try {
      // The dns-rebinding-protection check forges Host: evil.example.com; over TLS the suite's
      // client checks the certificate against that Host and would give up before the server sees
      // the request. Naming it in the certificate lets the check measure the server's refusal
      // (421), which is what it is about (docs/conformance.md).
      ca.server(List.of("localhost", REBINDING_HOST), List.of("127.0.0.1"));
      Path policy = Files.writeString(dir.resolve("policy.yaml"), POLICY);
      AuthConfig authConfig = AuthConfig.defaults()
          .withPolicy(policy)
          .withMethods(CertificateConfig.defaults(),
              JwtConfig.withKeyFile(ca.tokenIssuer(), ca.jwksFile()),
              new ApiKeyConfig(null, null))
          .withAudit(AuthConfig.Audit.toFile(dir.resolve("audit.log")))
          .withResource(URI.create(RESOURCE));
      TransportConfig config = TransportConfig.defaults().withAddress("127.0.0.1", 0)
          .withTls(TransportConfig.Tls.of(ca.serverCertificate(), ca.serverKey())
              .withClientAuth(TransportConfig.ClientAuthMode.NONE, ca.chainPem()))
          .withAuth(authConfig);
      // 2025-xx sessions get the whole fixture; MCP 2026-07-28 requests its exchange-free tools.
      server = Gatehouse.server(config).mcp(EverythingServer::configure)
          .modernTools(EverythingServer.modernTools())
          .modern(m -> m.serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
              .builder("mcp-conformance-test-server", "1.0.0").build()))
          .modernPrompts(EverythingServer.modernPrompts())
          .modernResources(EverythingServer.modernResources())
          .start();
      token = ca.token("conformance-suite", RESOURCE, "conformance");
    } catch (RuntimeException | IOException e) {
      ca.close();
      throw e;
    }
  }

  /** {@code https://localhost:<port>/mcp}. */
  String url() {
    return "https://localhost:" + server.port() + NettyStreamableServerTransportProvider.PATH;
  }

  /** A JWT for role {@code conformance}, from {@code gatehouse token}. */
  String bearerToken() {
    return token;
  }

  /** The CA chain the server certificate is issued from (for {@code NODE_EXTRA_CA_CERTS}). */
  Path trustedCertificates() {
    return ca.chainPem();
  }

  @Override
  public void close() {
    server.close(); // closes the MCP server and the auth pipeline too
    ca.close();
  }
}
