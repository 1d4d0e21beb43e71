package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.ca.est.EstService;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.oauth.TokenEndpoint;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca serve}: the OCSP responder, CRL and JWKS endpoint. Runs until SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve OCSP (POST /ocsp, GET /ocsp/{base64 request}), the CRL (GET /crl) and the JWT"
        + " public keys (GET /jwks.json) and GET /readyz over plain HTTP on --port, and EST enrollment"
        + " (/.well-known/est/: cacerts, simpleenroll, simplereenroll) over HTTPS on --https-port.",
        "The HTTPS listener is also an OAuth authorization server for machine clients: RFC 8414 metadata at"
            + " /.well-known/oauth-authorization-server and POST /token (client_credentials, the client"
            + " certificate over mutual TLS, a --resource as audience).",
        "The HTTPS certificate is --tls-cert/--tls-key, or one the CA issues to itself for --https-dns"
            + " and --https-ip and renews at two thirds of its lifetime.",
        "Revocations made by 'ca revoke' in another process (or on another node sharing a PostgreSQL"
            + " store) are served within a second.",
        "The store is verified against its signed audit chain at start and on every change; on a mismatch"
            + " every OCSP answer is tryLater, EST is refused with 503 and GET /readyz returns 503 (docs/ca.md)."})
final class ServeCommand implements Callable<Integer> {
  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;

  @Option(names = "--port", defaultValue = "8089", description = "TCP port, 0 for any (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--ocsp-validity", defaultValue = "1h", description = "OCSP nextUpdate − thisUpdate, 1m to 24h (default: ${DEFAULT-VALUE}).")
  String ocspValidity;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "Serve HTTPS with this certificate chain (PEM).")
  Path tlsCertificate;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "The TLS private key (PKCS#8 PEM).")
  Path tlsKey;

  @Option(names = "--https-port", defaultValue = "" + CaService.Https.DEFAULT_PORT,
      description = "HTTPS (EST) port, 0 for any (default: ${DEFAULT-VALUE}).")
  int httpsPort;

  @Option(names = "--https-dns", paramLabel = "NAME", split = ",",
      description = "DNS name of the self-issued HTTPS certificate; repeat for several (default: localhost).")
  List<String> httpsDns = new ArrayList<>();

  @Option(names = "--https-ip", paramLabel = "ADDRESS", split = ",",
      description = "IP address of the self-issued HTTPS certificate; repeat for several (default: 127.0.0.1).")
  List<String> httpsIps = new ArrayList<>();

  @Option(names = "--est-source-rate", paramLabel = "N", defaultValue = "" + EstService.DEFAULT_PER_SOURCE_PER_MINUTE,
      description = "EST requests a minute from one source address (default: ${DEFAULT-VALUE}).")
  int perSource;

  @Option(names = "--est-provisioner-rate", paramLabel = "N",
      defaultValue = "" + EstService.DEFAULT_PER_PROVISIONER_PER_MINUTE,
      description = "EST enrollments a minute through one provisioner (default: ${DEFAULT-VALUE}).")
  int perProvisioner;

  @Option(names = "--resource", paramLabel = "URL",
      description = "A resource URL (RFC 8707), e.g. an MCP server's https://host:8443/mcp, that POST /token"
          + " mints tokens for; repeat for several. Unregistered resources get invalid_target.")
  List<String> resources = new ArrayList<>();

  ServeCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    Duration validity = Ttl.parse(ocspValidity);
    if (validity.compareTo(Duration.ofMinutes(1)) < 0 || validity.compareTo(Duration.ofHours(24)) > 0) {
      throw new InvalidRequestException("--ocsp-validity must be between 1m and 24h");
    }
    if (port < 0 || port > 65535) {
      throw new InvalidRequestException("--port must be between 0 and 65535");
    }
    if (httpsPort < 0 || httpsPort > 65535) {
      throw new InvalidRequestException("--https-port must be between 0 and 65535");
    }
    if (perSource < 1 || perProvisioner < 1) {
      throw new InvalidRequestException("--est-source-rate and --est-provisioner-rate must be at least 1");
    }
    List<String> dns = httpsDns.isEmpty() ? List.of("localhost") : httpsDns;
    List<String> ips = httpsIps.isEmpty() ? List.of("127.0.0.1") : httpsIps;
    Issuer.checkServerNames(dns, ips);
    CaService.Https https = new CaService.Https(httpsPort, dns, ips,
        new EstService.Limits(perSource, perProvisioner), TokenEndpoint.checkResources(resources));
    CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env());
    CaService service;
    try {
      char[] passphrase = environment.caPassphrase(false);
      IssuerKey issuerKey;
      JwtSigningKey jwt;
      try {
        issuerKey = ca.unlock(passphrase);
        jwt = JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase);
      } finally {
        Arrays.fill(passphrase, '\0');
      }
      service = CaService.start(ca, issuerKey, jwt,
          new CaService.Options(bind, port, validity, tlsCertificate, tlsKey, https), environment.clock());
    } catch (Exception e) {
      ca.close();
      throw e;
    }
    Thread stopper = new Thread(() -> {
      service.close();
      ca.close();
    }, "gatehouse-ca-shutdown");
    Runtime.getRuntime().addShutdownHook(stopper);
    PrintWriter out = spec.commandLine().getOut();
    out.println("Serving OCSP, CRL and JWKS on " + service.baseUrl()
        + " (POST /ocsp, GET /ocsp/{request}, GET /crl, GET /jwks.json, GET /readyz)");
    out.println("Serving EST on " + service.httpsUrl() + "/.well-known/est/ (HTTPS certificate serial "
        + service.httpsCertificate().getSerialNumber().toString(16) + ")");
    out.println("Serving the OAuth authorization server " + service.tokenIssuer() + " ("
        + TokenEndpoint.METADATA_PATH + ", POST " + TokenEndpoint.TOKEN_PATH + ") for "
        + (resources.isEmpty() ? "no resource (add --resource URL)" : String.join(", ", resources)));
    out.flush();
    service.awaitClose();
    return 0;
  }
}
