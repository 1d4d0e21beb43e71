package io.gatehouse.transport.auth.pipeline;

import com.github.benmanes.caffeine.cache.Ticker;
import io.gatehouse.transport.auth.AuthenticationChain;
import io.gatehouse.transport.auth.Authenticator;
import io.gatehouse.transport.auth.apikey.ApiKeyAuthenticator;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.auth.audit.AuditLog;
import io.gatehouse.transport.auth.cert.ClientCertificateAuthenticator;
import io.gatehouse.transport.auth.cert.ClientCertificateTrust;
import io.gatehouse.transport.auth.cert.TrustedIssuers;
import io.gatehouse.transport.auth.jwt.JwtAuthenticator;
import io.gatehouse.transport.auth.jwt.JwtKeys;
import io.gatehouse.transport.auth.policy.Policy;
import io.gatehouse.transport.auth.policy.PolicyException;
import io.gatehouse.transport.auth.policy.ReloadingPolicy;
import io.gatehouse.transport.auth.ratelimit.AuthFailureLockout;
import io.gatehouse.transport.auth.ratelimit.RateLimiter;
import io.gatehouse.transport.auth.revocation.RevocationChecker;
import io.gatehouse.transport.auth.revocation.RevocationPolicy;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.server.GatehouseServer;
import io.gatehouse.transport.server.PipelineSlot;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.modelcontextprotocol.server.McpSyncListFilter;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auth pipeline, assembled from the {@code auth:} section of the transport config: the one
 * place that turns configuration into authenticators, revocation checker, policy, rate limiter,
 * lockout, audit log and meters, and installs them into a {@link GatehouseServer}.
 *
 * <pre>{@code
 * TransportConfig config = TransportConfigLoader.load(path);
 * try (GatehouseAuth auth = GatehouseAuth.fromConfig(config, meterRegistry)) {
 *   var transport = new NettyStreamableServerTransportProvider(config.limits());
 *   McpSyncServer mcp = McpServer.sync(transport).tools(...)
 *       .addToolFilter(auth.toolListFilter())          // tools/list shows permitted tools only
 *       .build();
 *   try (GatehouseServer server = auth.metricsEndpoint(prometheus::scrape)   // optional
 *       .install(GatehouseServer.builder(config, transport), RegisteredTools.of(mcp))
 *       .start()) { ... }
 * }
 * }</pre>
 *
 * <p>Installs: RFC 9728 metadata (PUBLIC), readiness for {@code /readyz} (revocation under
 * fail-closed, JWT keys), authentication with lockout (AUTHENTICATE), OCSP
 * (REVOCATION, unless {@code revocation.mode: off} or certificates are off), RBAC and rate limits
 * and, when configured, {@code /metrics} (AUTHORIZE); TLS client auth REQUIRE when certificates
 * are the only method, OPTIONAL with a fallback, with a trust manager that also requires EKU
 * clientAuth; handshake-failure, session, stream and tool-call meters.
 */
public final class GatehouseAuth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatehouseAuth.class);

  private final AuthConfig config;
  private final Path trustBundle; // null: certificates off
  private final TransportConfig.ClientAuthMode configuredClientAuth;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final AuthenticationChain chain;
  private final ReloadingPolicy policy;
  private final AuditLog audit;
  private final AuthFailureLockout lockout;
  private final RateLimiter limiter;
  private final RevocationChecker revocation; // null: not checked
  private final List<X509Certificate> trustAnchors;
  private final ThreadPoolExecutor executor;
  private final AuthMetrics metrics;
  private final Refusals refusals;
  private final String resource;
  private final URI resourceUri;
  private final AuthReadiness readiness;
  private JwtKeys jwtKeys; // null: JWT off
  private Supplier<String> scrape;

  private GatehouseAuth(TransportConfig transport, MeterRegistry registry) {
    this.config = transport.auth();
    this.configuredClientAuth = transport.tls().clientAuth();
    if (config.jwt().enabled() && config.resource() == null) {
      // A default would be the same string on every server, so every such server would accept
      // every default-audience token of the same issuer (docs/security.md).
      throw new IllegalArgumentException("auth.resource is required when auth.jwt is enabled:"
          + " set it to this server's MCP URL as clients reach it (e.g."
          + " https://mcp.example.com/mcp); tokens must carry it as their audience");
    }
    this.resourceUri = config.resource() != null ? config.resource()
        : URI.create((transport.plainHttp() ? "http" : "https") + "://localhost:"
            + (transport.port() == 0 ? 8443 : transport.port()) + "/mcp");
    this.resource = resourceUri.toString();
    this.refusals = new Refusals(base(resourceUri) + ProtectedResourceMetadataStage.PATH,
        config.scopesSupported());
    this.metrics = new AuthMetrics(registry == null ? new CompositeMeterRegistry() : registry);
    this.executor = executor(config.executor());
    resources.add(executor::shutdownNow);
    try {
      AuthConfig.Certificate cert = config.certificate();
      if (cert.enabled()) {
        if (transport.plainHttp()) {
          throw new IllegalArgumentException(
              "auth.certificate needs TLS: disable it or remove plainHttp");
        }
        if (transport.tls().trustBundle() == null) {
          throw new IllegalArgumentException(
              "auth.certificate needs tls.trustBundle (the CA chain clients are issued from)");
        }
      }
      this.trustBundle = cert.enabled() ? transport.tls().trustBundle() : null;
      this.trustAnchors = cert.enabled() ? ClientCertificateTrust.readBundle(trustBundle) : List.of();
      this.chain = AuthenticationChain.of(authenticators().toArray(Authenticator[]::new));
      this.policy = openPolicy(config.policy().file());
      resources.add(policy);
      this.audit = openAudit(config.audit());
      resources.add(audit);
      AuthConfig.Lockout l = config.lockout();
      this.lockout = AuthFailureLockout.builder().maxFailures(l.maxFailures()).window(l.window())
          .lockout(l.duration()).maxSources(l.maxSources())
          .maxFailuresPerSource(l.maxFailuresPerSource()).build();
      this.limiter = RateLimiter.create(config.rateLimits().maxKeys(),
          Ticker.systemTicker());
      this.revocation = cert.enabled() && config.revocation().mode() != AuthConfig.RevocationMode.OFF
          ? revocationChecker(config.revocation()) : null;
      if (revocation != null) {
        resources.add(revocation);
      }
      this.readiness = new AuthReadiness(
          revocation != null && revocation.policy() == RevocationPolicy.FAIL_CLOSED ? revocation : null,
          jwtKeys);
      resources.add(readiness);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The pipeline for {@code config} without meters. */
  public static GatehouseAuth fromConfig(TransportConfig config) {
    return fromConfig(config, null);
  }

  /**
   * The pipeline for {@code config}, registering its meters in {@code registry} (null: none).
   *
   * @throws IllegalArgumentException with a one-line message for any configuration problem (a
   *     missing or invalid policy file, missing trust bundle, unreadable key files, ...)
   */
  public static GatehouseAuth fromConfig(TransportConfig config, MeterRegistry registry) {
    return new GatehouseAuth(config, registry);
  }

  /**
   * TLS client authentication: REQUIRE when certificates are the only method, OPTIONAL when a
   * fallback (JWT, API key) is configured; with certificates off, {@code tls.clientAuth} as
   * configured.
   */
  public TransportConfig.ClientAuthMode clientAuthMode() {
    if (trustBundle == null) {
      return configuredClientAuth;
    }
    return chain.hasFallback() ? TransportConfig.ClientAuthMode.OPTIONAL
        : TransportConfig.ClientAuthMode.REQUIRE;
  }

  /** The SDK {@code tools/list} filter: add it with {@code McpServer...addToolFilter(...)}. */
  public McpSyncListFilter<McpSchema.Tool> toolListFilter() {
    return new PermittedToolsFilter(policy);
  }

  /**
   * Serves {@code GET /metrics} from {@code scrape} (e.g. {@code prometheusRegistry::scrape}) to
   * principals granted the {@code metrics} resource. Call before {@link #install}.
   */
  public GatehouseAuth metricsEndpoint(Supplier<String> scrape) {
    this.scrape = Objects.requireNonNull(scrape, "scrape");
    return this;
  }

  /**
   * Installs the stages, TLS client-auth mode, trust manager and meters into {@code server}.
   *
   * @param tools the registered tool names (e.g. {@link RegisteredTools#of(
   *     io.modelcontextprotocol.server.McpSyncServer)})
   * @return {@code server}, to call {@code start()} on
   */
  public GatehouseServer.Builder install(GatehouseServer.Builder server, RegisteredTools tools) {
    if (trustBundle != null) {
      server.clientAuth(clientAuthMode())
          .clientTrustManager(ClientCertificateTrust.forBundle(trustBundle));
    }
    server.tlsHandshakeObserver((remote, failure) -> {
      String cause = metrics.handshakeFailed(failure);
      audit.tlsHandshakeRefused(remote, AuthMetrics.certificateCause(cause), cause);
    });
    server.stage(PipelineSlot.PUBLIC, new ProtectedResourceMetadataStage(resource,
        resourceUri.getRawPath() == null ? "" : resourceUri.getRawPath(), authorizationServers(),
        config.scopesSupported(), config.jwt().enabled()));
    server.stage(PipelineSlot.AUTHENTICATE, new AuthenticateStage(chain, revocation != null,
        lockout, audit, metrics, refusals, executor, Clock.systemUTC()));
    if (revocation != null) {
      server.stage(PipelineSlot.REVOCATION,
          new RevocationStage(revocation, new TrustedIssuers(trustAnchors), chain.hasFallback(),
              lockout, audit, metrics, refusals));
    }
    Map<String, String> httpResources =
        scrape == null ? Map.of() : Map.of(MetricsStage.PATH, Policy.METRICS);
    server.stage(PipelineSlot.AUTHORIZE,
        new AuthorizeStage(policy, limiter, tools, httpResources, audit, metrics, refusals));
    if (scrape != null) {
      server.stage(PipelineSlot.AUTHORIZE, new MetricsStage(scrape, executor));
    }
    server.readiness(readiness);
    readiness.probeSoon(); // so the first /readyz already reflects a probe when it can
    metrics.observe(server.transport(), tools::contains);
    // What a caller may call just changed: clients re-list (on their listening GET stream).
    policy.onReload(() -> server.transport()
        .notifyClients(McpSchema.METHOD_NOTIFICATION_TOOLS_LIST_CHANGED, null)
        .subscribe(null, e -> log.debug("tools/list_changed not delivered: {}", e.toString())));
    return server;
  }

  /** The policy in force (hot-reloaded). */
  public ReloadingPolicy policy() {
    return policy;
  }

  /** The audit log. */
  public AuditLog audit() {
    return audit;
  }

  /** The resource URL ({@code auth.resource} or its default). */
  public String resource() {
    return resource;
  }

  /** Stops the policy watcher, revocation checker and executor, and flushes the audit log. */
  @Override
  public void close() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        log.warn("closing the auth pipeline: {}", e.toString());
      }
    }
    resources.clear();
  }

  private List<Authenticator> authenticators() {
    List<Authenticator> list = new ArrayList<>();
    AuthConfig.Certificate cert = config.certificate();
    if (cert.enabled()) {
      ClientCertificateAuthenticator.Builder b =
          ClientCertificateAuthenticator.builder().clockSkew(cert.clockSkew());
      if (cert.trustDomain() != null) {
        b.trustDomain(cert.trustDomain());
      }
      list.add(b.build());
    }
    AuthConfig.Jwt jwt = config.jwt();
    if (jwt.enabled()) {
      JwtKeys keys = jwtKeys(jwt);
      resources.add(keys);
      this.jwtKeys = keys;
      JwtAuthenticator authenticator = JwtAuthenticator.builder()
          .issuer(jwt.issuer())
          .audience(jwt.audience() != null ? jwt.audience() : resource)
          .keys(keys)
          .algorithms(jwt.algorithms())
          .clockSkew(jwt.clockSkew())
          .cacheTtl(jwt.tokenCacheTtl())
          .cacheSize(jwt.tokenCacheSize())
          .build();
      resources.add(authenticator);
      list.add(authenticator);
    }
    if (config.apiKey().enabled()) {
      try {
        list.add(new ApiKeyAuthenticator(ApiKeyStore.open(config.apiKey().file())));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "auth.apiKey.file " + config.apiKey().file() + ": " + e.getMessage(), e);
      }
    }
    return list;
  }

  private static JwtKeys jwtKeys(AuthConfig.Jwt jwt) {
    if (jwt.keyFile() != null) {
      try {
        return JwtKeys.fromFile(jwt.keyFile());
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "auth.jwt.keyFile " + jwt.keyFile() + ": " + e.getMessage(), e);
      }
    }
    try {
      return JwtKeys.jwksUrl(jwt.jwksUrl())
          .cacheTtl(jwt.jwksCacheTtl())
          .refreshAhead(jwt.jwksRefreshAhead())
          .minRefetchInterval(jwt.jwksMinRefetchInterval())
          .connectTimeout(jwt.jwksConnectTimeout())
          .fetchDeadline(jwt.jwksFetchDeadline())
          .insecurePlainHttp(jwt.insecurePlainHttpJwks())
          .build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("auth.jwt.jwksUrl: " + e.getMessage(), e);
    }
  }

  private static ReloadingPolicy openPolicy(Path file) {
    if (file == null) {
      throw new IllegalArgumentException(
          "auth.policy.file is required: there is no server without a policy");
    }
    try {
      return ReloadingPolicy.watch(file);
    } catch (PolicyException | IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static AuditLog openAudit(AuthConfig.Audit a) {
    try {
      AuditLog.Builder b = AuditLog.builder().maxFileBytes(a.maxFileBytes()).backups(a.backups())
          .queueCapacity(a.queueCapacity());
      if (a.file() != null) {
        b.file(a.file());
      }
      return b.build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("auth.audit.file " + a.file() + ": " + e.getMessage(), e);
    }
  }

  private static RevocationChecker revocationChecker(AuthConfig.Revocation r) {
    RevocationChecker.Builder b = RevocationChecker.builder()
        .policy(r.mode() == AuthConfig.RevocationMode.SOFT_FAIL
            ? RevocationPolicy.SOFT_FAIL : RevocationPolicy.FAIL_CLOSED)
        .maxCacheTtl(r.maxCacheTtl())
        .maxEntries(r.cacheSize())
        .connectTimeout(r.connectTimeout())
        .requestTimeout(r.requestTimeout())
        .useNonce(r.nonce());
    if (r.responderUrl() != null) {
      try {
        b.responderUrl(r.responderUrl());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("auth.revocation.responderUrl: " + e.getMessage(), e);
      }
    }
    return b.build();
  }

  /**
   * Only configured authorization servers: the JWT issuer is not one (it serves no OAuth
   * metadata), and a listed server that does not exist sends spec-following clients to a dead
   * end (docs/authentication.md).
   */
  private List<String> authorizationServers() {
    return config.authorizationServers() == null ? List.of() : config.authorizationServers();
  }

  private static String base(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority();
  }

  private static ThreadPoolExecutor executor(AuthConfig.Executor e) {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(e.threads(), e.threads(), 60,
        TimeUnit.SECONDS, new ArrayBlockingQueue<>(e.queue()), r -> {
          Thread t = new Thread(r, "gatehouse-auth-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
