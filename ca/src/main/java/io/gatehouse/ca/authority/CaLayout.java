package io.gatehouse.ca.authority;

import java.nio.file.Path;

/**
 * Where CA material lives under the {@code --dir} root (default {@code certs}), as docs/contracts.md fixes
 * it: {@code ca/} for the CA, {@code clients/} and {@code servers/} for issued leaves.
 */
public record CaLayout(Path root) {
  /** {@code <root>/ca}. */
  public Path caDir() {
    return root.resolve("ca");
  }

  /** Self-signed root certificate (PEM). */
  public Path rootCertificate() {
    return caDir().resolve("root.crt");
  }

  /** Root private key, encrypted PKCS#8 PEM, mode 0600. */
  public Path rootKey() {
    return caDir().resolve("root.key");
  }

  /** Intermediate certificate (PEM), present when the CA was initialised with one. */
  public Path intermediateCertificate() {
    return caDir().resolve("intermediate.crt");
  }

  /** Intermediate private key, encrypted PKCS#8 PEM, mode 0600. */
  public Path intermediateKey() {
    return caDir().resolve("intermediate.key");
  }

  /** The chain clients and servers trust: issuing CA first, root last (PEM). */
  public Path chain() {
    return caDir().resolve("chain.pem");
  }

  /** The CA settings. */
  public Path config() {
    return caDir().resolve("ca.json");
  }

  /** The SQLite store. */
  public Path database() {
    return caDir().resolve("ca.db");
  }

  /**
   * Marker written when the store's audit chain was keyed ({@code ca init}, or the migration of a
   * schema-1 store): a store without a signed chain head is then refused, never sealed anew.
   */
  public Path auditSealed() {
    return caDir().resolve("audit.sealed");
  }

  /** Default output of {@code ca crl}. */
  public Path crl(boolean pem) {
    return caDir().resolve(pem ? "crl.pem" : "crl.der");
  }

  /** {@code <root>/clients}. */
  public Path clientsDir() {
    return root.resolve("clients");
  }

  /** {@code <root>/servers}. */
  public Path serversDir() {
    return root.resolve("servers");
  }
}
