package io.gatehouse.bench.auth;

import com.nimbusds.jose.jwk.JWKSet;
import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.bench.support.CaFixture;
import io.gatehouse.bench.support.TempDirs;
import io.gatehouse.pki.identity.RolesExtension;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Authenticator;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.apikey.ApiKeyAuthenticator;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.auth.apikey.ReloadingApiKeys;
import io.gatehouse.transport.auth.cert.ClientCertificateAuthenticator;
import io.gatehouse.transport.auth.jwt.JwtAuthenticator;
import io.gatehouse.transport.auth.jwt.JwtKeys;
import io.gatehouse.transport.auth.policy.Policy;
import io.gatehouse.transport.auth.revocation.RevocationChecker;
import io.gatehouse.transport.auth.revocation.RevocationDecision;
import io.gatehouse.transport.auth.revocation.RevocationTarget;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Gatehouse's per-request auth paths, called exactly as the pipeline calls them. Each is reported
 * against its raw primitive ({@code primitives.*}) measured in the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class AuthPathBenchmark {

  /** Full JWT verification, cache disabled: parse + allow-list + key selection + signature + claims. */
  @State(Scope.Benchmark)
  public static class Jwt {
    @Param({"RS256", "PS256", "ES256", "EdDSA", "HS256"})
    public String alg;

    JwtAuthenticator uncached;
    AuthRequest request;

    @Setup
    public void setUp() throws Exception {
      Tokens.Signed signed = Tokens.create(alg);
      uncached = authenticator(signed, alg, Duration.ZERO);
      request = bearer(signed.token());
      expectAuthenticated(uncached, request);
    }
  }

  /** A token already verified once: SHA-256 of the token + cache lookup + binding check. */
  @State(Scope.Benchmark)
  public static class CachedJwt {
    JwtAuthenticator cached;
    AuthRequest request;

    @Setup
    public void setUp() throws Exception {
      Tokens.Signed signed = Tokens.create("ES256");
      cached = authenticator(signed, "ES256", Duration.ofMinutes(10));
      request = bearer(signed.token());
      expectAuthenticated(cached, request);
    }
  }

  /** An API key in a real key file: parse, lookup by id, SHA-256, constant-time compare. */
  @State(Scope.Benchmark)
  public static class ApiKey {
    Path dir;
    ApiKeyAuthenticator authenticator;
    AuthRequest request;

    @Setup
    public void setUp() throws Exception {
      dir = TempDirs.create("apikeys");
      ApiKeyStore store = ApiKeyStore.open(dir.resolve("apikeys.json"));
      String key = store.create("bench", List.of("viewer")).key();
      authenticator = new ApiKeyAuthenticator(ReloadingApiKeys.watch(store.file()));
      request = AuthRequest.builder().header(ApiKeyAuthenticator.HEADER, key).build();
      expectAuthenticated(authenticator, request);
    }

    @TearDown
    public void tearDown() {
      authenticator.close();
      TempDirs.delete(dir);
    }
  }

  /**
   * A client certificate from the Gatehouse CA, with {@code ca serve} answering OCSP on loopback
   * for the revocation cache.
   */
  @State(Scope.Benchmark)
  public static class Certificate {
    CaFixture ca;
    X509Certificate leaf;
    ClientCertificateAuthenticator authenticator;
    AuthRequest request;
    RevocationChecker revocation;
    RevocationTarget target;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      ca = new CaFixture();
      BenchPki.Leaf client = ca.pki().client("alice", "manager", "viewer");
      leaf = client.certificate();
      authenticator = ClientCertificateAuthenticator.builder().trustDomain("gatehouse.local").build();
      request = AuthRequest.builder().peerCertificates(List.of(leaf)).build();
      expectAuthenticated(authenticator, request);
      revocation = RevocationChecker.builder().responderUrl(URI.create(ca.ocspUrl())).build();
      target = revocation.target(leaf, ca.pki().ca().issuerCertificate());
      RevocationDecision first = revocation.check(target).get(10, TimeUnit.SECONDS);
      if (!first.admitted() || revocation.cachedDecision(target).isEmpty()) {
        throw new IllegalStateException("OCSP check against ca serve failed: " + first);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      revocation.close();
      ca.close();
    }
  }

  /** The example policy from docs/authorization.md, a viewer calling a tool granted by a glob. */
  @State(Scope.Benchmark)
  public static class Rbac {
    static final String POLICY = """
        roles:
          admin:
            includes: [manager, metrics]
            tools: ["*"]
          manager:
            includes: [viewer]
            tools: ["hr.*", "crm.update_contact"]
          viewer:
            tools: ["crm.read_*", "hr.list_employees", "docs.*.summary"]
          metrics:
            resources: [metrics]
        """;
    Policy policy;
    Principal caller;

    @Setup
    public void setUp() throws Exception {
      policy = Policy.fromYaml(POLICY);
      caller = new Principal("spiffe://gatehouse.local/client/alice", Set.of("viewer"),
          AuthMethod.CERTIFICATE, "01");
      if (!policy.mayCall(caller, "crm.read_contact") || policy.mayCall(caller, "hr.delete")) {
        throw new IllegalStateException("policy does not decide as documented");
      }
    }
  }

  @Benchmark
  public AuthResult jwtUncached(Jwt s) {
    return s.uncached.authenticate(s.request);
  }

  @Benchmark
  public AuthResult jwtCachedHit(CachedJwt s) {
    return s.cached.authenticate(s.request);
  }

  @Benchmark
  public AuthResult apiKey(ApiKey s) {
    return s.authenticator.authenticate(s.request);
  }

  @Benchmark
  public Optional<List<String>> roleExtensionDecode(Certificate s) throws Exception {
    return RolesExtension.fromCertificate(s.leaf);
  }

  @Benchmark
  public AuthResult clientCertificate(Certificate s) {
    return s.authenticator.authenticate(s.request);
  }

  @Benchmark
  public Optional<RevocationDecision> ocspCacheHit(Certificate s) {
    return s.revocation.cachedDecision(s.target);
  }

  @Benchmark
  public boolean rbacMayCall(Rbac s) {
    return s.policy.mayCall(s.caller, "crm.read_contact");
  }

  static JwtAuthenticator authenticator(Tokens.Signed signed, String alg, Duration cacheTtl)
      throws Exception {
    return JwtAuthenticator.builder()
        .issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE)
        .algorithms(List.of(alg))
        .keys(JwtKeys.of(new JWKSet(signed.verificationKey())))
        .cacheTtl(cacheTtl)
        .build();
  }

  static AuthRequest bearer(String token) {
    return AuthRequest.builder().header("Authorization", "Bearer " + token).build();
  }

  static void expectAuthenticated(Authenticator authenticator, AuthRequest request) {
    AuthResult result = authenticator.authenticate(request);
    if (!(result instanceof AuthResult.Authenticated)) {
      throw new IllegalStateException(authenticator.method() + " path does not authenticate: " + result);
    }
  }
}
