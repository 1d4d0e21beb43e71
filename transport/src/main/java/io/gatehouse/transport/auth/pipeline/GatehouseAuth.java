package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.cert.CertificateConfig;
import com.github.benmanes.caffeine.cache.Ticker;
import io.gatehouse.transport.auth.AuthenticationChain;
import io.gatehouse.transport.auth.Authenticator;
import io.gatehouse.transport.auth.AuthenticationThreads;
import io.gatehouse.transport.auth.apikey.ApiKeyAuthentication;
import io.gatehouse.transport.auth.apikey.ApiKeyAuthenticator;
import io.gatehouse.transport.auth.audit.AuditLog;
import io.gatehouse.transport.auth.cert.CertificateAuthentication;
import io.gatehouse.transport.auth.cert.ClientCertificateTrust;
import io.gatehouse.transport.auth.cert.TrustedIssuers;
import io.gatehouse.transport.auth.idp.ExternalIssuers;
import io.gatehouse.transport.auth.jwt.JwtAuthenticator;
import io.gatehouse.transport.auth.jwt.JwtAuthentication;
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
import io.gatehouse.transport.server.extension.PipelineSlot;
import io.gatehouse.transport.server.extension.ServerExtensionPoints;
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
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auth pipeline, assembled from the {@code auth:} section of the transport config: turns
 * configuration into authenticators (each method's own factory: {@link CertificateAuthentication},
 * {@link JwtAuthentication}, {@link ApiKeyAuthentication}), revocation checker, policy, rate
 * limiter, lockout, audit log and meters, and installs them into a server. {@link
 * io.gatehouse.transport.server.Gatehouse#server} does that, in one order; embedders do not call
 * {@link #install} themselves.
 *
 * <p>Installs: RFC 9728 metadata (PUBLIC), readiness for {@code /readyz} (revocation under
 * fail-closed, JWT keys), authentication with lockout (AUTHENTICATE), OCSP
 * (REVOCATION, unless {@code revocation.mode: off} or certificates are off), RBAC and rate limits
 * and, when configured, {@code /metrics} (AUTHORIZE); TLS client auth REQUIRE when certificates
 * are the only method, OPTIONAL with a fallback, with a trust manager that also requires EKU
 * clientAuth; handshake-failure, session, stream and tool-call meters. Every decision goes to one
 * {@link Decisions} sink, which writes the audit log and the meters together.
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
  // The bundle's CA certificates: read here, then replaced by the server when the file changes.
  private final AtomicReference<TrustedIssuers> trustedIssuers; // follows bundle reloads
  private final ThreadPoolExecutor executor;
  private final AuthMetrics metrics;
  private final Refusals refusals;
  private final String resource;
  private final URI resourceUri;
  private final AuthReadiness readiness;
  private JwtKeys jwtKeys; // null: JWT off
  private Supplier<String> scrape;
  private boolean installed;

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
            + (transport.port() == 0 ? TransportConfig.PORT.defaultValue() : transport.port()) + "/mcp");
    this.resource = resourceUri.toString();
    this.refusals = new Refusals(base(resourceUri) + ProtectedResourceMetadataStage.PATH,
        config.scopesSupported());
    this.metrics = new AuthMetrics(registry == null ? new CompositeMeterRegistry() : registry);
    this.executor = executor(config.executor());
    resources.add(executor::shutdownNow);
    try {
      CertificateConfig cert = config.certificate();
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
      this.trustedIssuers = new AtomicReference<>(
          cert.enabled() ? new TrustedIssuers(ClientCertificateTrust.readBundle(trustBundle)) : null);
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
      if (cert.enabled() && config.revocation().mode() != AuthConfig.RevocationMode.FAIL_CLOSED) {
        log.warn("auth.revocation.mode: {}: a certificate whose revocation status is unknown is"
            + " admitted", config.revocation().mode().toString().toLowerCase(java.util.Locale.ROOT));
      }
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
   * Who sees and gets an MCP prompt on the 2026-07-28 path: the caller in the transport context
   * is granted it by the policy in force ({@code prompts}); no principal, nothing visible.
   */
  public java.util.function.BiPredicate<io.modelcontextprotocol.common.McpTransportContext, String>
      promptVisibility() {
    return (context, name) -> context != null && io.gatehouse.transport.mcp.context.McpContextKeys
        .principal(context).map(p -> policy.current().mayGetPrompt(p, name)).orElse(false);
  }

  /** Like {@link #promptVisibility()} for MCP resource URIs ({@code resource_uris}). */
  public java.util.function.BiPredicate<io.modelcontextprotocol.common.McpTransportContext, String>
      resourceVisibility() {
    return (context, uri) -> context != null && io.gatehouse.transport.mcp.context.McpContextKeys
        .principal(context).map(p -> policy.current().mayReadResource(p, uri)).orElse(false);
  }

  /**
   * Serves {@code GET /metrics} from {@code scrape} (e.g. {@code prometheusRegistry::scrape}) to
   * principals granted the {@code metrics} resource. Call before {@link #install}.
   */
  public GatehouseAuth metricsEndpoint(Supplier<String> scrape) {
    if (installed) {
      throw new IllegalStateException("metricsEndpoint must be set before install");
    }
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
  public <S extends ServerExtensionPoints> S install(S server, RegisteredTools tools) {
    if (installed) {
      throw new IllegalStateException("the auth pipeline is installed in one server only");
    }
    installed = true;
    if (trustBundle != null) {
      // Handshake trust and the revocation stage's issuers follow the bundle file together.
      server.clientAuth(clientAuthMode())
          .clientTrustFromBundle(ClientCertificateTrust::forAnchors)
          .onTrustBundleLoaded(anchors -> trustedIssuers.set(new TrustedIssuers(anchors)));
    }
    server.tlsHandshakeObserver((remote, failure) -> {
      String cause = metrics.handshakeFailed(failure);
      audit.tlsHandshakeRefused(remote, AuthMetrics.certificateCause(cause), cause);
    });
    server.stage(PipelineSlot.PUBLIC, new ProtectedResourceMetadataStage(resource,
        resourceUri.getRawPath() == null ? "" : resourceUri.getRawPath(), authorizationServers(),
        config.scopesSupported(), config.jwt().enabled()));
    Decisions decisions = new Decisions(audit, metrics, refusals);
    server.stage(PipelineSlot.AUTHENTICATE, new AuthenticateStage(chain, revocation != null,
        lockout, decisions, executor, Clock.systemUTC()));
    if (revocation != null) {
      server.stage(PipelineSlot.REVOCATION,
          new RevocationStage(revocation, trustedIssuers::get, lockout, decisions));
    }
    Map<String, String> httpResources =
        scrape == null ? Map.of() : Map.of(MetricsStage.PATH, Policy.METRICS);
    server.stage(PipelineSlot.AUTHORIZE,
        new AuthorizeStage(policy, limiter, tools, httpResources, decisions));
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

  /** The enabled methods in chain order: certificate first, then JWT, then API key. */
  private List<Authenticator> authenticators() {
    List<Authenticator> list = new ArrayList<>();
    if (config.certificate().enabled()) {
      list.add(CertificateAuthentication.fromConfig(config.certificate()));
    }
    if (config.jwt().enabled()) {
      if (config.jwt().issuers().isEmpty()) {
        JwtAuthenticator jwt = JwtAuthentication.fromConfig(config.jwt(), resource);
        resources.add(jwt);
        this.jwtKeys = jwt.keys();
        list.add(jwt);
      } else {
        // External issuers: discovery and keys are checked at start (a failure stops it there).
        ExternalIssuers jwt = ExternalIssuers.fromConfig(config.jwt(), resource);
        resources.add(jwt);
        list.add(jwt);
      }
    }
    if (config.apiKey().enabled()) {
      ApiKeyAuthenticator apiKeys = ApiKeyAuthentication.fromConfig(config.apiKey(), localTrustDomain());
      resources.add(apiKeys);
      list.add(apiKeys);
    }
    return list;
  }

  /**
   * The trust domain of this server's own identities ({@code auth.certificate.trustDomain}, else
   * {@code auth.jwt.localCaTrustDomain}; the config refuses the two differing), or null for any.
   */
  private String localTrustDomain() {
    return config.certificate().trustDomain() != null ? config.certificate().trustDomain()
        : config.jwt().localCaTrustDomain();
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
   * Only servers that exist: a listed server that does not sends spec-following clients to a dead
   * end (docs/authentication.md). These are the configured ones, the CA service when declared
   * ({@code auth.jwt.localCaAuthorizationServer}: its issuer is its HTTPS URL, which serves RFC
   * 8414 metadata) and the external issuers (each was found by discovery at start). A plain
   * local issuer is not listed: it may be an identifier with no metadata behind it.
   */
  private List<String> authorizationServers() {
    List<String> listed = new ArrayList<>();
    if (config.authorizationServers() != null) {
      listed.addAll(config.authorizationServers());
    }
    if (config.jwt().enabled()) {
      List<String> issuers = new ArrayList<>();
      if (config.jwt().localCaAuthorizationServer()) {
        issuers.add(config.jwt().issuer());
      }
      config.jwt().issuers().forEach(i -> issuers.add(i.issuer()));
      issuers.forEach(i -> {
        if (!listed.contains(i)) {
          listed.add(i);
        }
      });
    }
    return List.copyOf(listed);
  }

  private static String base(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority();
  }

  private static ThreadPoolExecutor executor(AuthConfig.Executor e) {
    return AuthenticationThreads.create(e.threads(), e.queue());
  }
}
