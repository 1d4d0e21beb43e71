package io.gatehouse.transport.config;

import io.gatehouse.transport.setting.Setting;
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
 * @param proxyProtocol trusted load balancers that send the PROXY protocol v2 header; default off
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
    AuthConfig auth,
    ProxyProtocol proxyProtocol) {

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
    proxyProtocol = proxyProtocol == null ? ProxyProtocol.off() : proxyProtocol;
  }

  /** A config without a {@code proxyProtocol} section (off). */
  public TransportConfig(String bind, Integer port, Boolean plainHttp, Tls tls, Limits limits,
      List<String> allowedHosts, List<String> allowedOrigins, Duration shutdownGrace,
      AuthConfig auth) {
    this(bind, port, plainHttp, tls, limits, allowedHosts, allowedOrigins, shutdownGrace, auth,
        null);
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
    return builder().build();
  }

  /** This config listening on {@code bind:port}. */
  public TransportConfig withAddress(String bind, int port) {
    return toBuilder().bind(bind).port(port).build();
  }

  /** This config serving plain HTTP (loopback only). */
  public TransportConfig withPlainHttp() {
    return toBuilder().plainHttp(true).build();
  }

  /** This config with {@code tls}. */
  public TransportConfig withTls(Tls tls) {
    return toBuilder().tls(tls).build();
  }

  /** This config with {@code limits}. */
  public TransportConfig withLimits(Limits limits) {
    return toBuilder().limits(limits).build();
  }

  /** This config with the given Host and Origin allow-lists. */
  public TransportConfig withAllowed(List<String> hosts, List<String> origins) {
    return toBuilder().allowedHosts(hosts).allowedOrigins(origins).build();
  }

  /** This config with {@code auth}. */
  public TransportConfig withAuth(AuthConfig auth) {
    return toBuilder().auth(auth).build();
  }

  /** This config accepting the PROXY protocol v2 from {@code proxyProtocol}'s proxies. */
  public TransportConfig withProxyProtocol(ProxyProtocol proxyProtocol) {
    return toBuilder().proxyProtocol(proxyProtocol).build();
  }

  /**
   * The PROXY protocol v2 (HAProxy), for a server behind a TCP load balancer: a connection from a
   * trusted proxy must start with the binary v2 header, and the client address in it becomes the
   * source for lockout, audit and the MCP context. A connection from any other address that sends
   * a PROXY header is closed; one that does not is served directly. Off while the list is empty.
   *
   * @param trustedProxies addresses ({@code 10.0.0.5}) or CIDR blocks ({@code 10.0.0.0/8},
   *     {@code fd00::/8}) of the proxies; literal addresses only, no host names
   */
  public record ProxyProtocol(List<String> trustedProxies) {
    public ProxyProtocol {
      trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
      for (String cidr : trustedProxies) {
        validateCidr(cidr);
      }
    }

    /** No proxy trusted: the PROXY protocol is refused from everyone. */
    public static ProxyProtocol off() {
      return new ProxyProtocol(null);
    }

    /** True when at least one proxy is trusted. */
    public boolean enabled() {
      return !trustedProxies.isEmpty();
    }

    private static void validateCidr(String cidr) {
      String what = "server.proxyProtocol.trustedProxies: \"" + cidr + "\" ";
      if (cidr == null || cidr.isBlank()) {
        throw new IllegalArgumentException("server.proxyProtocol.trustedProxies: empty entry");
      }
      int slash = cidr.indexOf('/');
      String address = slash < 0 ? cidr : cidr.substring(0, slash);
      boolean v4 = io.netty.util.NetUtil.isValidIpV4Address(address);
      if (!v4 && !io.netty.util.NetUtil.isValidIpV6Address(address)) {
        throw new IllegalArgumentException(what + "is not an IP address or CIDR block");
      }
      if (slash >= 0) {
        int bits;
        try {
          bits = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > (v4 ? 32 : 128)) {
          throw new IllegalArgumentException(what + "has an invalid prefix length");
        }
      }
    }
  }

  /** A builder starting from this config: set what changes, keep the rest. */
  public Builder toBuilder() {
    return new Builder().bind(bind).port(port).plainHttp(plainHttp).tls(tls).limits(limits)
        .allowedHosts(allowedHosts).allowedOrigins(allowedOrigins).shutdownGrace(shutdownGrace)
        .auth(this.auth).proxyProtocol(proxyProtocol);
  }

  /** A builder with every key unset (its default). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link TransportConfig}; unset keys take their defaults, checked in the record. */
  public static final class Builder {
    private String bind;
    private Integer port;
    private Boolean plainHttp;
    private Tls tls;
    private Limits limits;
    private List<String> allowedHosts;
    private List<String> allowedOrigins;
    private Duration shutdownGrace;
    private AuthConfig auth;
    private ProxyProtocol proxyProtocol;

    private Builder() {}

    public Builder bind(String bind) {
      this.bind = bind;
      return this;
    }

    public Builder port(Integer port) {
      this.port = port;
      return this;
    }

    public Builder plainHttp(Boolean plainHttp) {
      this.plainHttp = plainHttp;
      return this;
    }

    public Builder tls(Tls tls) {
      this.tls = tls;
      return this;
    }

    public Builder limits(Limits limits) {
      this.limits = limits;
      return this;
    }

    public Builder allowedHosts(List<String> allowedHosts) {
      this.allowedHosts = allowedHosts;
      return this;
    }

    public Builder allowedOrigins(List<String> allowedOrigins) {
      this.allowedOrigins = allowedOrigins;
      return this;
    }

    public Builder shutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
      return this;
    }

    public Builder auth(AuthConfig auth) {
      this.auth = auth;
      return this;
    }

    public Builder proxyProtocol(ProxyProtocol proxyProtocol) {
      this.proxyProtocol = proxyProtocol;
      return this;
    }

    public TransportConfig build() {
      return new TransportConfig(bind, port, plainHttp, tls, limits, allowedHosts,
          allowedOrigins, shutdownGrace, auth, proxyProtocol);
    }
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
      return builder().build();
    }

    /** These limits with a different body limit. */
    public Limits withMaxBodyBytes(int v) {
      return toBuilder().maxBodyBytes(v).build();
    }

    /** These limits with different header limits. */
    public Limits withHeaders(int bytes, int count) {
      return toBuilder().maxHeaderBytes(bytes).maxHeaderCount(count).build();
    }

    /** These limits with a different request read timeout. */
    public Limits withRequestReadTimeout(Duration v) {
      return toBuilder().requestReadTimeout(v).build();
    }

    /** These limits with different session limits. */
    public Limits withSessions(int total, int perPrincipal, Duration idleTimeout) {
      return toBuilder().maxSessions(total).maxSessionsPerPrincipal(perPrincipal)
          .sessionIdleTimeout(idleTimeout).build();
    }

    /** These limits with different SSE keep-alive and buffer bounds. */
    public Limits withSse(Duration keepAlive, int maxBufferedBytes) {
      return toBuilder().sseKeepAlive(keepAlive).sseMaxBufferedBytes(maxBufferedBytes).build();
    }

    /** A builder starting from this config: set what changes, keep the rest. */
    public Builder toBuilder() {
      return new Builder().maxBodyBytes(maxBodyBytes).maxHeaderBytes(maxHeaderBytes)
          .maxHeaderCount(maxHeaderCount).requestReadTimeout(requestReadTimeout)
          .maxSessions(maxSessions).maxSessionsPerPrincipal(maxSessionsPerPrincipal)
          .sessionIdleTimeout(sessionIdleTimeout).sseKeepAlive(sseKeepAlive)
          .sseMaxBufferedBytes(sseMaxBufferedBytes);
    }

    /** A builder with every key unset (its default). */
    public static Builder builder() {
      return new Builder();
    }

    /** Builds a {@link Limits}; unset keys take their defaults, checked in the record. */
    public static final class Builder {
      private Integer maxBodyBytes;
      private Integer maxHeaderBytes;
      private Integer maxHeaderCount;
      private Duration requestReadTimeout;
      private Integer maxSessions;
      private Integer maxSessionsPerPrincipal;
      private Duration sessionIdleTimeout;
      private Duration sseKeepAlive;
      private Integer sseMaxBufferedBytes;

      private Builder() {}

      public Builder maxBodyBytes(Integer maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
        return this;
      }

      public Builder maxHeaderBytes(Integer maxHeaderBytes) {
        this.maxHeaderBytes = maxHeaderBytes;
        return this;
      }

      public Builder maxHeaderCount(Integer maxHeaderCount) {
        this.maxHeaderCount = maxHeaderCount;
        return this;
      }

      public Builder requestReadTimeout(Duration requestReadTimeout) {
        this.requestReadTimeout = requestReadTimeout;
        return this;
      }

      public Builder maxSessions(Integer maxSessions) {
        this.maxSessions = maxSessions;
        return this;
      }

      public Builder maxSessionsPerPrincipal(Integer maxSessionsPerPrincipal) {
        this.maxSessionsPerPrincipal = maxSessionsPerPrincipal;
        return this;
      }

      public Builder sessionIdleTimeout(Duration sessionIdleTimeout) {
        this.sessionIdleTimeout = sessionIdleTimeout;
        return this;
      }

      public Builder sseKeepAlive(Duration sseKeepAlive) {
        this.sseKeepAlive = sseKeepAlive;
        return this;
      }

      public Builder sseMaxBufferedBytes(Integer sseMaxBufferedBytes) {
        this.sseMaxBufferedBytes = sseMaxBufferedBytes;
        return this;
      }

      public Limits build() {
        return new Limits(maxBodyBytes, maxHeaderBytes, maxHeaderCount, requestReadTimeout,
            maxSessions, maxSessionsPerPrincipal, sessionIdleTimeout, sseKeepAlive,
            sseMaxBufferedBytes);
      }
    }
  }
}
