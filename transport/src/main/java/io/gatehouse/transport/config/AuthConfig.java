package io.gatehouse.transport.config;

import io.gatehouse.transport.setting.Setting;
import com.fasterxml.jackson.annotation.JsonCreator;
import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.audit.AuditLog;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import io.gatehouse.transport.auth.jwt.JwtConfig;
import io.gatehouse.transport.auth.AuthenticationThreads;
import io.gatehouse.transport.auth.ratelimit.AuthFailureLockout;
import io.gatehouse.transport.auth.ratelimit.RateLimiter;
import io.gatehouse.transport.auth.revocation.RevocationChecker;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The {@code auth:} section of the transport config: which authentication methods are on, how
 * revocation, policy, rate limits, lockout and audit behave. Safe defaults: client certificates on,
 * JWT and API keys off, revocation fail-closed, no policy (the pipeline refuses to start without
 * one). Each default and bound is a {@link Setting} constant of the component that owns it;
 * every key is documented in {@code docs/configuration.md}.
 *
 * @param resource this server's MCP endpoint URL as clients reach it (RFC 9728 {@code resource},
 *     JWT audience default); required with JWT (checked by {@code GatehouseAuth}), else default
 *     {@code https://localhost:<port>/mcp}
 * @param authorizationServers RFC 9728 {@code authorization_servers}: only real authorization
 *     servers; default none, and the field is left out
 * @param scopesSupported RFC 9728 {@code scopes_supported}; default none (tool names are not
 *     advertised to unauthenticated callers)
 * @param certificate client-certificate authentication
 * @param jwt bearer-JWT authentication
 * @param apiKey API-key authentication
 * @param revocation OCSP checks of client certificates
 * @param policy the RBAC policy file
 * @param rateLimits bounds of the rate limiter (rates are in the policy file)
 * @param lockout lockout of sources after failed authentications
 * @param audit the audit log
 * @param executor the threads authentication runs on (never the event loop)
 */
public record AuthConfig(
    URI resource,
    List<String> authorizationServers,
    List<String> scopesSupported,
    CertificateConfig certificate,
    JwtConfig jwt,
    ApiKeyConfig apiKey,
    Revocation revocation,
    PolicyFile policy,
    RateLimits rateLimits,
    Lockout lockout,
    Audit audit,
    Executor executor) {

  public AuthConfig {
    if (resource != null && !("https".equals(resource.getScheme())
        || "http".equals(resource.getScheme())) || resource != null && resource.getHost() == null) {
      throw new IllegalArgumentException("auth.resource must be an absolute http(s) URL: " + resource);
    }
    authorizationServers = authorizationServers == null ? null : List.copyOf(authorizationServers);
    scopesSupported = scopesSupported == null ? List.of() : List.copyOf(scopesSupported);
    certificate = certificate == null ? CertificateConfig.defaults() : certificate;
    jwt = jwt == null ? JwtConfig.disabled() : jwt;
    apiKey = apiKey == null ? new ApiKeyConfig(null, null) : apiKey;
    revocation = revocation == null ? Revocation.defaults() : revocation;
    policy = policy == null ? new PolicyFile(null) : policy;
    rateLimits = rateLimits == null ? new RateLimits(null) : rateLimits;
    lockout = lockout == null ? Lockout.defaults() : lockout;
    audit = audit == null ? Audit.defaults() : audit;
    executor = executor == null ? new Executor(null, null) : executor;
    if (certificate.trustDomain() != null && jwt.localCaTrustDomain() != null
        && !certificate.trustDomain().equals(jwt.localCaTrustDomain())) {
      throw new IllegalArgumentException("auth.jwt.localCaTrustDomain " + jwt.localCaTrustDomain()
          + " differs from auth.certificate.trustDomain " + certificate.trustDomain());
    }
    if (!certificate.enabled() && !jwt.enabled() && !apiKey.enabled()) {
      throw new IllegalArgumentException(
          "auth: enable at least one of certificate, jwt, apiKey");
    }
  }

  /** All defaults (certificates only; a policy file must still be configured). */
  public static AuthConfig defaults() {
    return builder().build();
  }

  /** This config with {@code file} as the policy. */
  public AuthConfig withPolicy(Path file) {
    return toBuilder().policy(new PolicyFile(file)).build();
  }

  /** This config with other authentication methods. */
  public AuthConfig withMethods(CertificateConfig certificate, JwtConfig jwt, ApiKeyConfig apiKey) {
    return toBuilder().certificate(certificate).jwt(jwt).apiKey(apiKey).build();
  }

  /** This config with other revocation settings. */
  public AuthConfig withRevocation(Revocation revocation) {
    return toBuilder().revocation(revocation).build();
  }

  /** This config with other lockout settings. */
  public AuthConfig withLockout(Lockout lockout) {
    return toBuilder().lockout(lockout).build();
  }

  /** This config with another audit log. */
  public AuthConfig withAudit(Audit audit) {
    return toBuilder().audit(audit).build();
  }

  /** This config with another resource URL. */
  public AuthConfig withResource(URI resource) {
    return toBuilder().resource(resource).build();
  }

  /** A builder starting from this config: set what changes, keep the rest. */
  public Builder toBuilder() {
    return new Builder().resource(resource).authorizationServers(authorizationServers)
        .scopesSupported(scopesSupported).certificate(certificate).jwt(jwt).apiKey(apiKey)
        .revocation(revocation).policy(policy).rateLimits(rateLimits).lockout(lockout)
        .audit(audit).executor(executor);
  }

  /** A builder with every key unset (its default). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link AuthConfig}; unset keys take their defaults, checked in the record. */
  public static final class Builder {
    private URI resource;
    private List<String> authorizationServers;
    private List<String> scopesSupported;
    private CertificateConfig certificate;
    private JwtConfig jwt;
    private ApiKeyConfig apiKey;
    private Revocation revocation;
    private PolicyFile policy;
    private RateLimits rateLimits;
    private Lockout lockout;
    private Audit audit;
    private Executor executor;

    private Builder() {}

    public Builder resource(URI resource) {
      this.resource = resource;
      return this;
    }

    public Builder authorizationServers(List<String> authorizationServers) {
      this.authorizationServers = authorizationServers;
      return this;
    }

    public Builder scopesSupported(List<String> scopesSupported) {
      this.scopesSupported = scopesSupported;
      return this;
    }

    public Builder certificate(CertificateConfig certificate) {
      this.certificate = certificate;
      return this;
    }

    public Builder jwt(JwtConfig jwt) {
      this.jwt = jwt;
      return this;
    }

    public Builder apiKey(ApiKeyConfig apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    public Builder revocation(Revocation revocation) {
      this.revocation = revocation;
      return this;
    }

    public Builder policy(PolicyFile policy) {
      this.policy = policy;
      return this;
    }

    public Builder rateLimits(RateLimits rateLimits) {
      this.rateLimits = rateLimits;
      return this;
    }

    public Builder lockout(Lockout lockout) {
      this.lockout = lockout;
      return this;
    }

    public Builder audit(Audit audit) {
      this.audit = audit;
      return this;
    }

    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    public AuthConfig build() {
      return new AuthConfig(resource, authorizationServers, scopesSupported, certificate, jwt,
          apiKey, revocation, policy, rateLimits, lockout, audit, executor);
    }
  }

  /** What to do when a certificate's revocation status cannot be established. */
  public enum RevocationMode {
    /** Refuse (default). */
    FAIL_CLOSED,
    /** Admit and audit a warning. */
    SOFT_FAIL,
    /** Do not check revocation at all. */
    OFF;

    /** Accepts {@code fail-closed}, {@code soft-fail}, {@code off} (any case, - or _). */
    @JsonCreator
    public static RevocationMode parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "auth.revocation.mode must be fail-closed, soft-fail or off, got '" + text + "'");
      }
    }
  }

  /**
   * OCSP checks of client certificates.
   *
   * @param mode default fail-closed
   * @param responderUrl replaces each certificate's AIA OCSP URL when set
   * @param maxCacheTtl upper bound on trusting an answer
   * @param cacheSize cached answers
   * @param connectTimeout see the owning component's {@link Setting}
   * @param requestTimeout see the owning component's {@link Setting}
   * @param nonce send and require a nonce; default false
   */
  public record Revocation(RevocationMode mode, URI responderUrl, Duration maxCacheTtl,
      Long cacheSize, Duration connectTimeout, Duration requestTimeout, Boolean nonce) {
    public Revocation {
      mode = mode == null ? RevocationMode.FAIL_CLOSED : mode;
      maxCacheTtl = RevocationChecker.MAX_CACHE_TTL.orDefault(maxCacheTtl);
      cacheSize = RevocationChecker.CACHE_SIZE.orDefault(cacheSize);
      connectTimeout = RevocationChecker.CONNECT_TIMEOUT.orDefault(connectTimeout);
      requestTimeout = RevocationChecker.REQUEST_TIMEOUT.orDefault(requestTimeout);
      nonce = nonce != null && nonce;
    }

    /** A builder starting from this config: set what changes, keep the rest. */
    public Builder toBuilder() {
      return new Builder().mode(mode).responderUrl(responderUrl).maxCacheTtl(maxCacheTtl)
          .cacheSize(cacheSize).connectTimeout(connectTimeout).requestTimeout(requestTimeout)
          .nonce(nonce);
    }

    /** A builder with every key unset (its default). */
    public static Builder builder() {
      return new Builder();
    }

    /** Builds a {@link Revocation}; unset keys take their defaults, checked in the record. */
    public static final class Builder {
      private RevocationMode mode;
      private URI responderUrl;
      private Duration maxCacheTtl;
      private Long cacheSize;
      private Duration connectTimeout;
      private Duration requestTimeout;
      private Boolean nonce;

      private Builder() {}

      public Builder mode(RevocationMode mode) {
        this.mode = mode;
        return this;
      }

      public Builder responderUrl(URI responderUrl) {
        this.responderUrl = responderUrl;
        return this;
      }

      public Builder maxCacheTtl(Duration maxCacheTtl) {
        this.maxCacheTtl = maxCacheTtl;
        return this;
      }

      public Builder cacheSize(Long cacheSize) {
        this.cacheSize = cacheSize;
        return this;
      }

      public Builder connectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
        return this;
      }

      public Builder requestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        return this;
      }

      public Builder nonce(Boolean nonce) {
        this.nonce = nonce;
        return this;
      }

      public Revocation build() {
        return new Revocation(mode, responderUrl, maxCacheTtl, cacheSize, connectTimeout,
            requestTimeout, nonce);
      }
    }

    /** Fail-closed with the AIA responder and default timeouts. */
    public static Revocation defaults() {
      return builder().build();
    }

    /** This config in {@code mode}. */
    public Revocation withMode(RevocationMode mode) {
      return toBuilder().mode(mode).build();
    }

    /** This config with another max cache TTL. */
    public Revocation withMaxCacheTtl(Duration ttl) {
      return toBuilder().maxCacheTtl(ttl).build();
    }

    /** This config with another request timeout. */
    public Revocation withRequestTimeout(Duration timeout) {
      return toBuilder().requestTimeout(timeout).build();
    }
  }

  /**
   * The RBAC policy.
   *
   * @param file policy YAML (or {@code .json}); required, hot-reloaded
   */
  public record PolicyFile(Path file) {}

  /**
   * Rate-limiter bounds; the rates themselves are in the policy file.
   *
   * @param maxKeys most (principal, tool) buckets kept
   */
  public record RateLimits(Long maxKeys) {
    public RateLimits {
      maxKeys = RateLimiter.MAX_KEYS.orDefault(maxKeys);
    }
  }

  /**
   * Lockout after refused credentials: per (source, attempted identity), plus a per-source cap.
   *
   * @param maxFailures refused credentials for one identity from one source within {@code window}
   *     that lock that identity there
   * @param window see the owning component's {@link Setting}
   * @param duration how long a lock (or a shed source) lasts
   * @param maxSources entries tracked
   * @param maxFailuresPerSource refused credentials of any identities from one source within
   *     {@code window} that shed the source with 429 (requests with a verified client certificate
   *     excepted)
   */
  public record Lockout(Integer maxFailures, Duration window, Duration duration, Long maxSources,
      Integer maxFailuresPerSource) {
    public Lockout {
      maxFailures = AuthFailureLockout.MAX_FAILURES.orDefault(maxFailures);
      window = AuthFailureLockout.WINDOW.orDefault(window);
      duration = AuthFailureLockout.DURATION.orDefault(duration);
      maxSources = AuthFailureLockout.MAX_SOURCES.orDefault(maxSources);
      maxFailuresPerSource =
          AuthFailureLockout.MAX_FAILURES_PER_SOURCE.orDefault(maxFailuresPerSource);
    }

    /** Without a per-source cap setting (it takes its default). */
    public Lockout(Integer maxFailures, Duration window, Duration duration, Long maxSources) {
      this(maxFailures, window, duration, maxSources, null);
    }

    /** Every lockout key at its default. */
    public static Lockout defaults() {
      return new Lockout(null, null, null, null, null);
    }
  }

  /**
   * The audit log.
   *
   * @param file JSON-lines file (mode 0600,
       rolled); unset: SLF4J logger {@code gatehouse.audit} only
   * @param maxFileBytes roll size
   * @param backups rolled files kept
   * @param queueCapacity events queued before dropping
   */
  public record Audit(Path file, Long maxFileBytes, Integer backups, Integer queueCapacity) {
    public Audit {
      maxFileBytes = AuditLog.MAX_FILE_BYTES.orDefault(maxFileBytes);
      backups = AuditLog.BACKUPS.orDefault(backups);
      queueCapacity = AuditLog.QUEUE_CAPACITY.orDefault(queueCapacity);
    }

    /** SLF4J only. */
    public static Audit defaults() {
      return new Audit(null, null, null, null);
    }

    /** To {@code file} as well, with default rolling. */
    public static Audit toFile(Path file) {
      return new Audit(file, null, null, null);
    }
  }

  /**
   * The authentication threads.
   *
   * @param threads unset: the number of processors, at least 2
   * @param queue requests waiting for a thread before new ones get 503
   */
  public record Executor(Integer threads, Integer queue) {
    public Executor {
      threads = AuthenticationThreads.THREADS.orDefault(threads);
      queue = AuthenticationThreads.QUEUE.orDefault(queue);
    }
  }
}
