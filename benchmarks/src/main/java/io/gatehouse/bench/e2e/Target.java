package io.gatehouse.bench.e2e;

/** The servers the e2e harness compares, all on the same TLS material with client certs required. */
public enum Target {
  /** Gatehouse, JDK TLS, the full auth pipeline (certificate, revocation, RBAC). */
  GATEHOUSE_AUTH("Gatehouse, auth on (JDK TLS)"),
  /** Gatehouse, JDK TLS, no auth stages: mTLS only. */
  GATEHOUSE_PLAIN("Gatehouse, auth off (JDK TLS)"),
  /** Gatehouse, OpenSSL (BoringSSL) TLS, no auth stages. */
  GATEHOUSE_PLAIN_OPENSSL("Gatehouse, auth off (OpenSSL TLS)"),
  /** The MCP SDK's servlet transport on Jetty 12, JDK TLS, needClientAuth. */
  SDK_JETTY("MCP SDK servlet transport on Jetty 12 (JDK TLS)");

  private final String label;

  Target(String label) {
    this.label = label;
  }

  /** A human-readable name for tables and charts. */
  public String label() {
    return label;
  }
}
