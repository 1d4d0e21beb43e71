package io.gatehouse.transport.auth.cert;

import java.time.Duration;

/**
 * Client certificates (chain checked at the TLS handshake against {@code tls.trustBundle}).
 *
 * @param enabled default true
 * @param trustDomain accept only SPIFFE IDs in this trust domain; default any
 * @param clockSkew tolerance on validity
 */
public record CertificateConfig(Boolean enabled, String trustDomain, Duration clockSkew) {
  public CertificateConfig {
    enabled = enabled == null || enabled;
    clockSkew = ClientCertificateAuthenticator.CLOCK_SKEW.orDefault(clockSkew);
  }

  /** On, any trust domain, 60 s skew. */
  public static CertificateConfig defaults() {
    return new CertificateConfig(null, null, null);
  }

  /** Off. */
  public static CertificateConfig disabled() {
    return new CertificateConfig(false, null, null);
  }
}
