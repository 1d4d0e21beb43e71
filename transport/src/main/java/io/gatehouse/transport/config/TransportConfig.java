package io.gatehouse.transport.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Everything the transport needs to listen: address, TLS, HTTP limits, Host/Origin allow-lists
 * and MCP session limits. Every field has a safe default (a {@code null} component takes it), so a
 * config file only names what it changes. Keys and defaults are documented in {@code
 * docs/transport.md}.
 *
 * @param bind address to listen on (default {@code 127.0.0.1})
 * @param port TCP port ({@link #PORT})
 * @param plainHttp serve plain HTTP instead of TLS; refused unless {@code bind} is a loopback
 *     address (for tests and behind a TLS-terminating proxy on the same host)
 * @param tls certificate, key, trust bundle, client-auth mode and provider
 * @param limits request sizes, timeouts and session limits
 * @param allowedHosts {@code Host} values accepted (DNS-rebinding protection); an entry without a
 *     port matches any port
 * @param allowedOrigins {@code Origin} values accepted when a request carries one (exact match)
 * @param shutdownGrace how long graceful shutdown waits for in-flight requests
 * @param auth the auth pipeline ({@code io.gatehouse.transport.auth.pipeline.GatehouseAuth} reads
 *     it); default: client certificates only, fail-closed
 */
public record TransportConfig(
    String bind,
    Integer port,
    Boolean plainHttp,
    Tls tls,
    Limits limits,
    List<String> allowedHosts,
    List<String> allowedOrigins,
    Duration shutdownGrace,
    AuthConfig auth) {

  /** Default {@code Host} allow-list: the loopback names. */
  public static final List<String> LOOPBACK_HOSTS = List.of("localhost", "127.0.0.1", "[::1]");
  /** Default listening address: loopback only, so nothing is exposed by accident. */
  public static final String DEFAULT_BIND = "127.0.0.1";
  /** TCP port; 0 picks a free one. */
  public static final Setting<Integer> PORT = Setting.port("server.port", 8443);
  /** How long graceful shutdown waits for in-flight requests. */
  public static final Setting<Duration> SHUTDOWN_GRACE =
      Setting.positiveDuration("server.shutdownGrace", Duration.ofSeconds(10));

  public TransportConfig {
    bind = bind == null || bind.isBlank() ? DEFAULT_BIND : bind;
    port = PORT.orDefault(port);
    plainHttp = plainHttp != null && plainHttp;
    tls = tls == null ? Tls.none() : tls;
    limits = limits == null ? Limits.defaults() : limits;
    allowedHosts =
        allowedHosts == null
            ? LOOPBACK_HOSTS
            : allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    shutdownGrace = SHUTDOWN_GRACE.orDefault(shutdownGrace);
  }

  /**
   * The {@code auth} section, or its defaults when the config has none (see {@link
   * #authConfigured()}: a server refuses to start without one).
   */
  @Override
  public AuthConfig auth() {
    return auth == null ? AuthConfig.defaults() : auth;
  }

  /**
   * Whether the config has an {@code auth} section. Without one, {@code Gatehouse.server(..)}
   * refuses to start unless {@code insecureNoAuthentication()} is named; with one, it can never
   * start unauthenticated.
   */
  public boolean authConfigured() {
    return auth != null;
  }

  /** A config without an {@code auth} section (it takes the defaults). */
  public TransportConfig(String bind, Integer port, Boolean plainHttp, Tls tls, Limits limits,
      List<String> allowedHosts, List<String> allowedOrigins, Duration shutdownGrace) {
    this(bind, port, plainHttp, tls, limits, allowedHosts, allowedOrigins, shutdownGrace, null);
  }

  /** All defaults: TLS on loopback, without certificate paths (they must be set). */
  public static TransportConfig defaults() {
    return new TransportConfig(null, null, null, null, null, null, null, null, null);
  }

  /** This config listening on {@code bind:port}. */
  public TransportConfig withAddress(String bind, int port) {
    return new TransportConfig(
        bind, port, plainHttp, tls, limits, allowedHosts, allowedOrigins, shutdownGrace, auth);
  }

  /** This config serving plain HTTP (loopback only). */
  public TransportConfig withPlainHttp() {
    return new TransportConfig(
        bind, port, true, tls, limits, allowedHosts, allowedOrigins, shutdownGrace, auth);
  }

  /** This config with {@code tls}. */
  public TransportConfig withTls(Tls tls) {
    return new TransportConfig(
        bind, port, plainHttp, tls, limits, allowedHosts, allowedOrigins, shutdownGrace, auth);
  }

  /** This config with {@code limits}. */
  public TransportConfig withLimits(Limits limits) {
    return new TransportConfig(
        bind, port, plainHttp, tls, limits, allowedHosts, allowedOrigins, shutdownGrace, auth);
  }

  /** This config with the given Host and Origin allow-lists. */
  public TransportConfig withAllowed(List<String> hosts, List<String> origins) {
    return new TransportConfig(
        bind, port, plainHttp, tls, limits, hosts, origins, shutdownGrace, auth);
  }

  /** This config with {@code auth}. */
  public TransportConfig withAuth(AuthConfig auth) {
    return new TransportConfig(
        bind, port, plainHttp, tls, limits, allowedHosts, allowedOrigins, shutdownGrace, auth);
  }

  /** TLS provider: the JDK's JSSE, or BoringSSL through netty-tcnative. */
  public enum TlsProvider {
    /** JSSE (default): always available, identical behaviour on every platform. */
    JDK,
    /** netty-tcnative-boringssl-static; startup fails when it cannot load. */
    OPENSSL,
    /** OpenSSL when netty-tcnative loads on this platform, else JDK. */
    AUTO
  }

  /** When the server asks for a client certificate (the auth pipeline sets this). */
  public enum ClientAuthMode {
    /** Never ask. */
    NONE,
    /** Ask; a client without a certificate may still authenticate another way. */
    OPTIONAL,
    /** Refuse the handshake without a valid client certificate. */
    REQUIRE
  }

  /**
   * TLS material and mode. Protocols (TLS 1.3, 1.2) and cipher suites (ECDHE + AEAD only) are
   * fixed on purpose: there is no safe reason to change them.
   *
   * @param certificate PEM server certificate chain (leaf first)
   * @param privateKey PEM PKCS#8 private key of the leaf (unencrypted; keep it mode 0600)
   * @param trustBundle PEM CA certificates client certificates must chain to (needed unless
   *     {@code clientAuth} is NONE)
   * @param clientAuth NONE (default), OPTIONAL or REQUIRE
   * @param provider JDK (default), OPENSSL or AUTO
   */
  public record Tls(
      Path certificate,
      Path privateKey,
      Path trustBundle,
      ClientAuthMode clientAuth,
      TlsProvider provider) {
    public Tls {
      clientAuth = clientAuth == null ? ClientAuthMode.NONE : clientAuth;
      provider = provider == null ? TlsProvider.JDK : provider;
    }

    /** No material yet; only valid together with {@code plainHttp}. */
    public static Tls none() {
      return new Tls(null, null, null, null, null);
    }

    /** Server certificate and key, no client authentication, JDK provider. */
    public static Tls of(Path certificate, Path privateKey) {
      return new Tls(certificate, privateKey, null, null, null);
    }

    /** This TLS config asking for client certificates chaining to {@code trustBundle}. */
    public Tls withClientAuth(ClientAuthMode mode, Path trustBundle) {
      return new Tls(certificate, privateKey, trustBundle, mode, provider);
    }

    /** This TLS config using {@code provider}. */
    public Tls withProvider(TlsProvider provider) {
      return new Tls(certificate, privateKey, trustBundle, clientAuth, provider);
    }
  }

  /**
   * Resource limits; each bounds what one client can make the server hold.
   *
   * @param maxBodyBytes largest request body (413 above)
   * @param maxHeaderBytes largest header block (431 above)
   * @param maxHeaderCount most header fields in a request (431 above)
   * @param requestReadTimeout time a connection has to deliver a complete request after it opens
   *     or after the previous response ends; bounds idle keep-alive connections and slow-loris
   *     clients alike; also the TLS handshake timeout
   * @param maxSessions MCP sessions in total (503 above)
   * @param maxSessionsPerPrincipal MCP sessions one principal may hold (429 above)
   * @param sessionIdleTimeout a session without requests or open streams this long is closed
   * @param sseKeepAlive interval of SSE comment pings on open streams
   * @param sseMaxBufferedBytes unsent bytes a slow SSE reader may queue before its connection is
   *     closed
   */
  public record Limits(
      Integer maxBodyBytes,
      Integer maxHeaderBytes,
      Integer maxHeaderCount,
      Duration requestReadTimeout,
      Integer maxSessions,
      Integer maxSessionsPerPrincipal,
      Duration sessionIdleTimeout,
      Duration sseKeepAlive,
      Integer sseMaxBufferedBytes) {
    public static final Setting<Integer> MAX_BODY_BYTES =
        Setting.integer("server.limits.maxBodyBytes", 4 << 20, 1, null);
    public static final Setting<Integer> MAX_HEADER_BYTES =
        Setting.integer("server.limits.maxHeaderBytes", 16 << 10, 1, null);
    public static final Setting<Integer> MAX_HEADER_COUNT =
        Setting.integer("server.limits.maxHeaderCount", 64, 1, null);
    public static final Setting<Duration> REQUEST_READ_TIMEOUT =
        Setting.positiveDuration("server.limits.requestReadTimeout", Duration.ofSeconds(30));
    public static final Setting<Integer> MAX_SESSIONS =
        Setting.integer("server.limits.maxSessions", 10_000, 1, null);
    public static final Setting<Integer> MAX_SESSIONS_PER_PRINCIPAL =
        Setting.integer("server.limits.maxSessionsPerPrincipal", 32, 1, null);
    public static final Setting<Duration> SESSION_IDLE_TIMEOUT =
        Setting.positiveDuration("server.limits.sessionIdleTimeout", Duration.ofMinutes(30));
    public static final Setting<Duration> SSE_KEEP_ALIVE =
        Setting.positiveDuration("server.limits.sseKeepAlive", Duration.ofSeconds(15));
    public static final Setting<Integer> SSE_MAX_BUFFERED_BYTES =
        Setting.integer("server.limits.sseMaxBufferedBytes", 1 << 20, 1, null);

    public Limits {
      maxBodyBytes = MAX_BODY_BYTES.orDefault(maxBodyBytes);
      maxHeaderBytes = MAX_HEADER_BYTES.orDefault(maxHeaderBytes);
      maxHeaderCount = MAX_HEADER_COUNT.orDefault(maxHeaderCount);
      requestReadTimeout = REQUEST_READ_TIMEOUT.orDefault(requestReadTimeout);
      maxSessions = MAX_SESSIONS.orDefault(maxSessions);
      maxSessionsPerPrincipal = MAX_SESSIONS_PER_PRINCIPAL.orDefault(maxSessionsPerPrincipal);
      sessionIdleTimeout = SESSION_IDLE_TIMEOUT.orDefault(sessionIdleTimeout);
      sseKeepAlive = SSE_KEEP_ALIVE.orDefault(sseKeepAlive);
      sseMaxBufferedBytes = SSE_MAX_BUFFERED_BYTES.orDefault(sseMaxBufferedBytes);
    }

    /** All defaults. */
    public static Limits defaults() {
      return new Limits(null, null, null, null, null, null, null, null, null);
    }

    /** These limits with a different body limit. */
    public Limits withMaxBodyBytes(int v) {
      return new Limits(v, maxHeaderBytes, maxHeaderCount, requestReadTimeout, maxSessions,
          maxSessionsPerPrincipal, sessionIdleTimeout, sseKeepAlive, sseMaxBufferedBytes);
    }

    /** These limits with different header limits. */
    public Limits withHeaders(int bytes, int count) {
      return new Limits(maxBodyBytes, bytes, count, requestReadTimeout, maxSessions,
          maxSessionsPerPrincipal, sessionIdleTimeout, sseKeepAlive, sseMaxBufferedBytes);
    }

    /** These limits with a different request read timeout. */
    public Limits withRequestReadTimeout(Duration v) {
      return new Limits(maxBodyBytes, maxHeaderBytes, maxHeaderCount, v, maxSessions,
          maxSessionsPerPrincipal, sessionIdleTimeout, sseKeepAlive, sseMaxBufferedBytes);
    }

    /** These limits with different session limits. */
    public Limits withSessions(int total, int perPrincipal, Duration idleTimeout) {
      return new Limits(maxBodyBytes, maxHeaderBytes, maxHeaderCount, requestReadTimeout, total,
          perPrincipal, idleTimeout, sseKeepAlive, sseMaxBufferedBytes);
    }

    /** These limits with different SSE keep-alive and buffer bounds. */
    public Limits withSse(Duration keepAlive, int maxBufferedBytes) {
      return new Limits(maxBodyBytes, maxHeaderBytes, maxHeaderCount, requestReadTimeout,
          maxSessions, maxSessionsPerPrincipal, sessionIdleTimeout, keepAlive, maxBufferedBytes);
    }
  }
}
