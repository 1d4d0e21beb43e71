package io.gatehouse.bench.e2e;

/**
 * The servers the e2e harness compares, all on the same TLS material with client certs required.
 * The legacy targets speak Streamable HTTP with sessions (2025-06-18); the modern ones MCP
 * 2026-07-28 (stateless, one JSON response per {@code tools/call}), each generation compared with
 * the MCP SDK's own servlet transport for it on Jetty ({@link #baseline()}).
 */
public enum Target {
  /** Gatehouse, JDK TLS, the full auth pipeline (certificate, revocation, RBAC). */
  GATEHOUSE_AUTH("Gatehouse, auth on (JDK TLS)", false),
  /**
   * {@link #GATEHOUSE_AUTH} while the harness floods it beside the measured load with connections
   * whose client certificate the CA has revoked: what refusing them costs the legitimate calls.
   */
  GATEHOUSE_AUTH_REVOKED_FLOOD("Gatehouse, auth on, revoked-certificate flood beside (JDK TLS)", false),
  /** Gatehouse, JDK TLS, no auth stages: mTLS only. */
  GATEHOUSE_PLAIN("Gatehouse, auth off (JDK TLS)", false),
  /** Gatehouse, OpenSSL (BoringSSL) TLS, no auth stages. */
  GATEHOUSE_PLAIN_OPENSSL("Gatehouse, auth off (OpenSSL TLS)", false),
  /** The MCP SDK's servlet transport on Jetty 12, JDK TLS, needClientAuth. */
  SDK_JETTY("MCP SDK servlet transport on Jetty 12 (JDK TLS)", false),
  /** Gatehouse serving 2026-07-28, JDK TLS, the full auth pipeline. */
  GATEHOUSE_MODERN_AUTH("Gatehouse 2026-07-28, auth on (JDK TLS)", true),
  /** Gatehouse serving 2026-07-28, JDK TLS, no auth stages: mTLS only. */
  GATEHOUSE_MODERN_PLAIN("Gatehouse 2026-07-28, auth off (JDK TLS)", true),
  /** The SDK's 2026-07-28 servlet transport ({@code HttpServletMcpTransport}) on Jetty 12, JDK TLS, needClientAuth. */
  SDK_JETTY_MODERN("MCP SDK 2026-07-28 servlet transport on Jetty 12 (JDK TLS)", true);

  private final String label;
  private final boolean modern;

  Target(String label, boolean modern) {
    this.label = label;
    this.modern = modern;
  }

  /** A human-readable name for tables and charts. */
  public String label() {
    return label;
  }

  /** True for the stateless 2026-07-28 targets: no sessions, no listening streams, no memory step. */
  public boolean modern() {
    return modern;
  }

  /**
   * True for the target measured with the revoked-certificate flood beside it: measured at one
   * connection count only, without the memory step.
   */
  public boolean revokedFlood() {
    return this == GATEHOUSE_AUTH_REVOKED_FLOOD;
  }

  /** The SDK-on-Jetty target of the same protocol generation, the baseline ratios divide by. */
  public Target baseline() {
    return modern ? SDK_JETTY_MODERN : SDK_JETTY;
  }

  /** True for the SDK-on-Jetty baselines. */
  public boolean isBaseline() {
    return this == baseline();
  }
}
