package io.gatehouse.transport.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The {@code auth:} section of the transport config: which authentication methods are on, how
 * revocation, policy, rate limits, lockout and audit behave. Safe defaults: client certificates on,
 * JWT and API keys off, revocation fail-closed, no policy (the pipeline refuses to start without
 * one). Keys and defaults are documented in {@code docs/authentication.md}.
 *
 * @param resource this server's MCP endpoint URL as clients reach it (RFC 9728 {@code resource},
 *     JWT audience default); required with JWT (checked by {@code GatehouseAuth}), else default
 *     {@code https://localhost:<port>/mcp}
 * @param authorizationServers RFC 9728 {@code authorization_servers}; default the JWT issuer when
 *     JWT is on
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
    Certificate certificate,
    Jwt jwt,
    ApiKey apiKey,
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
    certificate = certificate == null ? Certificate.defaults() : certificate;
    jwt = jwt == null ? Jwt.disabled() : jwt;
    apiKey = apiKey == null ? new ApiKey(null, null) : apiKey;
    revocation = revocation == null ? Revocation.defaults() : revocation;
    policy = policy == null ? new PolicyFile(null) : policy;
    rateLimits = rateLimits == null ? new RateLimits(null) : rateLimits;
    lockout = lockout == null ? Lockout.defaults() : lockout;
    audit = audit == null ? Audit.defaults() : audit;
    executor = executor == null ? new Executor(null, null) : executor;
    if (!certificate.enabled() && !jwt.enabled() && !apiKey.enabled()) {
      throw new IllegalArgumentException(
          "auth: enable at least one of certificate, jwt, apiKey");
    }
  }

  /** All defaults (certificates only; a policy file must still be configured). */
  public static AuthConfig defaults() {
    return new AuthConfig(null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** This config with {@code file} as the policy. */
  public AuthConfig withPolicy(Path file) {
    return new AuthConfig(resource, authorizationServers, scopesSupported, certificate, jwt, apiKey,
        revocation, new PolicyFile(file), rateLimits, lockout, audit, executor);
  }

  /** This config with other authentication methods. */
  public AuthConfig withMethods(Certificate certificate, Jwt jwt, ApiKey apiKey) {
    return new AuthConfig(resource, authorizationServers, scopesSupported, certificate, jwt, apiKey,
        revocation, policy, rateLimits, lockout, audit, executor);
  }

  /** This config with other revocation settings. */
  public AuthConfig withRevocation(Revocation revocation) {
    return new AuthConfig(resource, authorizationServers, scopesSupported, certificate, jwt, apiKey,
        revocation, policy, rateLimits, lockout, audit, executor);
  }

  /** This config with other lockout settings. */
  public AuthConfig withLockout(Lockout lockout) {
    return new AuthConfig(resource, authorizationServers, scopesSupported, certificate, jwt, apiKey,
        revocation, policy, rateLimits, lockout, audit, executor);
  }

  /** This config with another audit log. */
  public AuthConfig withAudit(Audit audit) {
    return new AuthConfig(resource, authorizationServers, scopesSupported, certificate, jwt, apiKey,
        revocation, policy, rateLimits, lockout, audit, executor);
  }

  /** This config with another resource URL. */
  public AuthConfig withResource(URI resource) {
    return new AuthConfig(resource, authorizationServers, scopesSupported, certificate, jwt, apiKey,
        revocation, policy, rateLimits, lockout, audit, executor);
  }

  /**
   * Client certificates (chain checked at the TLS handshake against {@code tls.trustBundle}).
   *
   * @param enabled default true
   * @param trustDomain accept only SPIFFE IDs in this trust domain; default any
   * @param clockSkew tolerance on validity; default 60s, at most 5m
   */
  public record Certificate(Boolean enabled, String trustDomain, Duration clockSkew) {
    public Certificate {
      enabled = enabled == null || enabled;
      clockSkew = within(clockSkew, Duration.ofSeconds(60), Duration.ZERO, Duration.ofMinutes(5),
          "auth.certificate.clockSkew");
    }

    /** On, any trust domain, 60 s skew. */
    public static Certificate defaults() {
      return new Certificate(null, null, null);
    }

    /** Off. */
    public static Certificate disabled() {
      return new Certificate(false, null, null);
    }
  }

  /**
   * Bearer JWTs. With {@code enabled}, {@code issuer} and exactly one of {@code keyFile} / {@code
   * jwksUrl} are required.
   *
   * @param enabled default false
   * @param issuer exact {@code iss}
   * @param audience what {@code aud} must contain; default {@code auth.resource}
   * @param algorithms JWS allow-list; default {@code [ES256]}
   * @param keyFile PEM, JWK or JWK set file
   * @param jwksUrl JWK set URL; HTTPS (the JVM's trust store)
   * @param jwksCacheTtl default 5m
   * @param jwksRefreshAhead default 30s
   * @param jwksMinRefetchInterval default 30s
   * @param jwksConnectTimeout default 2s
   * @param jwksFetchDeadline default 5s
   * @param clockSkew default 60s, at most 60s
   * @param tokenCacheTtl default 60s, at most 10m, 0 disables
   * @param tokenCacheSize default 10000
   * @param insecurePlainHttpJwks allow an {@code http://} {@code jwksUrl} to a loopback address;
   *     default false. Insecure (any local process that binds the port can mint tokens); warned
   *     about at every start
   */
  public record Jwt(Boolean enabled, String issuer, String audience, List<String> algorithms,
      Path keyFile, URI jwksUrl, Duration jwksCacheTtl, Duration jwksRefreshAhead,
      Duration jwksMinRefetchInterval, Duration jwksConnectTimeout, Duration jwksFetchDeadline,
      Duration clockSkew, Duration tokenCacheTtl, Integer tokenCacheSize,
      Boolean insecurePlainHttpJwks) {
    public Jwt {
      enabled = enabled != null && enabled;
      insecurePlainHttpJwks = insecurePlainHttpJwks != null && insecurePlainHttpJwks;
      algorithms = algorithms == null || algorithms.isEmpty() ? List.of("ES256") : List.copyOf(algorithms);
      jwksCacheTtl = within(jwksCacheTtl, Duration.ofMinutes(5), Duration.ofSeconds(10),
          Duration.ofDays(1), "auth.jwt.jwksCacheTtl");
      jwksRefreshAhead = within(jwksRefreshAhead, Duration.ofSeconds(30), Duration.ZERO,
          Duration.ofHours(1), "auth.jwt.jwksRefreshAhead");
      jwksMinRefetchInterval = within(jwksMinRefetchInterval, Duration.ofSeconds(30),
          Duration.ofSeconds(1), Duration.ofHours(1), "auth.jwt.jwksMinRefetchInterval");
      jwksConnectTimeout = within(jwksConnectTimeout, Duration.ofSeconds(2), Duration.ofMillis(100),
          Duration.ofSeconds(60), "auth.jwt.jwksConnectTimeout");
      jwksFetchDeadline = within(jwksFetchDeadline, Duration.ofSeconds(5), Duration.ofMillis(100),
          Duration.ofSeconds(60), "auth.jwt.jwksFetchDeadline");
      clockSkew = within(clockSkew, Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(60),
          "auth.jwt.clockSkew");
      tokenCacheTtl = within(tokenCacheTtl, Duration.ofSeconds(60), Duration.ZERO,
          Duration.ofMinutes(10), "auth.jwt.tokenCacheTtl");
      tokenCacheSize = TransportConfig.positive(tokenCacheSize, 10_000, "auth.jwt.tokenCacheSize");
      if (enabled) {
        if (issuer == null || issuer.isBlank()) {
          throw new IllegalArgumentException("auth.jwt.issuer is required when jwt is enabled");
        }
        if ((keyFile == null) == (jwksUrl == null)) {
          throw new IllegalArgumentException(
              "auth.jwt: set exactly one of keyFile and jwksUrl");
        }
      }
    }

    /** Off. */
    public static Jwt disabled() {
      return new Jwt(false, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null);
    }

    /** On, with a key file (PEM, JWK or JWK set) and the default algorithm ES256. */
    public static Jwt withKeyFile(String issuer, Path keyFile) {
      return new Jwt(true, issuer, null, null, keyFile, null, null, null, null, null, null, null,
          null, null, null);
    }

    /** On, with a JWK set URL and the default algorithm ES256. */
    public static Jwt withJwksUrl(String issuer, URI jwksUrl) {
      return new Jwt(true, issuer, null, null, null, jwksUrl, null, null, null, null, null, null,
          null, null, null);
    }

    /** This config with plain-http JWKS to loopback allowed or not (insecure; see the field). */
    public Jwt withInsecurePlainHttpJwks(boolean allow) {
      return new Jwt(enabled, issuer, audience, algorithms, keyFile, jwksUrl, jwksCacheTtl,
          jwksRefreshAhead, jwksMinRefetchInterval, jwksConnectTimeout, jwksFetchDeadline,
          clockSkew, tokenCacheTtl, tokenCacheSize, allow);
    }
  }

  /**
   * API keys ({@code X-API-Key}).
   *
   * @param enabled default false
   * @param file the key file {@code gatehouse apikey} writes; default {@code certs/apikeys.json}
   */
  public record ApiKey(Boolean enabled, Path file) {
    public ApiKey {
      enabled = enabled != null && enabled;
      file = file == null ? Path.of("certs/apikeys.json") : file;
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
   * @param maxCacheTtl upper bound on trusting an answer; default 5m, 1s..24h
   * @param cacheSize cached answers; default 100000
   * @param connectTimeout default 2s
   * @param requestTimeout default 5s
   * @param nonce send and require a nonce; default false
   */
  public record Revocation(RevocationMode mode, URI responderUrl, Duration maxCacheTtl,
      Long cacheSize, Duration connectTimeout, Duration requestTimeout, Boolean nonce) {
    public Revocation {
      mode = mode == null ? RevocationMode.FAIL_CLOSED : mode;
      maxCacheTtl = within(maxCacheTtl, Duration.ofMinutes(5), Duration.ofSeconds(1),
          Duration.ofHours(24), "auth.revocation.maxCacheTtl");
      cacheSize = cacheSize == null ? 100_000L : cacheSize;
      if (cacheSize < 1) {
        throw new IllegalArgumentException("auth.revocation.cacheSize must be positive");
      }
      connectTimeout = within(connectTimeout, Duration.ofSeconds(2), Duration.ofMillis(100),
          Duration.ofSeconds(60), "auth.revocation.connectTimeout");
      requestTimeout = within(requestTimeout, Duration.ofSeconds(5), Duration.ofMillis(100),
          Duration.ofSeconds(60), "auth.revocation.requestTimeout");
      nonce = nonce != null && nonce;
    }

    /** Fail-closed with the AIA responder and default timeouts. */
    public static Revocation defaults() {
      return new Revocation(null, null, null, null, null, null, null);
    }

    /** This config in {@code mode}. */
    public Revocation withMode(RevocationMode mode) {
      return new Revocation(mode, responderUrl, maxCacheTtl, cacheSize, connectTimeout,
          requestTimeout, nonce);
    }

    /** This config with another max cache TTL. */
    public Revocation withMaxCacheTtl(Duration ttl) {
      return new Revocation(mode, responderUrl, ttl, cacheSize, connectTimeout, requestTimeout,
          nonce);
    }

    /** This config with another request timeout. */
    public Revocation withRequestTimeout(Duration timeout) {
      return new Revocation(mode, responderUrl, maxCacheTtl, cacheSize, connectTimeout, timeout,
          nonce);
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
   * @param maxKeys most (principal, tool) buckets kept; default 100000
   */
  public record RateLimits(Long maxKeys) {
    public RateLimits {
      maxKeys = maxKeys == null ? 100_000L : maxKeys;
      if (maxKeys < 1) {
        throw new IllegalArgumentException("auth.rateLimits.maxKeys must be positive");
      }
    }
  }

  /**
   * Lockout after refused credentials: per (source, attempted identity), plus a per-source cap.
   *
   * @param maxFailures refused credentials for one identity from one source within {@code window}
   *     that lock that identity there; default 10
   * @param window default 1m
   * @param duration how long a lock (or a shed source) lasts; default 5m
   * @param maxSources entries tracked; default 100000
   * @param maxFailuresPerSource refused credentials of any identities from one source within
   *     {@code window} that shed the source with 429 (requests with a verified client certificate
   *     excepted); default 100
   */
  public record Lockout(Integer maxFailures, Duration window, Duration duration, Long maxSources,
      Integer maxFailuresPerSource) {
    public Lockout {
      maxFailures = TransportConfig.positive(maxFailures, 10, "auth.lockout.maxFailures");
      window = within(window, Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofHours(24),
          "auth.lockout.window");
      duration = within(duration, Duration.ofMinutes(5), Duration.ofSeconds(1),
          Duration.ofHours(24), "auth.lockout.duration");
      maxSources = maxSources == null ? 100_000L : maxSources;
      if (maxSources < 1) {
        throw new IllegalArgumentException("auth.lockout.maxSources must be positive");
      }
      maxFailuresPerSource = TransportConfig.positive(maxFailuresPerSource, 100,
          "auth.lockout.maxFailuresPerSource");
    }

    /** Without a per-source cap setting (it takes its default). */
    public Lockout(Integer maxFailures, Duration window, Duration duration, Long maxSources) {
      this(maxFailures, window, duration, maxSources, null);
    }

    /** 10 refused credentials per identity and minute lock it for 5 minutes; 100 per source shed it. */
    public static Lockout defaults() {
      return new Lockout(null, null, null, null, null);
    }
  }

  /**
   * The audit log.
   *
   * @param file JSON-lines file (mode 0600, rolled); unset: SLF4J logger {@code gatehouse.audit} only
   * @param maxFileBytes roll size; default 10 MiB
   * @param backups rolled files kept; default 5
   * @param queueCapacity events queued before dropping; default 10000
   */
  public record Audit(Path file, Long maxFileBytes, Integer backups, Integer queueCapacity) {
    public Audit {
      maxFileBytes = maxFileBytes == null ? 10L << 20 : maxFileBytes;
      if (maxFileBytes < 4096) {
        throw new IllegalArgumentException("auth.audit.maxFileBytes must be at least 4096");
      }
      backups = TransportConfig.positive(backups, 5, "auth.audit.backups");
      queueCapacity = TransportConfig.positive(queueCapacity, 10_000, "auth.audit.queueCapacity");
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
   * @param threads default: the number of processors, at least 2
   * @param queue requests waiting for a thread before new ones get 503; default 1024
   */
  public record Executor(Integer threads, Integer queue) {
    public Executor {
      threads = TransportConfig.positive(threads,
          Math.max(2, Runtime.getRuntime().availableProcessors()), "auth.executor.threads");
      queue = TransportConfig.positive(queue, 1024, "auth.executor.queue");
    }
  }

  private static Duration within(Duration value, Duration fallback, Duration min, Duration max,
      String name) {
    if (value == null) {
      return fallback;
    }
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + " must be between " + text(min) + " and "
          + text(max) + ", got " + text(value));
    }
    return value;
  }

  private static String text(Duration d) {
    return d.toString().substring(2).toLowerCase(Locale.ROOT);
  }
}
