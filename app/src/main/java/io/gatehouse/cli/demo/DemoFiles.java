package io.gatehouse.cli.demo;

import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.transport.auth.audit.AuditLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The files the demo writes besides certificates: the server's config and policy. */
final class DemoFiles {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private DemoFiles() {}

  /** The policy shipped with the example server ({@code server-example/config/policy.yaml}). */
  static byte[] shippedPolicy() {
    try (InputStream in = DemoFiles.class.getResourceAsStream("/io/gatehouse/example/policy.yaml")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The demo server's configuration: what {@code gatehouse server --config} would read. */
  static String serverConfig(Demo demo, int port, String issuer, String trustDomain,
      String responderOverride) {
    return String.join("\n",
        "# Written by 'gatehouse demo' on each run. Run the same server yourself with",
        "#   ./gatehouse server --config " + demo.serverConfigFile(),
        "# Every key and its default: docs/configuration.md.",
        "server:",
        "  port: " + port,
        "  tls:",
        "    certificate: " + demo.layout().serversDir().resolve("localhost.crt"),
        "    privateKey: " + demo.layout().serversDir().resolve("localhost.key"),
        "    trustBundle: " + demo.layout().chain(),
        "    # clientAuth is left to auth: optional, because the JWT fallback is on",
        "auth:",
        "  resource: " + demo.mcpUrl() + "   # required with jwt: the audience tokens must carry",
        "  certificate:",
        "    enabled: true",
        "    trustDomain: " + trustDomain,
        "  jwt:",
        "    enabled: true",
        "    issuer: " + issuer,
        // A local file, not ca serve's plain-http /jwks.json: keys only over an authenticated channel.
        "    keyFile: " + JwtSigningKey.jwksFile(demo.layout()),
        "  revocation:",
        "    mode: fail-closed",
        responderOverride == null ? "    # responderUrl unset: the OCSP URL in each certificate (AIA)"
            : "    responderUrl: " + responderOverride + "   # the CA's certificates name another port",
        "    maxCacheTtl: " + Demo.OCSP_CACHE_TTL.toSeconds() + "s   # demo only, so step 5 is quick (default 5m)",
        "  policy:",
        "    file: " + demo.policyFile(),
        "  audit:",
        "    file: " + demo.auditLog(),
        "");
  }

  /**
   * The reason of the latest refused authentication of certificate {@code serial} in the audit
   * log, waiting briefly for the asynchronous writer; null when none appears.
   */
  static String auditReason(Path auditLog, String serial) throws InterruptedException {
    return auditReason(auditLog, event -> serial.equals(event.path("cert_serial").asString()));
  }

  /**
   * The reason of the latest refused authentication in the audit log that {@code which} selects,
   * waiting briefly for the asynchronous writer; null when none appears.
   */
  static String auditReason(Path auditLog, java.util.function.Predicate<JsonNode> which)
      throws InterruptedException {
    // Refusals are aggregated into their own file (audit.refusals.log) once their second has
    // passed, so look there first and allow a little over a second.
    List<Path> files = List.of(AuditLog.refusalsFile(auditLog), auditLog);
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        for (Path file : files) {
          List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
          for (int i = lines.size() - 1; i >= 0; i--) {
            JsonNode event = JSON.readTree(lines.get(i));
            if ("authentication".equals(event.path("event").asString())
                && "deny".equals(event.path("decision").asString())
                && which.test(event)) {
              return event.path("reason").asString();
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        return null;
      }
      Thread.sleep(50);
    }
    return null;
  }
}
