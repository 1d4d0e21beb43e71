package io.gatehouse.transport.config;

import io.gatehouse.transport.setting.Setting;

/**
 * The whole configuration of a Gatehouse server, as one file has it: {@code server} (listening,
 * TLS, limits), {@code auth} (authentication, revocation, policy, rate limits, lockout, audit) and
 * {@code metrics}. Bound by {@link GatehouseConfigLoader} from YAML or JSON plus environment
 * variables; each key's default and bounds are written once, as a {@link Setting} next to the
 * component that owns it. Every key is listed in {@code docs/configuration.md}.
 *
 * <p>A server built from this model always has authentication: an absent {@code auth} section
 * means its safe defaults (client certificates, fail-closed revocation), which still need a
 * policy file.
 *
 * @param server the transport; its {@code auth} is not set here (auth is a top-level section)
 * @param auth the auth pipeline
 * @param metrics the {@code /metrics} endpoint
 */
public record GatehouseConfig(TransportConfig server, AuthConfig auth, Metrics metrics) {
  /** The top-level sections, in file order. */
  public static final java.util.List<String> SECTIONS = java.util.List.of("server", "auth", "metrics");

  public GatehouseConfig {
    server = server == null ? TransportConfig.defaults() : server;
    if (server.authConfigured()) {
      throw new IllegalArgumentException("auth is a top-level section, not a key of server");
    }
    auth = auth == null ? AuthConfig.defaults() : auth;
    metrics = metrics == null ? new Metrics(null) : metrics;
  }

  /** Every default. */
  public static GatehouseConfig defaults() {
    return new GatehouseConfig(null, null, null);
  }

  /** The transport config with this config's {@code auth} section, for {@code Gatehouse.server}. */
  public TransportConfig transport() {
    return server.withAuth(auth);
  }

  /**
   * The {@code metrics} section.
   *
   * @param enabled serve Prometheus text on {@code GET /metrics} to principals the policy grants
   *     the {@code metrics} resource; default true
   */
  public record Metrics(Boolean enabled) {
    public Metrics {
      enabled = enabled == null || enabled;
    }
  }
}
